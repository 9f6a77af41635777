"""``io-batch subscribers sync|status JOB``, and the feed-mode gate of a send."""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import anyio
import httpx

from batch.api.client import OPERATIONS, IOClient, make_http_client
from batch.api.limiter import Limiter
from batch.api.prepare import prepare_run
from batch.api.stopping import Stop
from batch.api.target import api_base_url
from batch.common import logs
from batch.config.job import Job, load_job
from batch.errors import ConfigError, ExitCode, NotPublishedYetError
from batch.feed.location import store_path
from batch.feed.not_published import not_published_error
from batch.feed.report import SyncReport, subscribers_title
from batch.feed.store import StoreStatus, SubscriberStore, utc_yesterday
from batch.feed.sync import FeedSync
from batch.feed.sync_lock import sync_lock
from batch.i18n import _, format_number, ngettext
from batch.output.summary import summary_path


@dataclass(frozen=True, slots=True)
class SyncCommand:
    """``io-batch subscribers sync JOB``'s options."""

    job: Path
    reread_from: date | None = None  # --from
    show_progress: bool = False  # a terminal, and no --no-progress


@dataclass(frozen=True, slots=True)
class StatusCommand:
    """``io-batch subscribers status JOB``'s options."""

    job: Path


def run_subscribers_sync(command: SyncCommand) -> int:
    job = load_job(command.job)
    _check_reread_from(job, command.reread_from)
    prepared = prepare_run(job, [])  # the list's store is checked when it is opened
    with api_base_url(job) as base_url:
        report = anyio.run(
            _sync_alone,
            job,
            prepared.api_key,
            base_url,
            command.show_progress,
            command.reread_from,
        )
    finish_sync(report)
    error = not_published(report)
    if error is not None:
        raise error
    return report.exit_code


def run_subscribers_status(command: StatusCommand) -> int:
    """How far the job's subscriber list goes, from the store alone (no call)."""
    # The key names the list (store_path): read, and masked like every command's.
    prepared = prepare_run(load_job(command.job), [])
    job = prepared.job
    status = store_status(job, prepared.api_key)
    logs.get_logger().info("feed.status", **asdict(status))
    if not logs.writes_json():
        print(subscribers_title(job.name))
        print(
            "  "
            + _("synced from {start} through {through} (yesterday: {yesterday})").format(
                start=status.start,
                through=status.synced_through or _("nothing yet"),
                yesterday=status.yesterday,
            )
        )
        missing = ngettext(
            "{days} day(s) missing; {subscribers} subscribers",
            "{days} day(s) missing; {subscribers} subscribers",
            status.days_missing,
        )
        print(
            "  "
            + missing.format(
                days=format_number(status.days_missing),
                subscribers=format_number(status.subscribers),
            )
        )
        print(_("store: {path}").format(path=status.path))
    return int(ExitCode.OK if status.up_to_date else ExitCode.ROWS_NEED_ATTENTION)


def store_status(job: Job, api_key: str) -> StoreStatus:
    with SubscriberStore(store_path(job, api_key)) as store:
        return store.status(date.fromisoformat(job.profile.feed_start))


def require_up_to_date(job: Job, api_key: str, synced: SyncReport | None = None) -> None:
    """Feed mode: refuse to send from a list that misses a day up to yesterday.

    ``synced``: the sync this command has just run (``send --sync``): a day IO does not
    serve yet is then exit 69, and the hint never says to add the --sync just given."""
    status = store_status(job, api_key)
    if status.up_to_date:
        return
    if synced is not None and (error := not_published(synced)) is not None:
        raise error
    through = status.synced_through or "no day at all"
    if synced is not None:
        hint = f"run 'io-batch subscribers sync {job.source}' and read its summary"
    else:
        hint = f"run 'io-batch subscribers sync {job.source}' first, or add --sync to this command"
    raise ConfigError(
        f"job {job.name!r} checks recipients against the subscriptions feed "
        f'([profile] check = "feed"), but its subscriber list is synced through {through}, '
        f"not through yesterday ({status.yesterday}): {status.days_missing} day(s) missing",
        hint=hint,
    )


def _check_reread_from(job: Job, reread_from: date | None) -> None:
    if reread_from is None:
        return
    start, yesterday = date.fromisoformat(job.profile.feed_start), utc_yesterday()
    if not start <= reread_from <= yesterday:
        raise ConfigError(
            f"--from {reread_from.isoformat()} is outside the days the list holds, from "
            f"[profile] feed_start ({start.isoformat()}) to yesterday ({yesterday.isoformat()})",
            hint="give a day in that range (IO serves no day before it has ended)",
        )


async def _sync_alone(
    job: Job, api_key: str, base_url: str, show_progress: bool, reread_from: date | None
) -> SyncReport:
    async with sync_lock(store_path(job, api_key)):  # never two syncs of one list at once
        return await sync_feed(
            job,
            api_key,
            base_url,
            Limiter(job.rate),
            show_progress=show_progress,
            reread_from=reread_from,
        )


async def sync_feed(
    job: Job,
    api_key: str,
    base_url: str,
    limiter: Limiter,
    *,
    show_progress: bool = False,
    handle_signals: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
    stop: Stop | None = None,
    reread_from: date | None = None,
) -> SyncReport:
    """Sync the job's subscriber list. A job-level error is raised; the days fetched
    before it stay in the store."""
    started = time.monotonic()
    calls_before, throttled_before = limiter.calls, limiter.throttled
    yesterday = utc_yesterday()
    budget = job.rate
    report = SyncReport(
        job=job.name,
        store=str(store_path(job, api_key)),
        start=job.profile.feed_start,
        yesterday=yesterday.isoformat(),
        calls_by_operation=dict.fromkeys(OPERATIONS, 0),
        budget="unlimited"
        if budget.calls is None
        else f"{budget.calls}/{budget.window_seconds:g}s",
    )
    with SubscriberStore(Path(report.store)) as store:
        async with make_http_client(
            base_url, api_key, job.timeouts, job.rate.concurrency, transport=transport
        ) as http:
            client = IOClient(http, limiter, stop or Stop())
            sync = FeedSync(
                job, store, client, show_progress=show_progress, handle_signals=handle_signals
            )
            try:
                counts = await sync.run(yesterday, reread_from)
            finally:
                await limiter.aclose()
                _fill(report, store, sync, client, yesterday)
                report.calls = limiter.calls - calls_before
                report.throttled = limiter.throttled - throttled_before
                report.elapsed_s = round(time.monotonic() - started, 3)
        report.interrupted = counts.interrupted
        if not report.interrupted and report.days_missing == 0:
            store.record_complete_sync(yesterday)
    report.exit_code = int(_exit_code(report))
    return report


def _fill(
    report: SyncReport, store: SubscriberStore, sync: FeedSync, client: IOClient, yesterday: date
) -> None:
    counts = sync.counts
    status = store.status(date.fromisoformat(report.start), yesterday)
    report.days_missing_before = counts.days_missing
    report.days_fetched = counts.days_fetched
    report.days_not_yet = counts.days_not_yet
    if counts.first_day_not_yet is not None:
        report.first_day_not_yet = counts.first_day_not_yet.isoformat()
        report.not_yet_detail = counts.not_yet_reason
    report.subscriptions = counts.subscriptions
    report.unsubscriptions = counts.unsubscriptions
    report.days_reread = counts.days_reread
    report.days_rewritten = counts.days_rewritten
    report.reread_added = counts.reread_added
    report.reread_removed = counts.reread_removed
    report.synced_through = status.synced_through
    report.days_missing = status.days_missing
    report.subscribers = status.subscribers
    report.calls_by_operation = dict(client.calls_by_operation)


def _exit_code(report: SyncReport) -> ExitCode:
    if report.interrupted:
        return ExitCode.INTERRUPTED
    if report.days_missing and report.first_day_not_yet:
        return ExitCode.NOT_PUBLISHED_YET  # retryable: IO publishes the day later
    return ExitCode.ROWS_NEED_ATTENTION if report.days_missing else ExitCode.OK


def not_published(report: SyncReport) -> NotPublishedYetError | None:
    """The error for a sync that left days IO does not serve yet; None if none."""
    if not (report.days_missing and report.first_day_not_yet):
        return None
    return not_published_error(date.fromisoformat(report.first_day_not_yet), report.not_yet_detail)


def finish_sync(report: SyncReport) -> None:
    store = Path(report.store)  # <store stem>.sync.summary.json, beside the store
    report.write_json(summary_path(store.with_name(f"{store.stem}.sync{store.suffix}")))
    logs.get_logger().info("feed.sync.summary", **asdict(report))
    if not logs.writes_json():
        report.print(sys.stdout)
