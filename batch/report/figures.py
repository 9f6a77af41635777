"""The numbers of a campaign report, computed once (the page and its tests read them here).

The last results file of a chain holds every row with its latest outcome (a rerun
carries the rows it does not retry, with their run id and time), so the counts come
from it; the earlier files add their runs' metadata. Every figure is computed from a
file's tally (``tally``: counts per status and reason code, never the rows themselves).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from batch.common.csv_safety import mask_fiscal_code
from batch.common.logs import mask_text
from batch.i18n import N_
from batch.models import Status
from batch.report.tally import ROWS, ResultsTally, VerifyTally, total

REASONS_PER_STATUS = 3
EXCLUDED = "excluded"  # the status of rows an exclusion list keeps out (when the job has one)
SENT_STATUSES = (Status.SENT.value, Status.ALREADY_SENT.value)
# Rows whose profile check passed: a submit was tried (its reason code says so), or it
# was sent, or may have been.
REACHED_STATUSES = (*SENT_STATUSES, Status.UNKNOWN.value)
PROCESSED = "PROCESSED"
# The report's own words among the status codes (English keys, shown translated).
NO_STATUS = N_("no status")
NOT_VERIFIED = N_("not verified")
# The funnel's steps and the verification's tables: English keys (the page's data-step
# attributes), marked for the catalogs and shown in the page's language.
ROWS_IN_FILE = N_("rows in the file")
VALID = N_("valid")
NOT_EXCLUDED = N_("not excluded")
REACHABLE = N_("reachable on IO")
SENT_TO_IO = N_("sent to IO")
PROCESSED_BY_IO = N_("PROCESSED by IO")
READ = N_("read")
PAID = N_("paid")
MESSAGE_STATUS = N_("message status")
READ_STATUS = N_("read status")
PAYMENT_STATUS = N_("payment status")
NOTES = N_("notes")


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the funnel: ``count`` rows of the ``of_count`` of step ``of_label``;
    ``lost`` says why the others are not here (status or IO status -> rows)."""

    label: str
    count: int
    of_label: str = ""
    of_count: int = 0
    lost: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Example:
    line: str
    fiscal_code: str  # masked
    reason: str  # fiscal codes in it masked


@dataclass(frozen=True, slots=True)
class ReasonGroup:
    code: str
    count: int
    examples: tuple[Example, ...]


@dataclass(frozen=True, slots=True)
class StatusRow:
    status: str
    count: int
    reasons: dict[str, int]  # the most frequent reason codes of the status


def status_counts(counts: pl.DataFrame) -> dict[str, int]:
    """Rows per status, in the order of ``Status`` (then any other status found)."""
    found = dict(counts.group_by("status").agg(pl.col(ROWS).sum()).iter_rows())
    order = [status.value for status in Status] + sorted(set(found) - {s.value for s in Status})
    return {name: int(found[name]) for name in order if found.get(name)}


def funnel(results: ResultsTally, verify: VerifyTally | None) -> list[Step]:
    """Each step a filter of the (status, reason code) counts; what a step loses, the
    status counts of the rows the filter leaves out."""
    counts = results.counts
    status, code = pl.col("status"), pl.col("reason_code")
    rows = total(counts)
    is_valid = status != Status.INVALID.value
    valid = counts.filter(is_valid)
    steps = [Step(ROWS_IN_FILE, rows)]
    steps.append(Step(VALID, total(valid), ROWS_IN_FILE, rows, _lost(counts, is_valid)))
    candidates, previous = valid, VALID
    if valid.filter(status == EXCLUDED).height:
        candidates = valid.filter(status != EXCLUDED)
        excluded = {EXCLUDED: total(valid) - total(candidates)}
        steps.append(Step(NOT_EXCLUDED, total(candidates), VALID, total(valid), excluded))
        previous = NOT_EXCLUDED
    is_reached = status.is_in(REACHED_STATUSES) | code.str.starts_with("submit.")
    reached = candidates.filter(is_reached)
    steps.append(
        Step(
            REACHABLE,
            total(reached),
            previous,
            total(candidates),
            _lost(candidates, is_reached),
        )
    )
    is_sent = status.is_in(SENT_STATUSES)
    sent = reached.filter(is_sent)
    steps.append(
        Step(
            SENT_TO_IO,
            total(sent),
            REACHABLE,
            total(reached),
            _lost(reached, is_sent),
        )
    )
    if verify is not None:
        steps.extend(_verify_steps(verify.counts, total(sent)))
    return steps


def _lost(before: pl.DataFrame, kept: pl.Expr) -> dict[str, int]:
    return status_counts(before.filter(~kept))


def _verify_steps(verify: pl.DataFrame, sent: int) -> list[Step]:
    io_status = pl.col("message_status")
    processed = verify.filter(io_status == PROCESSED)
    not_processed = verify.filter(io_status != PROCESSED)
    lost = _counts(not_processed.with_columns(_io_status_label()), "label")
    unchecked = sent - total(verify)
    if unchecked > 0:
        lost[NOT_VERIFIED] = unchecked
    steps = [Step(PROCESSED_BY_IO, total(processed), SENT_TO_IO, sent, lost)]
    for column, label, done in (
        ("read_status", READ, "READ"),
        ("payment_status", PAID, "PAID"),
    ):
        if (processed[column] != "").any():
            hit = processed.filter(pl.col(column) == done)
            others = processed.filter(pl.col(column) != done)
            lost = _counts(others.with_columns(_blank_as(column, NO_STATUS)), column)
            steps.append(Step(label, total(hit), PROCESSED_BY_IO, total(processed), lost))
    return steps


def _io_status_label() -> pl.Expr:
    return (
        pl.when(pl.col("message_status") != "")
        .then(pl.col("message_status"))
        .when(pl.col("note_code") != "")
        .then(pl.col("note_code"))
        .otherwise(pl.lit(NO_STATUS))
        .alias("label")
    )


def _blank_as(column: str, text: str) -> pl.Expr:
    return pl.when(pl.col(column) != "").then(pl.col(column)).otherwise(pl.lit(text)).alias(column)


def _counts(counts: pl.DataFrame, column: str) -> dict[str, int]:
    counted = (
        counts.group_by(column)
        .agg(pl.col(ROWS).sum().alias("len"))
        .sort(["len", column], descending=[True, False])
    )
    return {str(name): int(count) for name, count in counted.iter_rows()}


def verify_counts(verify: VerifyTally) -> dict[str, dict[str, int]]:
    """IO's statuses of the checked messages: message, read and payment status, notes."""
    counts = verify.counts
    figures = {MESSAGE_STATUS: _counts(counts.with_columns(_io_status_label()), "label")}
    for column, title in (("read_status", READ_STATUS), ("payment_status", PAYMENT_STATUS)):
        if (counts[column] != "").any():
            figures[title] = _counts(counts.with_columns(_blank_as(column, NO_STATUS)), column)
    noted = counts.filter(pl.col("note_code") != "")
    if noted.height:
        figures[NOTES] = _counts(noted, "note_code")
    return figures


def invalid_reasons(results: ResultsTally) -> list[ReasonGroup]:
    """Invalid rows by reason code, most frequent first, each with its first lines."""
    invalid = results.counts.filter(pl.col("status") == Status.INVALID.value)
    return [
        ReasonGroup(code, count, tuple(_examples(results.examples, code)))
        for code, count in _counts(
            invalid.with_columns(_blank_as("reason_code", "?")), "reason_code"
        ).items()
    ]


def _examples(examples: pl.DataFrame, code: str) -> list[Example]:
    key = "" if code == "?" else code
    first = examples.filter(pl.col("reason_code") == key).sort(
        "_line", nulls_last=True, maintain_order=True
    )
    return [
        Example(row["line"], mask_fiscal_code(row["fiscal_code"]), masked_reason(row))
        for row in first.iter_rows(named=True)
    ]


def masked_reason(row: dict[str, Any]) -> str:
    """The reason with every fiscal code masked, the row's own (even a malformed one) too."""
    reason = str(row["reason"])
    own = str(row["fiscal_code"]).strip()
    if len(own) >= 4:
        reason = _replace_folded(reason, own, mask_fiscal_code(own.upper()))
    return mask_text(reason)


def _replace_folded(text: str, old: str, new: str) -> str:
    lowered, target = text.lower(), old.lower()
    parts, start = [], 0
    while (found := lowered.find(target, start)) >= 0:
        parts.append(text[start:found] + new)
        start = found + len(old)
    parts.append(text[start:])
    return "".join(parts)


def outcomes(results: ResultsTally) -> list[StatusRow]:
    rows = []
    for status, count in status_counts(results.counts).items():
        of_status = results.counts.filter(pl.col("status") == status)
        reasons = _counts(of_status.with_columns(_blank_as("reason_code", "-")), "reason_code")
        rows.append(StatusRow(status, count, dict(list(reasons.items())[:REASONS_PER_STATUS])))
    return rows
