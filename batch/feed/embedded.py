"""The API's URL for a job: its own, or an embedded sandbox started for one command.

A sandbox job with no ``base_url`` runs against a sandbox in the same process. In feed
mode that sandbox's citizens are the job's recipients, with a history from the job's
``feed_start``: so the demo job syncs and sends in feed mode as it would on IO.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from batch.common import logs
from batch.config.job import Job
from batch.errors import BatchError
from batch.input import read


@contextmanager
def api_base_url(job: Job) -> Iterator[str]:
    """The API's URL; for a sandbox job with no URL, an embedded sandbox on loopback."""
    if job.target.base_url is not None:
        yield job.target.base_url
        return
    from batch.sandbox import SandboxConfig, running_sandbox  # noqa: PLC0415 - only here

    config = SandboxConfig()
    if job.profile.uses_feed:
        config = SandboxConfig(citizens=input_codes(job), feed_start=job.profile.feed_start)
    with running_sandbox(config) as running:
        logs.get_logger().info("sandbox.started", base_url=running.base_url)
        yield running.base_url


def input_codes(job: Job) -> tuple[str, ...]:
    """The fiscal codes of the job's input, upper-cased; none if it cannot be read (the
    send itself then says why)."""
    codes: dict[str, None] = {}
    try:
        with read.open_input(job.input, [job.columns.fiscal_code]) as source:
            column = source.resolve(job.columns.fiscal_code)
            for batch in source.batches():
                for value in batch[column].to_list():
                    if value:
                        codes[value.strip().upper()] = None
    except BatchError:
        return ()
    return tuple(codes)
