"""The target a command talks to: its URL (the job's own, or an embedded sandbox started
for one command) and its API key, which comes from the environment, not the job file.

A sandbox job with no ``base_url`` runs against a sandbox in the same process. In feed
mode that sandbox's citizens are the job's recipients, with a history from the job's
``feed_start``: so the demo job syncs and sends in feed mode as it would on IO.

The key is read from the variable the job names (``IO_API_KEY`` by default) or, for
container secrets, from the file named by the same variable with ``_FILE`` appended
(``IO_API_KEY_FILE``). It is wrapped in ``ApiKey`` so that no repr, log line or error
message can show it by accident.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from batch.common import logs
from batch.config.choices import TargetKind
from batch.config.job import Job
from batch.config.job_sections import Target
from batch.errors import BatchError, ConfigError
from batch.i18n import _
from batch.input import read


@dataclass(frozen=True, slots=True)
class ApiKey:
    value: str

    def __repr__(self) -> str:
        return "ApiKey('***')"

    __str__ = __repr__


def resolve_api_key(target: Target, environ: Mapping[str, str]) -> ApiKey:
    """The key for ``target``; a production job with no key fails, it never falls back."""
    name = target.api_key_env
    file_name = f"{name}_FILE"
    value = environ.get(name, "").strip()
    if not value and environ.get(file_name):
        path = Path(environ[file_name])
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                _("cannot read the API key file named by {variable}: {error}").format(
                    variable=file_name, error=exc
                )
            ) from None
        if not value:
            raise ConfigError(
                _("the API key file named by {variable} is empty").format(variable=file_name)
            )
    if value:
        return ApiKey(value)
    if target.kind is TargetKind.SANDBOX:
        from batch.sandbox.config import DEFAULT_API_KEY  # noqa: PLC0415 - sandbox jobs only

        return ApiKey(DEFAULT_API_KEY)
    raise ConfigError(
        _("no API key: set {variable} (or {file_variable} to a file that holds it)").format(
            variable=name, file_variable=file_name
        ),
        hint=_("the job targets the real IO API; nothing was sent"),
    )


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
