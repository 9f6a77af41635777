"""``io-batch send`` and ``rerun``: from parsed arguments to a finished run and its summary."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import anyio

from batch.api.limiter import Limiter
from batch.api.prepare import (
    InputChoice,
    journal_destination,
    load_with,
    prepare_run,
)
from batch.api.target import api_base_url
from batch.common import logs
from batch.common.clock import WallClock, clock_from_env
from batch.common.report_requests import ReportRequest, request_report
from batch.common.writable import Destination
from batch.config.choices import InvalidRows, Resend
from batch.config.job import Job, load_job
from batch.config.shards import unsharded_stem
from batch.config.state_dir import journal_location, shown_source
from batch.config.subject_privacy import enforce as enforce_subject_privacy
from batch.errors import BatchError, ConfigError, ExitCode
from batch.feed.command import finish_sync, require_up_to_date
from batch.feed.shared_sync import sync_for_job
from batch.i18n import _
from batch.journal.target import EnvironmentChoice
from batch.metrics.run_metrics import publish_run_metrics
from batch.models import RETRYABLE_BY_DEFAULT, Status
from batch.output.results_target import check_results_target
from batch.output.summary import summary_path
from batch.send import guard
from batch.send.approval_check import check_approval, resolve_operator
from batch.send.errata_rows import REACHED
from batch.send.pipeline import SendOptions, SendRun
from batch.send.run_outcome import RunOutcome
from batch.shards.layout_guard import check_layout
from batch.shards.run import layout_from, run_layout


@dataclass(frozen=True, slots=True)
class SendChoices:
    """What ``send``, ``rerun`` and ``errata`` ask of the run beyond the job file."""

    force_resend: bool = False  # --force-resend
    resend_unknown: bool = False  # --resend-unknown (rerun --include-unknown implies it)
    durable: bool = False  # --durable
    show_progress: bool = False  # a terminal, and no --no-progress
    operator: str | None = None  # --operator (else IO_BATCH_OPERATOR)
    sync: bool = False  # --sync
    environment: EnvironmentChoice = EnvironmentChoice.ASK  # --same-/--new-environment
    shard: str | None = None  # --shard K/N
    shards: int | None = None  # --shards N


@dataclass(frozen=True, slots=True)
class SendCommand:
    """``io-batch send JOB``'s options."""

    job: Path
    input: InputChoice = field(default_factory=InputChoice)
    send: SendChoices = field(default_factory=SendChoices)


@dataclass(frozen=True, slots=True)
class RerunCommand:
    """``io-batch rerun RESULTS --job JOB``'s options."""

    results: Path
    job: Path
    output: Path | None = None
    include_unknown: bool = False
    include_not_registered: bool = False
    include_not_allowed: bool = False
    send: SendChoices = field(default_factory=SendChoices)


def run_send(command: SendCommand) -> int:
    """``io-batch send JOB`` (``send --dry-run`` goes to ``validate`` instead)."""
    job = load_with(command.job, command.input)
    layout = layout_from(job, command.send.shard, command.send.shards)
    return run_layout(job, layout, partial(_send, choices=command.send, rerun_statuses=None))


def run_rerun(command: RerunCommand) -> int:
    results = command.results
    job_file = load_job(command.job)
    check_results_target(results, job_file, "rerun")  # its outcomes hold on its target only
    layout = layout_from(job_file, command.send.shard, command.send.shards)
    # Sharded: results.csv or results.shard-K-of-N.csv -> results-rerun.shard-K-of-N.csv
    stem = results.stem if layout is None else unsharded_stem(results)
    output = command.output or results.with_name(f"{stem}-rerun.csv")
    if output.resolve() == results.resolve():
        raise ConfigError(
            "--output must not be the results file being rerun",
            hint="name a new file, or leave --output out for <results>-rerun.csv",
        )
    job = job_file.with_overrides(
        input_path=results, output=output, encoding="utf-8", separator=","
    )
    statuses = set(RETRYABLE_BY_DEFAULT)
    choices = command.send
    if command.include_unknown:
        statuses.add(Status.UNKNOWN)
        choices = replace(choices, resend_unknown=True)
    if command.include_not_registered:
        statuses.add(Status.NOT_REGISTERED)
    if command.include_not_allowed:
        statuses.add(Status.NOT_ALLOWED)
    send = partial(_send, choices=choices, rerun_statuses=frozenset(statuses))
    return run_layout(job, layout, send, not_over=results)


def send_errata(job: Job, choices: SendChoices) -> int:
    """``io-batch errata``: the errata job's run over the rows of a results file that the
    original reached (``send/errata_rows.py``), like a rerun that retries those."""
    return _send(job, choices, REACHED, errata=True)


def _send(
    job: Job,
    choices: SendChoices,
    rerun_statuses: frozenset[Status] | None,
    *,
    errata: bool = False,
) -> int:
    """One run of ``send``, ``rerun`` or (``errata``: only the rows the original reached)
    ``errata``, for the job or one shard, and its metrics however it ends."""
    shard = job.shard.label if job.shard else ""
    try:
        outcome = _send_run(job, choices, rerun_statuses, errata=errata)
    except BatchError as error:  # stopped before the run began: no summary
        publish_run_metrics(job.metrics, job.name, None, int(error.exit_code), shard=shard)
        raise
    report = outcome.report
    report.finish()  # a run stopped by an error too: its summary comes before the error
    publish_run_metrics(job.metrics, job.name, report.to_json(), report.exit_code, shard=shard)
    outcome.raise_error()
    if job.report:
        request_report(ReportRequest(job.source, job.output))
    return report.exit_code


def _send_run(
    job: Job,
    choices: SendChoices,
    rerun_statuses: frozenset[Status] | None,
    *,
    errata: bool,
) -> RunOutcome:
    enforce_subject_privacy(job.subject_privacy)  # "refuse": exit 2 before any call
    journal = journal_location(job)
    # Another shard count's journals: refuse (exit 2).
    check_layout(job, journal.path, journal.state_dir)
    operator = resolve_operator(choices.operator, os.environ)
    authority = check_approval(job, operator=operator, rerun=rerun_statuses is not None)
    refused_report = [Destination(guard.report_path(job), "error report", "--output")]
    prepared = prepare_run(
        job,
        [
            *(refused_report if job.guard.invalid_rows is InvalidRows.REFUSE_FILE else []),
            Destination(job.output, "results file", "--output"),
            Destination(summary_path(job.output), "summary", "--output"),
            journal_destination(journal),
        ],
    )
    resend = Resend.NONE
    if choices.force_resend:
        resend |= Resend.SENT
    if choices.resend_unknown:
        resend |= Resend.UNKNOWN
    options = SendOptions(
        resend=resend,
        durable=choices.durable,
        rerun_statuses=rerun_statuses,
        errata=errata,
        show_progress=choices.show_progress,
        operator=authority.operator,
        approved_by=authority.approved_by,
        environment=choices.environment,
    )
    sync_first = _feed_gate(job, prepared.api_key, choices.sync)
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
        return anyio.run(
            partial(_sync_then_send, clock=clock),
            job,
            options,
            base_url,
            prepared.api_key,
            sync_first,
        )


def _feed_gate(job: Job, api_key: str, sync: bool) -> bool:
    """Whether to sync the subscriber list first; exit 2 when feed mode would send from
    a list that misses a day (before any call)."""
    if not job.profile.uses_feed:
        if sync:
            raise ConfigError(
                '--sync syncs the subscriber list of a job with [profile] check = "feed"; '
                f"job {job.name!r} checks each profile with the API",
                hint='leave --sync out, or set check = "feed" in the job\'s [profile] section',
            )
        return False
    if not sync:
        require_up_to_date(job, api_key)
    return sync


async def _sync_then_send(
    job: Job,
    options: SendOptions,
    base_url: str,
    api_key: str,
    sync_first: bool,
    *,
    clock: WallClock,
) -> RunOutcome:
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
    outcome = await run.run()
    calls = outcome.report.calls_by_operation
    calls["feed"] = calls.get("feed", 0) + feed_calls
    return outcome
