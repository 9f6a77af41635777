"""The send run: read -> validate -> dispatch (profile, submit) -> record -> report.

In feed mode (``[profile] check = "feed"``) a row whose code is not a subscriber in
the list kept from the subscriptions feed is ``not_subscribed`` with no call, and a
subscriber's message is submitted with no profile check.

One producer reads and validates the input in batches and hands valid rows to a
bounded pool of workers; every worker claims its row in the journal, dispatches it
under the shared limiter and records the outcome; one writer task appends outcomes
to the results file and moves the progress bar. Rows already finished by an earlier
attempt of the same run are skipped, so running the same command again resumes.

Stopping: after the first SIGINT/SIGTERM no new call goes out (``stopping.Stop``): the
requests on the wire finish (each bounded by its timeouts), and a row that was waiting
for its turn, a 429 pause or a backoff, or was between its profile check and its submit,
is put back to pending (nothing was submitted for it). A second signal cancels the
requests in flight, and a submit cut off that way is recorded as ``unknown``. A
job-level error (a refused key, too many failures) stops the run the same graceful way
and is returned with the run's report (``RunOutcome``) once results are written.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from functools import partial

import anyio
import anyio.lowlevel
import httpx
import polars as pl
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from batch.api.client import OPERATIONS, IOClient, make_http_client
from batch.api.limiter import Limiter
from batch.api.quiet_gate import QuietGate
from batch.api.run_loop import RunLoop
from batch.common.clock import SystemClock, WallClock
from batch.common.logs import get_logger
from batch.common.progress import Progress, send_ticks
from batch.config.choices import Resend
from batch.config.job import Job
from batch.config.state_dir import JournalLocation, journal_location
from batch.errors import BatchError
from batch.feed.location import store_path
from batch.feed.store import SubscriberStore
from batch.input import read
from batch.input.exclusions import load_exclusions
from batch.input.header import LINE_COLUMN
from batch.journal.journal import Journal, Run
from batch.journal.target import EnvironmentChoice, prepare_journal
from batch.models import Row, Status
from batch.output.results_writer import ResultsWriter
from batch.output.run_summary import RunReport
from batch.rules.io_rules import check_job
from batch.rules.same_message import SameMessage
from batch.send.dispatch import Dispatcher
from batch.send.errata_rows import restrict_rows
from batch.send.guard import check_guard
from batch.send.pace import PacePlanner, pace_planner
from batch.send.past_due import PastDueCount
from batch.send.producer import Finished, Producer
from batch.send.quiet_hours import add_to_report, quiet_gate
from batch.send.row_action import RowAction, RowContext
from batch.send.run_identity import file_digest, settings_digest
from batch.send.run_outcome import RunOutcome
from batch.send.run_output import build_report, rewrite_from_journal
from batch.send.submit_action import CheckAndSubmit

LINE = LINE_COLUMN


@dataclass(frozen=True)
class SendOptions:
    """What the operator asked for on the command line, beyond the job file."""

    resend: Resend = Resend.NONE  # --force-resend, --resend-unknown
    durable: bool = False  # synchronous=FULL: survive a power loss, not only a crash
    rerun_statuses: frozenset[Status] | None = None  # set: the input is a results file
    show_progress: bool = False
    handle_signals: bool = True
    # What the run does with each valid row (row_action.py); None: check and submit.
    action: RowAction | None = None
    operator: str = ""  # send --operator: recorded in the journal's run and the summary
    approved_by: str = ""  # the approver, when the job needs one: in the summary
    # Put before every journal content key: io-batch pilot puts the template digest, so a
    # pilot run after a template change sends anew, and the same templates never twice.
    digest_scope: str = ""
    errata: bool = False  # io-batch errata: only the rows the original reached (errata_rows)
    environment: EnvironmentChoice = EnvironmentChoice.ASK  # a new IO target (journal_target)


class SendRun:
    def __init__(
        self,
        job: Job,
        options: SendOptions,
        *,
        base_url: str,
        api_key: str,
        transport: httpx.AsyncBaseTransport | None = None,
        limiter: Limiter | None = None,
        clock: WallClock | None = None,
    ) -> None:
        self.job = job
        self._same = SameMessage.of(job)  # what "the same message" is, for the journal
        self._limiter = limiter  # shared with a sync that ran first (send --sync)
        self._subscribers: SubscriberStore | None = None  # feed mode: who may be messaged
        self._calls_by_operation = dict.fromkeys(OPERATIONS, 0)
        self._clock = clock if clock is not None else SystemClock()  # what quiet hours read
        self.options = options
        self._base_url = base_url
        self._api_key = api_key
        self._transport = transport
        self._log = get_logger()
        self._loop = RunLoop(handle_signals=options.handle_signals)  # signals, job error
        self._stop = self._loop.stop
        self._past_due = PastDueCount()
        self._progress = Progress(0, draw=False)  # until the rows are counted
        self._pace: PacePlanner | None = None  # [schedule] not_before, finish_within
        self._target = ""  # the identity of the target this run sends to
        self._submits = options.action is None or options.action.submits

    async def run(self) -> RunOutcome:
        job = self.job
        started = time.monotonic()
        check_job(job)  # options IO would refuse for every message: stop before reading
        with read.open_input(job.input, job.required_columns()) as source:
            # A sharded run reads only its shard's rows; an errata, the rows that were reached.
            restrict_rows(source, job, errata=self.options.errata)
            # The input's own columns (a results file given back: those it carries).
            self._passthrough = list(source.header)
            key = job.columns.dedupe_key
            self._dedupe_column = source.resolve(key) if key is not None else None
            rerun = self.options.rerun_statuses is not None
            if rerun and not source.is_results:
                raise read.not_a_results_file(job.input.path)
            self._exclusions = load_exclusions(job)
            check_guard(
                job, source, rerun_statuses=self.options.rerun_statuses, exclusions=self._exclusions
            )
            location = journal_location(job)
            self._target = location.target  # the results say where the messages went
            journal = self._open_journal(location)
            try:
                journal.purge(job.retention_days)
                run = self._start_run(journal)
                done = journal.done_lines(run.run_id)
                total = sum(len(batch) for batch in source.batches())
                self._log.info(
                    "run.start",
                    job=job.name,
                    run_id=run.run_id,
                    rows=total,
                    resumed=run.resumed,
                    replayed=run.replayed,
                    already_done=len(done),
                    journal=str(location.path),
                    journal_chosen_by=location.source,
                    target=location.target,
                    shard=job.shard.label if job.shard else None,
                )
                self._progress = Progress(
                    total,
                    already_done=len(done),
                    draw=self.options.show_progress and not run.replayed,
                    on_tick=send_ticks(self._log),
                )
                limiter = self._limiter or Limiter(job.rate)
                quiet = quiet_gate(job, self._clock, self._stop, self._progress)
                if not run.replayed:
                    await self._send_rows(source, done, limiter, quiet, resumed=run.resumed)
                self._progress.close()
                interrupted = self._stop.requested and self._loop.error is None
                cut_off = journal.settle(run.run_id)
                self._rewrite(source, include_pending=True)
                if not run.replayed:  # a replayed run keeps the time it finished
                    journal.finish_run(run.run_id, interrupted=self._stop.requested)
                report = build_report(
                    job,
                    journal,
                    run,
                    total=total,
                    limiter=limiter,
                    elapsed=time.monotonic() - started,
                    interrupted=interrupted,
                )
                report.unknown_after_crash += cut_off
                report.calls_by_operation = dict(self._calls_by_operation)
                report.journal = str(location.path)
                report.operator, report.approved_by = (
                    self.options.operator,
                    self.options.approved_by,
                )
                add_to_report(report, quiet, self._pace)
                self._past_due.report_to(report, self._log)
            finally:
                self._progress.close()  # an error then shows below the bar, not over it
                journal.close()
                self._close_subscribers()
        return self._outcome(report)

    def _outcome(self, report: RunReport) -> RunOutcome:
        """The run's report, with the job-level error that stopped it, if one did."""
        error = self._loop.error
        if error is not None:
            report.error = str(error)
            report.exit_code = int(error.exit_code)
        return RunOutcome(report, error)

    def _start_run(self, journal: Journal) -> Run:
        """Start the run (or resume it), with who runs this attempt."""
        # A run that finished over this very input is given back, not run again; unless
        # the operator asks to send again (--force-resend, --resend-unknown).
        run = journal.start_run(
            self.job.output,
            file_digest(self.job.input.path),
            settings_digest=settings_digest(
                self.job,
                rerun_statuses=self.options.rerun_statuses,
                submits=self._submits,
            ),
            replay=self.options.resend is Resend.NONE,
        )
        self._journal, self._run_id = journal, run.run_id
        journal.record_operator(run.run_id, self.options.operator)
        return run

    async def _send_rows(
        self,
        source: read.InputFile,
        done: list[int],
        limiter: Limiter,
        quiet: QuietGate,
        *,
        resumed: bool,
    ) -> None:
        """The rows not done yet sent, their outcomes appended to the results as they come.
        On resume, the earlier attempt's partial file goes on growing (the journal says
        what it misses, and the rewrite at the end puts it all in order)."""
        self._writer = ResultsWriter(
            self.job.output, self._passthrough, fresh=not resumed, target=self._target
        )
        self._subscribers = self._open_subscribers()
        await self._dispatch_rows(source, done, limiter, quiet)
        self._writer.close()

    def _open_journal(self, location: JournalLocation) -> Journal:
        """The journal of the job's target (``journal_target``: adopted, taken over or new)."""
        options = self.options
        prepare_journal(location, self.job.name, choice=options.environment, sends=self._submits)
        return Journal(location.path, durable=options.durable, target=location.target)

    async def _dispatch_rows(
        self, source: read.InputFile, done: list[int], limiter: Limiter, quiet: QuietGate
    ) -> None:
        """Every row not done yet through the API, under the one limiter and quiet gate,
        at the day's pace if the job has one."""
        job = self.job
        first_start = self._journal.started_at(self._run_id)  # a resume keeps the plan
        self._pace = pace_planner(job, self._clock, limiter, self._progress, first_start)
        async with make_http_client(
            self._base_url,
            self._api_key,
            job.timeouts,
            job.rate.concurrency,
            transport=self._transport,
        ) as http:
            client = IOClient(http, limiter, self._stop, quiet)
            self._calls_by_operation = client.calls_by_operation
            dispatcher = Dispatcher(
                client,
                job.retry,
                random.Random(),
                not_registered_guard=self._not_registered_guard(),
            )
            self._context = RowContext(self._journal, self._run_id, dispatcher, self.stop)
            self._action = self.options.action or self._check_and_submit()
            try:
                await self._work(source, pl.Series(LINE, done, dtype=pl.Int64))
            finally:
                await limiter.aclose()

    def _check_and_submit(self) -> CheckAndSubmit:
        """The send's own action: the profile check (unless the feed said yes), the submit."""
        return CheckAndSubmit(
            self.job,
            self._same,
            self._dedupe_column,
            self.options.resend,
            self.options.digest_scope,
            self._subscribers,
            self._past_due,
        )

    def _open_subscribers(self) -> SubscriberStore | None:
        """Feed mode: the subscriber list (the command checked that it is up to date)."""
        if not self.job.profile.uses_feed:
            return None
        return SubscriberStore(store_path(self.job, self._api_key))

    def _close_subscribers(self) -> None:
        if self._subscribers is not None:
            self._subscribers.close()

    # -- the concurrent part -------------------------------------------------------------

    async def _work(self, source: read.InputFile, done: pl.Series) -> None:
        concurrency = self.job.rate.concurrency
        rows_out, rows_in = anyio.create_memory_object_stream[Row](concurrency * 2)
        finished_out, finished_in = anyio.create_memory_object_stream[Finished](1024)

        async def rows_through_workers() -> None:
            async with anyio.create_task_group() as group:
                producer = Producer(
                    self.job,
                    source,
                    self._journal,
                    self._run_id,
                    self._passthrough,
                    rerun_statuses=self.options.rerun_statuses,
                    stop=self._stop,
                    exclusions=self._exclusions,
                )
                group.start_soon(producer.run, done, rows_out, finished_out.clone())
                for _ in range(concurrency):
                    group.start_soon(self._worker, rows_in.clone(), finished_out.clone())
                group.start_soon(self._write, finished_in)
                rows_in.close()
                finished_out.close()

        pace = self._pace
        if pace is None:
            await self._loop.run(rows_through_workers)
        else:
            await self._loop.run(rows_through_workers, partial(pace.run, self._stop))

    def stop(self, error: BatchError | None = None) -> None:
        if error is not None:
            self._loop.fail(error)
        self._stop.request("stopped")

    async def _worker(
        self,
        rows_in: MemoryObjectReceiveStream[Row],
        finished_out: MemoryObjectSendStream[Finished],
    ) -> None:
        async with rows_in, finished_out:
            async for row in rows_in:
                if self._stop.requested:
                    continue  # drain: the row stays pending
                outcome = await self._action.outcome(row, self._context)
                if outcome is not None:
                    await finished_out.send(
                        Finished(row.line, row.fiscal_code, outcome, row.fields)
                    )

    def _not_registered_guard(self) -> int:
        """Off when a rerun retries not_registered rows: those are 404s by choice."""
        rerun = self.options.rerun_statuses
        if rerun is not None and Status.NOT_REGISTERED in rerun:
            return 0
        return self.job.target.not_registered_guard

    async def _write(self, finished_in: MemoryObjectReceiveStream[Finished]) -> None:
        last_flush = time.monotonic()
        async with finished_in:
            async for item in finished_in:
                self._writer.write(
                    item.line,
                    item.fiscal_code,
                    item.outcome,
                    item.run_id or self._run_id,
                    item.fields,
                )
                self._progress.add(item.outcome.status.value)
                self._log.debug(
                    "row",
                    line=item.line,
                    fiscal_code=item.fiscal_code,
                    status=item.outcome.status.value,
                    reason_code=item.outcome.reason_code,
                )
                if time.monotonic() - last_flush > 1.0:
                    self._writer.flush()
                    last_flush = time.monotonic()

    def _rewrite(self, source: read.InputFile, *, include_pending: bool) -> None:
        rewrite_from_journal(
            self.job,
            source,
            self._journal,
            self._run_id,
            self._passthrough,
            rerun=self.options.rerun_statuses is not None,
            include_pending=include_pending,
        )
