"""``io-batch send`` and ``rerun``: from parsed arguments to a finished run and its summary."""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from pathlib import Path

import anyio

from batch.api.limiter import Limiter
from batch.api.target import api_base_url, resolve_api_key
from batch.common import logs
from batch.common.clock import WallClock, clock_from_env
from batch.common.report_requests import ReportRequest, request_report
from batch.common.writable import Destination, check_writable
from batch.config.choices import InvalidRows, Resend
from batch.config.job import Job, load_job
from batch.config.shards import unsharded_stem
from batch.config.state_dir import STATE_DIR_ENV, journal_location, shown_source
from batch.config.subject_privacy import enforce as enforce_subject_privacy
from batch.errors import BatchError, ConfigError, ExitCode
from batch.feed.command import finish_sync, require_up_to_date
from batch.feed.shared_sync import sync_for_job
from batch.i18n import _
from batch.journal.target import EnvironmentChoice
from batch.metrics.run_metrics import publish_run_metrics
from batch.models import RETRYABLE_BY_DEFAULT, Status
from batch.output.results_target import check_results_target
from batch.output.run_summary import RunReport
from batch.output.summary import summary_path
from batch.send import guard
from batch.send.approval_check import check_approval, resolve_operator
from batch.send.errata_rows import REACHED
from batch.send.pipeline import SendOptions, SendRun
from batch.shards.layout_guard import check_layout
from batch.shards.run import layout_from, run_layout


def run_send(args: argparse.Namespace) -> int:
    """``io-batch send JOB`` (``send --dry-run`` goes to ``validate`` instead)."""
    job = load_job(args.job).with_overrides(
        input_path=args.input,
        output=args.output,
        encoding=args.encoding,
        separator=args.separator,
    )
    return run_layout(job, layout_from(job, args), partial(_send, args=args, rerun_statuses=None))


def run_rerun(args: argparse.Namespace) -> int:
    results: Path = args.results
    job_file = load_job(args.job)
    check_results_target(results, job_file, "rerun")  # its outcomes hold on its target only
    layout = layout_from(job_file, args)
    # Sharded: results.csv or results.shard-K-of-N.csv -> results-rerun.shard-K-of-N.csv
    stem = results.stem if layout is None else unsharded_stem(results)
    output = args.output or results.with_name(f"{stem}-rerun.csv")
    if output.resolve() == results.resolve():
        raise ConfigError(
            "--output must not be the results file being rerun",
            hint="name a new file, or leave --output out for <results>-rerun.csv",
        )
    job = job_file.with_overrides(
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
    send = partial(_send, args=args, rerun_statuses=frozenset(statuses))
    return run_layout(job, layout, send, not_over=results)


def send_errata(job: Job, args: argparse.Namespace) -> int:
    """``io-batch errata``: the errata job's run over the rows of a results file that the
    original reached (``send/errata_rows.py``), like a rerun that retries those."""
    return _send(job, args, REACHED, errata=True)


def _send(
    job: Job,
    args: argparse.Namespace,
    rerun_statuses: frozenset[Status] | None,
    *,
    errata: bool = False,
) -> int:
    """One run of ``send``, ``rerun`` or (``errata``: only the rows the original reached)
    ``errata``, for the job or one shard, and its metrics however it ends."""
    shard = job.shard.label if job.shard else ""
    try:
        report = _send_run(job, args, rerun_statuses, errata=errata)
    except BatchError as error:
        summary = error.report.to_json() if isinstance(error.report, RunReport) else None
        publish_run_metrics(job.metrics, job.name, summary, int(error.exit_code), shard=shard)
        raise
    report.finish()
    publish_run_metrics(job.metrics, job.name, report.to_json(), report.exit_code, shard=shard)
    if job.report:
        request_report(ReportRequest(job.source, job.output))
    return report.exit_code


def _send_run(
    job: Job,
    args: argparse.Namespace,
    rerun_statuses: frozenset[Status] | None,
    *,
    errata: bool,
) -> RunReport:
    enforce_subject_privacy(job.subject_privacy)  # "refuse": exit 2 before any call
    journal = journal_location(job)
    # Another shard count's journals: refuse (exit 2).
    check_layout(job, journal.path, journal.state_dir)
    operator = resolve_operator(args.operator, os.environ)
    authority = check_approval(job, operator=operator, rerun=rerun_statuses is not None)
    refused_report = [Destination(guard.report_path(job), "error report", "--output")]
    check_writable(
        [
            *(refused_report if job.guard.invalid_rows is InvalidRows.REFUSE_FILE else []),
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
    resend = Resend.NONE
    if args.force_resend:
        resend |= Resend.SENT
    if args.resend_unknown:
        resend |= Resend.UNKNOWN
    options = SendOptions(
        resend=resend,
        durable=args.durable,
        rerun_statuses=rerun_statuses,
        errata=errata,
        show_progress=sys.stderr.isatty() and not args.no_progress,
        operator=authority.operator,
        approved_by=authority.approved_by,
        environment=_environment_choice(args),
    )
    sync_first = _feed_gate(job, key.value, args)
    if not logs.writes_json():  # a person at a terminal: say which journal guards this job
        if job.shard is not None:
            shard = _("io-batch: shard {shard}, results {path}")
            print(shard.format(shard=job.shard.label, path=job.output), file=sys.stderr)
        print(
            _("io-batch: target {target}, journal {path} ({source})").format(
                target=journal.target, path=journal.path, source=shown_source(journal)
            ),
            file=sys.stderr,
        )
    clock = clock_from_env(os.environ)  # the real one, but in tests (IO_BATCH_FAKE_NOW)
    with api_base_url(job) as base_url:
        report = anyio.run(
            partial(_sync_then_send, clock=clock), job, options, base_url, key.value, sync_first
        )
    return report


def _environment_choice(args: argparse.Namespace) -> EnvironmentChoice:
    if getattr(args, "same_environment", False):
        return EnvironmentChoice.SAME
    if getattr(args, "new_environment", False):
        return EnvironmentChoice.NEW
    return EnvironmentChoice.ASK


def _feed_gate(job: Job, api_key: str, args: argparse.Namespace) -> bool:
    """Whether to sync the subscriber list first; exit 2 when feed mode would send from
    a list that misses a day (before any call)."""
    if not job.profile.uses_feed:
        if args.sync:
            raise ConfigError(
                '--sync syncs the subscriber list of a job with [profile] check = "feed"; '
                f"job {job.name!r} checks each profile with the API",
                hint='leave --sync out, or set check = "feed" in the job\'s [profile] section',
            )
        return False
    if not args.sync:
        require_up_to_date(job, api_key)
    return bool(args.sync)


async def _sync_then_send(
    job: Job,
    options: SendOptions,
    base_url: str,
    api_key: str,
    sync_first: bool,
    *,
    clock: WallClock,
) -> RunReport:
    """``send --sync``: the sync and the send share one limiter, so one rate budget."""
    limiter = Limiter(job.rate)
    feed_calls = 0
    if sync_first:
        # One sync for the job: shards wait for it and reuse the list (shared_sync.py).
        synced = await sync_for_job(
            job, api_key, base_url, limiter, show_progress=options.show_progress
        )
        if synced is not None:
            finish_sync(synced)
            if synced.interrupted:
                raise BatchError(
                    "interrupted during the subscribers sync: nothing was sent",
                    hint="run the same command again: the days already fetched are kept",
                    exit_code=ExitCode.INTERRUPTED,
                )
            feed_calls = synced.calls_by_operation.get("feed", 0)
        require_up_to_date(job, api_key, synced)
    run = SendRun(job, options, base_url=base_url, api_key=api_key, limiter=limiter, clock=clock)
    report = await run.run()
    report.calls_by_operation["feed"] = report.calls_by_operation.get("feed", 0) + feed_calls
    return report
