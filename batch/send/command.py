"""``io-batch send`` and ``rerun``: from parsed arguments to a finished run and its summary."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio

from batch.common import logs
from batch.common.writable import Destination, check_writable
from batch.config.job import Job, load_job
from batch.config.secrets import resolve_api_key
from batch.config.state_dir import STATE_DIR_ENV, journal_location
from batch.dryrun.command import run_validate_command
from batch.errors import ConfigError
from batch.models import RETRYABLE_BY_DEFAULT, Status
from batch.send import guard
from batch.send.pipeline import SendOptions, SendRun
from batch.send.summary import RunReport


def run_send(args: argparse.Namespace) -> int:
    """``io-batch send JOB`` (``--dry-run`` is ``validate``)."""
    if args.dry_run:
        return run_validate_command(args)
    job = load_job(args.job).with_overrides(
        input_path=args.input,
        output=args.output,
        encoding=args.encoding,
        separator=args.separator,
    )
    return _send(job, args, rerun_statuses=None)


def run_rerun(args: argparse.Namespace) -> int:
    results: Path = args.results
    output = args.output or results.with_name(f"{results.stem}-rerun.csv")
    if output.resolve() == results.resolve():
        raise ConfigError(
            "--output must not be the results file being rerun",
            hint="name a new file, or leave --output out for <results>-rerun.csv",
        )
    job = load_job(args.job).with_overrides(
        input_path=results, output=output, encoding="utf-8", separator=","
    )
    statuses = set(RETRYABLE_BY_DEFAULT)
    if args.include_unknown:
        statuses.add(Status.UNKNOWN)
        args.resend_unknown = True
    if args.include_not_registered:
        statuses.add(Status.NOT_REGISTERED)
    if args.include_not_allowed:
        statuses.add(Status.NOT_ALLOWED)
    return _send(job, args, rerun_statuses=frozenset(statuses))


def _send(job: Job, args: argparse.Namespace, rerun_statuses: frozenset[Status] | None) -> int:
    journal = journal_location(job)
    refused_report = [Destination(guard.report_path(job), "error report", "--output")]
    check_writable(
        [
            *(refused_report if job.guard.invalid_rows == guard.REFUSE_FILE else []),
            Destination(job.output, "results file", "--output"),
            Destination(summary_path(job.output), "summary", "--output"),
            Destination(
                journal.path,
                "journal",
                f"[output] state_dir in the job file or {STATE_DIR_ENV} (now: {journal.source})",
            ),
        ]
    )
    key = resolve_api_key(job.target, os.environ)
    logs.add_secret(key.value)
    resend = {"sent"} if args.force_resend else set()
    if args.resend_unknown:
        resend.add("unknown")
    options = SendOptions(
        resend=frozenset(resend),
        durable=args.durable,
        rerun_statuses=rerun_statuses,
        show_progress=sys.stderr.isatty() and not args.no_progress,
    )
    if not logs.writes_json():  # a person at a terminal: say which journal guards this job
        location = journal_location(job)
        print(f"io-batch: journal {location.path} ({location.source})", file=sys.stderr)
    with api_base_url(job) as base_url:
        run = SendRun(job, options, base_url=base_url, api_key=key.value)
        report = anyio.run(run.run)
    finish(report, job.output)
    return report.exit_code


def summary_path(output: Path) -> Path:
    return output.with_name(f"{output.stem}.summary.json")


def finish(report: RunReport, output: Path) -> None:
    report.write_json(summary_path(output))
    logs.get_logger().info("run.summary", **report.__dict__)
    # With JSON logs, stdout is a stream of JSON lines: the event above is the summary there.
    if not logs.writes_json():
        report.print(sys.stdout)


@contextmanager
def api_base_url(job: Job) -> Iterator[str]:
    """The API's URL; for a sandbox job with no URL, an embedded sandbox on loopback."""
    if job.target.base_url is not None:
        yield job.target.base_url
        return
    from batch.sandbox import SandboxConfig, running_sandbox  # noqa: PLC0415 - only here

    with running_sandbox(SandboxConfig()) as running:
        logs.get_logger().info("sandbox.started", base_url=running.base_url)
        yield running.base_url
