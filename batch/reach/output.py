"""The reach CSV and the reach summary.

The CSV has one row per input row, in input order: ``line``, ``fiscal_code`` (as the
results file has them), ``reach``, ``reason_code``, ``reason``, then every input column
as ``input.<name>`` (a mail merge for paper letters can take the addresses from it).

``reach`` is ``reachable``, ``not_registered``, ``not_allowed``, ``not_test_recipient``,
``invalid``, ``excluded``, ``failed`` (no final answer, or one that says nothing about
the citizen) or ``pending`` (the run was stopped first). A citizen on several rows is
checked once: the other rows get the checked row's answer (``row.same_citizen``), found
by fiscal code in the journal, never read back out of a reason's text.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TextIO

import polars as pl

from batch.common.csv_safety import neutralise, neutralise_expr
from batch.common.files import open_private
from batch.i18n import _, format_number, format_percent, ngettext
from batch.input import read
from batch.input.header import LINE_COLUMN
from batch.journal.journal import Journal
from batch.models import Status
from batch.output.results_layout import input_column
from batch.rules.io_rules import upper_ascii_expr
from batch.send.run_output import OUTCOME_SCHEMA

REACH_COLUMNS = ("line", "fiscal_code", "reach", "reason_code", "reason")
#: The reach of each final status; any other final status (rejected, unknown) is "failed".
REACH_OF = {
    Status.REACHABLE: "reachable",
    Status.NOT_REGISTERED: "not_registered",
    Status.NOT_ALLOWED: "not_allowed",
    Status.NOT_TEST_RECIPIENT: "not_test_recipient",
    Status.INVALID: "invalid",
    Status.EXCLUDED: "excluded",
    Status.PENDING: "pending",
}
FAILED = "failed"
#: Outcomes that say nothing of the citizen's reach: not the answer a repeated row takes.
_NOT_AN_ANSWER = (Status.DUPLICATE.value, Status.INVALID.value)
REACH_VALUES = (*REACH_OF.values(), FAILED)

#: A reach answer: (reach, reason_code, reason).
Answer = tuple[str, str, str]


@dataclass
class ReachSummary:
    job: str
    run_id: str
    output: str
    rows: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    share_reachable: float = 0.0  # reachable rows / all rows
    calls: int = 0
    elapsed_s: float = 0.0
    exit_code: int = 0
    error: str = ""
    target: str = ""  # the identity of the target the profiles were checked on

    def write_json(self, path: Path) -> None:
        with open_private(path, "w") as handle:
            json.dump(asdict(self), handle, indent=2, sort_keys=True)
            handle.write("\n")

    def print(self, out: TextIO) -> None:
        print_reach_summary(self, REACH_VALUES, out)


def write_reach(
    source: read.InputFile, fiscal_column: str, journal: Journal, run_id: str, path: Path
) -> Counter[str]:
    """Write the reach CSV atomically from the input and the journal; the counts per reach."""
    counts: Counter[str] = Counter()
    passthrough = list(source.header)
    same_citizen = _same_citizen_answers(source, fiscal_column, journal, run_id)
    temporary = path.with_name(f".{path.name}.tmp")
    with open_private(temporary, "w") as handle:
        header = [*REACH_COLUMNS, *(input_column(name) for name in passthrough)]
        csv.writer(handle, lineterminator="\n").writerow([neutralise(name) for name in header])
        for batch in source.batches():
            if batch.is_empty():
                continue
            frame = _reach_frame(
                batch,
                fiscal_column=fiscal_column,
                passthrough=passthrough,
                journal=journal,
                run_id=run_id,
                same_citizen=same_citizen,
            )
            counts.update(frame.get_column("reach").to_list())
            frame.select(neutralise_expr(pl.all().cast(pl.String).fill_null(""))).write_csv(
                handle, include_header=False, line_terminator="\n"
            )
    temporary.replace(path)
    return counts


def _reach_frame(
    batch: pl.DataFrame,
    *,
    fiscal_column: str,
    passthrough: list[str],
    journal: Journal,
    run_id: str,
    same_citizen: dict[str, Answer],
) -> pl.DataFrame:
    line = LINE_COLUMN
    rows = []
    for line_number, code, status, reason_code, reason in _outcomes(
        journal, run_id, batch
    ).iter_rows():
        if status == Status.DUPLICATE.value:
            answer = same_citizen.get(code) or _not_checked()
        else:
            answer = _reach(status, reason_code or "", reason or "")
        rows.append((line_number, code, *answer))
    answers = pl.DataFrame(
        rows,
        schema={
            "line": pl.Int64,
            "fiscal_code": pl.String,
            "reach": pl.String,
            "reason_code": pl.String,
            "reason": pl.String,
        },
        orient="row",
    )
    cells = batch.select(
        pl.col(line).alias("line"),
        upper_ascii_expr(pl.col(fiscal_column).str.strip_chars()).alias("_input_code"),
        *(pl.col(name).alias(f"_in_{index}") for index, name in enumerate(passthrough)),
    )
    joined = cells.join(answers, on="line", how="left", maintain_order="left")
    return joined.select(
        "line",
        pl.coalesce("fiscal_code", "_input_code").alias("fiscal_code"),
        pl.col("reach").fill_null(REACH_OF[Status.PENDING]),
        pl.col("reason_code").fill_null("row.pending"),
        pl.col("reason").fill_null(_("not checked: run reach again to resume")),
        *(
            pl.col(f"_in_{index}").alias(input_column(name))
            for index, name in enumerate(passthrough)
        ),
    )


def _reach(status: str, reason_code: str, reason: str) -> tuple[str, str, str]:
    known = REACH_OF.get(Status(status))
    return (known or FAILED), reason_code, reason


#: A row of a citizen whose checked row is in neither the journal nor the input.
def _not_checked() -> Answer:
    return ("pending", "row.pending", _("as another row of this citizen, not checked yet"))


def _outcomes(journal: Journal, run_id: str, batch: pl.DataFrame) -> pl.DataFrame:
    """The journal's outcomes of the batch's lines: line, fiscal_code, status, reasons."""
    line = LINE_COLUMN
    low, high = int(batch[line].min()), int(batch[line].max())  # type: ignore[arg-type]
    outcomes = pl.DataFrame(
        journal.outcome_rows(run_id, low, high), schema=OUTCOME_SCHEMA, orient="row"
    )
    return outcomes.select("line", "fiscal_code", "status", "reason_code", "reason")


def _same_citizen_answers(
    source: read.InputFile, fiscal_column: str, journal: Journal, run_id: str
) -> dict[str, Answer]:
    """For each citizen on several rows (a ``duplicate`` row), the answer its rows take:
    that of its checked row (the first line whose outcome is neither ``duplicate`` nor
    ``invalid``), else ``pending`` as its first row the run has not checked yet."""
    repeated: set[str] = set()
    for batch in source.batches():
        if not batch.is_empty():
            outcomes = _outcomes(journal, run_id, batch)
            duplicate = pl.col("status") == Status.DUPLICATE.value
            repeated.update(outcomes.filter(duplicate).get_column("fiscal_code").to_list())
    answers: dict[str, tuple[int, Answer]] = {}
    pending: dict[str, int] = {}
    if not repeated:
        return {}
    for batch in source.batches():
        if batch.is_empty():
            continue
        outcomes = _outcomes(journal, run_id, batch)
        for line, code, status, reason_code, reason in outcomes.iter_rows():
            if code not in repeated or status in _NOT_AN_ANSWER or code in answers:
                continue  # in line order: the first checked row of a citizen is its answer
            reach, _code, why = _reach(status, reason_code or "", reason or "")
            answers[code] = (
                line,
                (
                    reach,
                    "row.same_citizen",
                    _("as line {line}: {reason}").format(line=line, reason=why),
                ),
            )
        unchecked = batch.select(
            pl.col(LINE_COLUMN).alias("line"),
            upper_ascii_expr(pl.col(fiscal_column).str.strip_chars()).alias("code"),
        ).join(outcomes.select("line"), on="line", how="anti")
        for line, code in unchecked.iter_rows():
            if code in repeated and code not in pending:
                pending[code] = line
    found = {code: answer for code, (_line, answer) in answers.items()}
    for code, line in pending.items():
        pending_reason = _("as line {line}, not checked yet").format(line=line)
        found.setdefault(code, ("pending", "row.pending", pending_reason))
    return found


def print_reach_summary(summary: ReachSummary, values: tuple[str, ...], out: TextIO) -> None:
    """``values``: the reach values, in the order the counts are listed."""
    title = _("io-batch reach: job {job}, run {run_id}")
    out.write("\n" + title.format(job=summary.job, run_id=summary.run_id) + "\n")
    for value in values:
        if summary.counts.get(value):
            out.write(f"  {value:<18}  {format_number(summary.counts[value]):>9}\n")
    share = ngettext(
        "Reachable on IO: {reachable} of {rows} rows ({share}); the others need another channel.",
        "Reachable on IO: {reachable} of {rows} rows ({share}); the others need another channel.",
        summary.rows,
    )
    out.write(
        share.format(
            reachable=format_number(summary.counts.get("reachable", 0)),
            rows=format_number(summary.rows),
            share=format_percent(summary.share_reachable),
        )
        + "\n"
    )
    out.write(
        _("Reach CSV: {path} ({checks} profile checks, no message sent)").format(
            path=summary.output, checks=format_number(summary.calls)
        )
        + "\n"
    )
