"""Post-send verification: did each message really reach its citizen?

A 201 only says that IO accepted a message; processing happens later and may fail
(docs/io-sources.md). For every ``sent`` / ``already_sent`` row of a results file this asks
``GET /messages/{fiscal_code}/{id}`` under the job's one rate budget and records the
message's status (or why there is none) in the verification CSV. The first pass asks
every row, retrying passing failures as the job's [retry] says. With ``wait`` it then
asks again, once per row and round, the rows still in processing or whose answer
failed, with growing pauses between rounds, until they are final or the deadline
passes. Running the same verify again continues: messages already final are not asked
again. Rows that were not sent are not in the verification file (the summary counts them).

Stopping: after the first SIGINT/SIGTERM no new call goes out (``stopping.Stop``): the
pause between rounds and any wait for a turn end at once, the calls on the wire finish,
and the file and summary are written (exit 130); a row not asked keeps its earlier
answer, and the next verify asks it. A second signal cuts the calls in flight off.

The pure helpers (which rows, what an answer means for a row) are in ``outcomes.py``.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import anyio
import httpx
from anyio.streams.memory import MemoryObjectReceiveStream

from batch.api.classify import classify_get_message
from batch.api.client import OPERATIONS, IOClient, make_http_client
from batch.api.decisions import Abort, MessageFound, MessageMissing, Retry
from batch.api.limiter import Limiter
from batch.api.retry import Retrier
from batch.api.run_loop import RunLoop
from batch.api.stopping import StopRequested
from batch.common.clock import utc_timestamp
from batch.common.logs import get_logger
from batch.common.progress import Progress, verify_ticks
from batch.config.job import Job
from batch.errors import BatchError
from batch.output.verification import Verification, VerificationWriter, read_verifications
from batch.output.verify_summary import VerifySummary, progress_status
from batch.verify.outcomes import (
    Selection,
    found,
    gave_up,
    missing,
    not_asked,
    poll_delays,
    row_problem,
    with_note,
)


@dataclass(frozen=True, slots=True)
class VerifyOptions:
    wait: bool = False  # ask again the messages still in processing, until the deadline
    deadline: float = 900.0  # seconds from the start of the run (with wait)
    show_progress: bool = False
    first_poll: float = 5.0  # seconds before the first new ask, doubled up to max_poll
    max_poll: float = 60.0


class VerifyRun:
    """One ``io-batch verify``: ask, record, maybe wait and ask again, summarise."""

    def __init__(
        self,
        job: Job,
        selection: Selection,
        *,
        results: Path,
        output: Path,
        options: VerifyOptions,
        base_url: str,
        api_key: str,
        transport: httpx.AsyncBaseTransport | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._job = job
        self._selection = selection
        self._results = results
        self._output = output
        self._options = options
        self._base_url = base_url
        self._api_key = api_key
        self._transport = transport
        self._rng = rng if rng is not None else random.Random()
        self._log = get_logger()
        self._progress = Progress(
            0, draw=options.show_progress, on_tick=verify_ticks(self._log), unit="checks"
        )
        self._writer = VerificationWriter(output)
        self._records: list[Verification] = []
        self._carried_over = 0
        self._asked: set[int] = set()
        self._limiter = Limiter(job.rate)
        self._loop = RunLoop()  # the signals, the cut-off, the first job-level error
        self._stop = self._loop.stop
        self._retrier = Retrier(job.retry, self._rng, self._stop)
        self._calls_by_operation = dict.fromkeys(OPERATIONS, 0)  # the client's, once made

    async def run(self) -> VerifySummary:
        started = time.monotonic()
        to_ask = self._prepare()
        self._log.info(
            "verify.start", checks=len(self._records), to_ask=len(to_ask), wait=self._options.wait
        )
        try:
            self._writer.rewrite(self._records)  # compacted: one row per message
            if to_ask:
                await self._loop.run(
                    partial(self._ask_all, to_ask, started + self._options.deadline)
                )
                # Here, not wrapped in the task group's exception group.
                self._loop.raise_error()
        finally:
            self._writer.rewrite(self._records)
        return self._summary(started)

    async def _ask_all(self, to_ask: list[int], deadline: float) -> None:
        try:
            async with make_http_client(
                self._base_url,
                self._api_key,
                self._job.timeouts,
                self._job.rate.concurrency,
                transport=self._transport,
            ) as http:
                client = IOClient(http, self._limiter, self._stop)
                self._calls_by_operation = client.calls_by_operation
                await self._round(client, "check", to_ask, self._job.retry.max_attempts)
                if self._options.wait:
                    await self._wait(client, to_ask, deadline)
        except StopRequested:
            pass  # a stop during a pause: every row keeps its latest answer
        except BatchError as error:
            self._loop.fail(error)
        finally:
            await self._limiter.aclose()

    def _prepare(self) -> list[int]:
        """Records from an earlier run, or placeholders; the indexes of rows to ask."""
        previous = read_verifications(self._output)
        to_ask = []
        for index, check in enumerate(self._selection.checks):
            prior = previous.get(check.key)
            if prior is not None and prior.final:
                self._records.append(prior)
                self._carried_over += 1
                continue
            attempts = prior.attempts if prior is not None else 0
            problem = row_problem(check)
            if problem is not None:  # no call: it would only be refused
                record = Verification(check, checked_at=utc_timestamp(), attempts=attempts)
                self._records.append(with_note(record, problem))
                continue
            # Until it is asked, an earlier answer (ACCEPTED, say) is the best there is.
            self._records.append(prior or with_note(Verification(check), not_asked()))
            to_ask.append(index)
        return to_ask

    async def _wait(self, client: IOClient, asked: list[int], deadline: float) -> None:
        delays = poll_delays(self._rng, self._options.first_poll, self._options.max_poll)
        while True:
            waiting = [index for index in asked if self._records[index].in_progress]
            remaining = deadline - time.monotonic()
            if not waiting or remaining <= 0:
                return
            # The last round happens at the deadline, so the summary is as fresh as it can be.
            delay = min(next(delays), remaining)
            self._log.info("verify.waiting", in_progress=len(waiting), next_check_s=round(delay, 1))
            await self._stop.sleep(delay)
            # One attempt per row and round: the wait between rounds is the retry.
            await self._round(client, "wait", waiting, 1)

    async def _round(self, client: IOClient, label: str, indexes: list[int], attempts: int) -> None:
        """Ask about every row of ``indexes``, with the job's concurrency; ``attempts``
        per row for passing failures."""
        self._progress.restart(label, len(indexes))
        send, receive = anyio.create_memory_object_stream[int](0)
        try:
            async with anyio.create_task_group() as group:
                for _ in range(min(self._job.rate.concurrency, len(indexes))):
                    group.start_soon(
                        self._worker, client, receive.clone(), group.cancel_scope, attempts
                    )
                receive.close()
                async with send:
                    for index in indexes:
                        if self._stop.requested:
                            break
                        await send.send(index)
        finally:
            self._progress.close()
        self._loop.raise_error()

    async def _worker(
        self,
        client: IOClient,
        receive: MemoryObjectReceiveStream[int],
        scope: anyio.CancelScope,
        attempts: int,
    ) -> None:
        async with receive:
            async for index in receive:
                try:
                    record = await self._ask(client, self._records[index], attempts)
                except StopRequested:
                    continue  # not asked: the row keeps its earlier answer
                except BatchError as error:  # a refused key, too many failures: stop all
                    self._loop.fail(error)
                    scope.cancel()
                    return
                self._records[index] = record
                self._asked.add(index)
                self._writer.append(record)
                self._progress.add(progress_status(record))
                self._log.debug(
                    "verify.row",
                    line=record.check.line,
                    fiscal_code=record.check.fiscal_code,
                    message_status=record.message_status,
                    note_code=record.note_code,
                )

    async def _ask(self, client: IOClient, prior: Verification, tries: int) -> Verification:
        check = prior.check

        async def get_message(_attempt: int) -> httpx.Response:
            return await client.get_message(check.fiscal_code, check.message_id)

        answer = await self._retrier.call(
            get_message,
            partial(
                classify_get_message, fiscal_code=check.fiscal_code, message_id=check.message_id
            ),
            tries=tries,
        )
        attempts = prior.attempts + answer.attempts
        decision = answer.decision
        match decision:
            case MessageFound():
                assert isinstance(answer.result, httpx.Response)  # only an answer has a status
                return found(check, decision.status, answer.result, attempts)
            case MessageMissing():
                return missing(check, decision, attempts)
            case Retry():
                return gave_up(check, decision, attempts)
            case Abort():  # the retrier raises it: never an answer
                raise decision.error

    def _summary(self, started: float) -> VerifySummary:
        summary = VerifySummary(
            results=str(self._results),
            output=str(self._output),
            rows_in_results=self._selection.rows,
            asked=len(self._asked),
            carried_over=self._carried_over,
            not_checked=dict(sorted(self._selection.not_checked.items())),
            waited=self._options.wait,
            interrupted=self._stop.requested,
            deadline_s=self._options.deadline if self._options.wait else None,
            elapsed_s=round(time.monotonic() - started, 3),
            calls=self._limiter.calls,
            throttled=self._limiter.throttled,
            calls_by_operation=dict(self._calls_by_operation),
            budget=self._job.rate.label,
        )
        summary.add_records(self._records)
        return summary
