"""The producer of a send run: reads and validates the input, batch by batch.

Valid rows go to the workers through a bounded stream (so reading never runs far ahead
of sending and memory stays flat); rows that need no call, invalid ones and, on a
rerun, those whose earlier outcome is final, are recorded in the journal at once and
handed to the writer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import anyio
import anyio.lowlevel
import polars as pl
from anyio.streams.memory import MemoryObjectSendStream

from batch.api.stopping import Stop
from batch.common.csv_safety import restore_expr
from batch.config.job import Job
from batch.i18n import _
from batch.input import read
from batch.input.exclusions import ExclusionList
from batch.input.header import LINE_COLUMN
from batch.journal.journal import Journal
from batch.models import Outcome, Row, Status
from batch.output.results_layout import RESULT_COLUMNS, result_field
from batch.output.results_writer import outcome_from_cells
from batch.rules import validate
from batch.rules.exclusions import excluded_outcome, split_excluded
from batch.rules.plan import FISCAL_CODE, WHOLE_LINE
from batch.rules.rows import to_rows

LINE = LINE_COLUMN


@dataclass
class Finished:
    """A row's outcome on its way to the results file."""

    line: int
    fiscal_code: str
    outcome: Outcome
    fields: dict[str, str] = field(default_factory=dict)
    run_id: str = ""  # the run that produced the outcome; empty: this one


class Producer:
    def __init__(
        self,
        job: Job,
        source: read.InputFile,
        journal: Journal,
        run_id: str,
        passthrough: list[str],
        *,
        rerun_statuses: frozenset[Status] | None,
        stop: Stop,
        exclusions: ExclusionList | None = None,
    ) -> None:
        self._job = job
        self._source = source
        self._journal = journal
        self._run_id = run_id
        self._passthrough = passthrough
        self._rerun_statuses = rerun_statuses
        self._stop = stop
        self._exclusions = exclusions

    async def run(
        self,
        done: pl.Series,
        rows_out: MemoryObjectSendStream[Row],
        finished_out: MemoryObjectSendStream[Finished],
    ) -> None:
        async with rows_out, finished_out:
            for raw in self._source.batches():
                if self._stop.requested:
                    return
                batch = self._prepare(raw, done)
                if self._rerun_statuses is not None:
                    batch = await self._carry(batch, finished_out)
                validated = validate.validate_batch(batch, self._job, self._source.header_columns)
                excluded, validated = split_excluded(validated, FISCAL_CODE, self._exclusions)
                immediate = self._excluded(excluded)
                for row in to_rows(validated, self._job, self._source.header_columns):
                    if row.message is None:
                        immediate.append(_invalid(row))
                        continue
                    if immediate:
                        await self._record_immediate(immediate, finished_out)
                        immediate = []
                    if self._stop.requested:
                        return
                    await rows_out.send(row)
                await self._record_immediate(immediate, finished_out)
                await anyio.lowlevel.checkpoint()  # let workers run between large batches

    def _excluded(self, excluded: pl.DataFrame) -> list[Finished]:
        """Listed citizens: recorded at once, with no call."""
        if self._exclusions is None or not excluded.height:
            return []
        outcome = excluded_outcome(self._exclusions)
        rows = to_rows(excluded, self._job, self._source.header_columns)
        return [Finished(row.line, row.fiscal_code, outcome, row.fields) for row in rows]

    def _prepare(self, batch: pl.DataFrame, done: pl.Series) -> pl.DataFrame:
        if self._rerun_statuses is not None:
            batch = rerun_view(batch)
        if len(done):
            batch = batch.filter(~pl.col(LINE).is_in(done.implode()))
        return batch

    async def _carry(
        self, batch: pl.DataFrame, finished_out: MemoryObjectSendStream[Finished]
    ) -> pl.DataFrame:
        """Rerun: rows with a final outcome keep it, with the run that produced it.

        Returns the rows to send again."""
        retry = retried(self._rerun_statuses or frozenset())
        carried = []
        for cells in batch.filter(~retry).iter_rows(named=True):
            # A results file older than a column lacks it (``language``): read as empty.
            earlier = {name: cells.get(result_field(name)) for name in RESULT_COLUMNS}
            carried.append(
                Finished(
                    line=int(cells[LINE]),
                    fiscal_code=str(earlier["fiscal_code"] or ""),
                    outcome=outcome_from_cells(earlier),
                    fields={name: cells.get(name) or "" for name in self._passthrough},
                    run_id=str(earlier["run_id"] or ""),
                )
            )
        self._journal.carry(
            self._run_id, ((row.line, row.fiscal_code, row.outcome, row.run_id) for row in carried)
        )
        for row in carried:
            await finished_out.send(row)
        return batch.filter(retry)

    async def _record_immediate(
        self, rows: list[Finished], finished_out: MemoryObjectSendStream[Finished]
    ) -> None:
        if not rows:
            return
        self._journal.record_many(
            self._run_id, ((row.line, row.fiscal_code, row.outcome) for row in rows)
        )
        for row in rows:
            await finished_out.send(row)


def rerun_view(batch: pl.DataFrame) -> pl.DataFrame:
    """A batch of a results file as a rerun sees it: the original input's line numbers,
    not the results file's, and the input's cells, not the spreadsheet-safe form the
    results hold."""
    return batch.with_columns(
        restore_expr(pl.col(pl.String)),
        pl.col(result_field("line")).cast(pl.Int64).alias(LINE),
    )


def retried(statuses: frozenset[Status]) -> pl.Expr:
    """True on the rows of a results file that a rerun with ``statuses`` tries again."""
    return pl.col(result_field("status")).is_in([status.value for status in statuses])


def _invalid(row: Row) -> Finished:
    invalid = row.invalid
    assert invalid is not None  # to_rows gives every row a message or a reason
    # The whole line's problem (a damaged CSV line) names no column: "(line)" in words.
    column = _("(line)") if invalid.column == WHOLE_LINE else invalid.column
    outcome = Outcome(Status.INVALID, invalid.reason_code, f"{column}: {invalid.reason}")
    return Finished(row.line, row.fiscal_code, outcome, row.fields)
