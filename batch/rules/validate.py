"""Every row against every rule IO enforces, a whole batch at a time (polars expressions).

``validate_batch`` adds the normalised values and, for an invalid row, the first
problem found (``_invalid_column``, ``_reason_code``, ``_reason``; null when valid).
Checks run in column order: the CSV line itself, fiscal code, control characters and
bidirectional overrides in the other values a message uses, due date, amount,
notice number, payee, third-party id, then subject and markdown lengths.
``rows.to_rows`` then turns a validated batch into ``models.Row`` values for the send path.

Per-row Python cannot reach a million rows per second, so the rules are vectorised;
the scalar helpers (``fiscal_code``, ``dates.to_utc``, ``amounts.to_cents``) say the
same thing one value at a time, and the tests hold both to the same answers.
"""

from __future__ import annotations

import polars as pl

from batch.config.job import Job
from batch.input.columns import HeaderColumns
from batch.input.header import CSV_ERROR_COLUMN
from batch.rules import amounts, io_rules
from batch.rules.checks import (
    field_checks,
    language_check,
    length_checks,
    length_targets,
    text_checks,
)
from batch.rules.plan import (
    CONTENT_KEY,
    FISCAL_CODE,
    INVALID_COLUMN,
    REASON,
    REASON_CODE,
    WHOLE_LINE,
    Plan,
    trimmed,
)
from batch.rules.same_message import SameMessage


def validate_batch(
    frame: pl.DataFrame,
    job: Job,
    columns: HeaderColumns,
    *,
    render: bool = True,
    content_key: bool = False,
) -> pl.DataFrame:
    """``frame`` (a batch from ``read``) plus the normalised values and the verdict.

    ``render=False`` skips building subject and markdown (their lengths are checked
    all the same); ``content_key=True`` adds ``_content_key`` for the dry run's and the
    guard's duplicate search: ``same_message``'s one definition, under the job's
    ``message.duplicates`` policy.
    """
    io_rules.check_job(job)
    plan = Plan.of(job, columns)
    used = plan.used()
    frame = frame.with_columns(pl.col(name).str.strip_chars().alias(trimmed(name)) for name in used)
    if frame.select(pl.col(map(trimmed, used)).null_count()).sum_horizontal().item():
        frame = frame.with_columns(pl.col(map(trimmed, used)).fill_null(""))
    checked = io_rules.fiscal_code_problems(frame.get_column(trimmed(plan.fiscal_code)))
    frame = frame.with_columns(
        checked.get_column("fiscal_code").alias("_fc"), checked.get_column("code").alias("_fc_code")
    )
    checks: list[tuple[str, str]] = [("_c:csv", WHOLE_LINE), ("_fc_code", plan.fiscal_code)]
    frame = frame.with_columns(
        pl.col(CSV_ERROR_COLUMN).str.extract(r"^([a-z_.]+): ", 1).alias("_c:csv")
    )
    frame, produced = text_checks(frame, plan)
    checks += produced
    frame, produced = field_checks(frame, plan, job)
    checks += produced
    frame, produced = language_check(frame, plan)
    checks += produced
    frame, produced = length_checks(frame, plan, render=render)
    checks += produced
    # null_count is free (kept with the column): most batches have no problem at all, and
    # only the checks that found something need combining.
    failed = [(code, column) for code, column in checks if frame[code].null_count() < frame.height]
    if failed:
        frame = frame.with_columns(
            pl.coalesce([pl.col(code) for code, _ in failed]).alias(REASON_CODE)
        )
        frame = _explain(frame, failed, plan, job)
        frame = frame.with_columns(
            pl.when(pl.col(REASON_CODE).is_null())
            .then(pl.col("_fc"))
            .otherwise(pl.col(trimmed(plan.fiscal_code)))
            .alias(FISCAL_CODE)
        )
    else:
        none = pl.lit(None, dtype=pl.String)
        frame = frame.with_columns(
            none.alias(REASON_CODE),
            none.alias(INVALID_COLUMN),
            none.alias(REASON),
            pl.col("_fc").alias(FISCAL_CODE),
        )
    if content_key:
        key = SameMessage.of(job).file_key(plan, pl.col("_fc"))
        frame = frame.with_columns(key.alias(CONTENT_KEY))
    temporary = [name for name in frame.columns if name.startswith(("_t:", "_n:", "_p:", "_c:"))]
    return frame.drop([*temporary, "_fc", "_fc_code"])


#: A workbook cell's problem starts "cell.error: column 'nome', " then its reason, which
#: names the cell in the process's language ("cell B5 shows...", "la cella B5 mostra...").
#: The column is its Python repr ('nome', or "l'anno" when it holds a quote), read whole:
#: a name such as "nome', cognome" must not end at its own quote.
_REPR = r"""(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")"""
_CELL_COLUMN = r"^cell\.[a-z_]+: column " + _REPR + ", "
#: The reason without its code, and without the column a cell's problem names (the
#: results say "nome: cell B5 ...").
_CELL_REASON = r"^[a-z_.]+: (?:column " + _REPR + ", )?"


def _explain(
    frame: pl.DataFrame, checks: list[tuple[str, str]], plan: Plan, job: Job
) -> pl.DataFrame:
    """Column and message of each invalid row, computed on those rows only."""
    invalid = frame.select(pl.arg_where(pl.col(REASON_CODE).is_not_null())).to_series()
    height = frame.height
    column_of: pl.Expr = pl.lit(None, dtype=pl.String)
    for code, column in reversed(checks):
        named: pl.Expr = pl.lit(column)
        if column == WHOLE_LINE:  # a workbook cell's problem names its column
            error = pl.col(CSV_ERROR_COLUMN)
            quoted = [error.str.extract(_CELL_COLUMN, group) for group in (1, 2)]
            named = pl.coalesce(*quoted, named)
        column_of = pl.when(pl.col(code).is_not_null()).then(named).otherwise(column_of)
    reason_code = pl.col(REASON_CODE)
    reason = (
        # A problem of the file's line or cell: its message is in the reader's error.
        pl.when(reason_code.str.starts_with("csv.") | reason_code.str.starts_with("cell."))
        .then(pl.col(CSV_ERROR_COLUMN).str.replace(_CELL_REASON, ""))
        .when(reason_code == amounts.FORMAT)
        .then(pl.lit(io_rules.amount_format_message(job.message.amount_unit)))
        .otherwise(reason_code.replace_strict(io_rules.messages(), default=reason_code))
    )
    if plan.notice_number is not None:
        hint = io_rules.excel_hint(pl.col(trimmed(plan.notice_number)))
        reason = (
            pl.when(reason_code == io_rules.NOTICE_FORMAT).then(reason + hint).otherwise(reason)
        )
    # A length problem is explained with the counts of the template that failed (the base
    # message's or a language's): the first failing check, as the reason code is.
    failed_checks = {code for code, _column in checks}
    for target in reversed(length_targets(plan)):
        if target.check in failed_checks:
            language = target.suffix.removeprefix("@")
            explained_length = io_rules.length_message(
                target.field, target.bounds, reason_code, language
            )
            reason = (
                pl.when(pl.col(target.check) == reason_code)
                .then(explained_length)
                .otherwise(reason)
            )
    empty = pl.Series(dtype=pl.String).extend_constant(None, height)
    if invalid.len() == 0:
        return frame.with_columns(empty.alias(INVALID_COLUMN), empty.alias(REASON))
    explained = frame[invalid].select(column_of.alias("column"), reason.alias("reason"))
    return frame.with_columns(
        empty.clone().scatter(invalid, explained.get_column("column")).alias(INVALID_COLUMN),
        empty.clone().scatter(invalid, explained.get_column("reason")).alias(REASON),
    )
