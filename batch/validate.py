"""Every row against every rule IO enforces, a whole batch at a time (polars expressions).

``validate_batch`` adds the normalised values and, for an invalid row, the first
problem found (``_invalid_column``, ``_reason_code``, ``_reason``; null when valid).
Checks run in column order: the CSV line itself, fiscal code, due date, amount,
notice number, payee, third-party id, then subject and markdown lengths.
``to_rows`` turns a validated batch into ``models.Row`` values for the send path.

Per-row Python cannot reach a million rows per second, so the rules are vectorised;
the scalar helpers (``fiscal_code``, ``dates.to_utc``, ``amounts.to_cents``) say the
same thing one value at a time, and the tests hold both to the same answers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import polars as pl

from batch import amounts, dates, rules
from batch.job import Job
from batch.models import Invalid, Message, PaymentData, Row, ThirdPartyData
from batch.read import CSV_ERROR_COLUMN, LINE_COLUMN, normalise_name
from batch.templates import Template, trim, utf16_lengths

FISCAL_CODE = "_fiscal_code"
SUBJECT = "_subject"
MARKDOWN = "_markdown"
DUE_DATE = "_due_date"
AMOUNT_CENTS = "_amount_cents"
NOTICE_NUMBER = "_notice_number"
PAYEE_FISCAL_CODE = "_payee_fiscal_code"
THIRD_PARTY_ID = "_third_party_id"
INVALID_COLUMN = "_invalid_column"
REASON_CODE = "_reason_code"
REASON = "_reason"
CONTENT_KEY = "_content_key"  # UInt64, with content_key=True: equal keys are duplicates

#: The invalid column of a problem with the CSV line itself or with a filled template.
WHOLE_LINE = "(line)"
SUBJECT_FIELD = "message.subject"
MARKDOWN_FIELD = "message.markdown"


class ColumnNames(Protocol):
    """Maps a job's column name to the file's header name (``read.InputFile`` is one)."""

    def resolve(self, name: str) -> str: ...


class HeaderColumns:
    """``ColumnNames`` over a plain header list (case and blank tolerant)."""

    def __init__(self, header: list[str]) -> None:
        self._names = {normalise_name(name): name for name in reversed(header)}
        self._exact = set(header)

    def resolve(self, name: str) -> str:
        if name in self._exact:
            return name
        return self._names[normalise_name(name)]


@dataclass(frozen=True, slots=True)
class _Plan:
    """The job's columns resolved against one file's header."""

    fiscal_code: str
    due_date: str | None
    amount: str | None
    notice_number: str | None
    payee: str | None
    third_party_id: str | None
    subject: Template
    markdown: Template
    placeholders: dict[str, str]  # template name -> header name

    @classmethod
    def of(cls, job: Job, columns: ColumnNames) -> _Plan:
        def optional(name: str | None) -> str | None:
            return None if name is None else columns.resolve(name)

        subject = Template.parse(job.message.subject)
        markdown = Template.parse(job.message.markdown)
        names = [*subject.placeholders, *markdown.placeholders]
        return cls(
            fiscal_code=columns.resolve(job.columns.fiscal_code),
            due_date=optional(job.columns.due_date),
            amount=optional(job.columns.amount),
            notice_number=optional(job.columns.notice_number),
            payee=optional(job.columns.payee_fiscal_code),
            third_party_id=optional(job.columns.third_party_id),
            subject=subject,
            markdown=markdown,
            placeholders={name: columns.resolve(name) for name in names},
        )

    def used(self) -> list[str]:
        optional = [self.due_date, self.amount, self.notice_number, self.payee]
        optional.append(self.third_party_id)
        names = [self.fiscal_code, *(n for n in optional if n), *self.placeholders.values()]
        return list(dict.fromkeys(names))


def _trimmed(header_name: str) -> str:
    return f"_t:{header_name}"


def _length(header_name: str) -> str:
    return f"_n:{header_name}"


def validate_batch(
    frame: pl.DataFrame,
    job: Job,
    columns: ColumnNames,
    *,
    render: bool = True,
    content_key: bool = False,
) -> pl.DataFrame:
    """``frame`` (a batch from ``read``) plus the normalised values and the verdict.

    ``render=False`` skips building subject and markdown (their lengths are checked
    all the same); ``content_key=True`` adds ``_content_key`` for the dry run's
    duplicate search, following the job's ``message.duplicates`` policy.
    """
    rules.check_job(job)
    plan = _Plan.of(job, columns)
    used = plan.used()
    frame = frame.with_columns(
        pl.col(name).str.strip_chars().alias(_trimmed(name)) for name in used
    )
    if frame.select(pl.col(map(_trimmed, used)).null_count()).sum_horizontal().item():
        frame = frame.with_columns(pl.col(map(_trimmed, used)).fill_null(""))
    checked = rules.fiscal_code_problems(frame.get_column(_trimmed(plan.fiscal_code)))
    frame = frame.with_columns(
        checked.get_column("fiscal_code").alias("_fc"), checked.get_column("code").alias("_fc_code")
    )
    checks: list[tuple[str, str]] = [("_c:csv", WHOLE_LINE), ("_fc_code", plan.fiscal_code)]
    frame = frame.with_columns(
        pl.col(CSV_ERROR_COLUMN).str.extract(r"^([a-z_.]+): ", 1).alias("_c:csv")
    )
    frame, produced = _field_checks(frame, plan, job)
    checks += produced
    frame, produced = _length_checks(frame, plan, render=render)
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
            .otherwise(pl.col(_trimmed(plan.fiscal_code)))
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
        frame = frame.with_columns(_content_key(job, plan).alias(CONTENT_KEY))
    temporary = [name for name in frame.columns if name.startswith(("_t:", "_n:", "_c:"))]
    return frame.drop([*temporary, "_fc", "_fc_code"])


def _field_checks(
    frame: pl.DataFrame, plan: _Plan, job: Job
) -> tuple[pl.DataFrame, list[tuple[str, str]]]:
    checks: list[tuple[str, str]] = []
    outputs: list[pl.Expr] = []
    if plan.due_date is not None:
        parsed = _by_unique(frame.get_column(_trimmed(plan.due_date)), _parse_dates)
        frame = frame.with_columns(
            parsed.get_column("due_date").alias(DUE_DATE),
            _missing_or(plan.due_date, parsed.get_column("code")).alias("_c:due"),
        )
        checks.append(("_c:due", plan.due_date))
    if plan.amount is not None:
        unit = job.message.amount_unit
        # Amounts are mostly all different: parsed directly, not through their distinct values.
        parsed = amounts.parse(frame.get_column(_trimmed(plan.amount)), unit)
        frame = frame.with_columns(
            parsed.get_column("cents").alias(AMOUNT_CENTS),
            _missing_or(plan.amount, parsed.get_column("code")).alias("_c:amount"),
        )
        checks.append(("_c:amount", plan.amount))
    for name, output, pattern, code, label in (
        (plan.notice_number, NOTICE_NUMBER, rules.NOTICE_NUMBER, rules.NOTICE_FORMAT, "notice"),
        (
            plan.payee,
            PAYEE_FISCAL_CODE,
            rules.ORGANISATION_FISCAL_CODE,
            rules.PAYEE_FORMAT,
            "payee",
        ),
    ):
        if name is None:
            continue
        value = pl.col(_trimmed(name))
        outputs += [
            value.alias(output),
            pl.when(value == "")
            .then(pl.lit(rules.FIELD_MISSING))
            .when(~value.str.contains(pattern))
            .then(pl.lit(code))
            .alias(f"_c:{label}"),
        ]
        checks.append((f"_c:{label}", name))
    if plan.third_party_id is not None:
        value = pl.col(_trimmed(plan.third_party_id))
        outputs += [
            value.alias(THIRD_PARTY_ID),
            pl.when(value == "").then(pl.lit(rules.THIRD_PARTY_MISSING)).alias("_c:third"),
        ]
        checks.append(("_c:third", plan.third_party_id))
    return frame.with_columns(outputs) if outputs else frame, checks


def _missing_or(name: str, codes: pl.Series) -> pl.Expr:
    return (
        pl.when(pl.col(_trimmed(name)) == "")
        .then(pl.lit(rules.FIELD_MISSING))
        .otherwise(pl.lit(codes))
    )


def _length_checks(
    frame: pl.DataFrame, plan: _Plan, *, render: bool
) -> tuple[pl.DataFrame, list[tuple[str, str]]]:
    """Subject and markdown lengths (UTF-16 units) of the filled templates.

    A value of n UTF-8 bytes is between n/3 and n UTF-16 units long, so byte lengths
    (nearly free) settle most rows; the exact count runs on the rows near a limit.
    """
    cells = {name: frame.get_column(_trimmed(name)) for name in plan.placeholders.values()}
    sizes = {name: values.str.len_bytes().cast(pl.Int64) for name, values in cells.items()}
    columns: list[pl.Series] = []
    for field, template, (low, high) in (
        ("subject", plan.subject, rules.SUBJECT_LENGTH),
        ("markdown", plan.markdown, rules.MARKDOWN_LENGTH),
    ):
        longest = pl.repeat(template.literal_length, frame.height, dtype=pl.Int64, eager=True)
        shortest = longest.clone()
        for name in template.placeholders:
            size = sizes[plan.placeholders[name]]
            longest = longest + size
            shortest = shortest + size // 3
        unsure = ((shortest < low) | (longest > high)).arg_true()
        length = pl.Series(dtype=pl.Int64).extend_constant(None, frame.height)
        if unsure.len():
            exact = pl.repeat(template.literal_length, unsure.len(), dtype=pl.Int64, eager=True)
            for name in template.placeholders:
                exact = exact + utf16_lengths(cells[plan.placeholders[name]].gather(unsure))
            length = length.scatter(unsure, exact)
        columns.append(length.alias(f"_n:{field}"))
    frame = frame.with_columns(columns)
    expressions: list[pl.Expr] = []
    for field, (low, high) in (
        ("subject", rules.SUBJECT_LENGTH),
        ("markdown", rules.MARKDOWN_LENGTH),
    ):
        filled = pl.col(f"_n:{field}")
        expressions.append(
            pl.when(filled < low)
            .then(pl.lit(f"{field}.too_short"))
            .when(filled > high)
            .then(pl.lit(f"{field}.too_long"))
            .alias(f"_c:{field}")
        )
    if render:

        def value_of(name: str) -> pl.Expr:
            return pl.col(_trimmed(plan.placeholders[name]))

        expressions += [
            plan.subject.render_expr(value_of).alias(SUBJECT),
            plan.markdown.render_expr(value_of).alias(MARKDOWN),
        ]
    frame = frame.with_columns(expressions)
    return frame, [("_c:subject", SUBJECT_FIELD), ("_c:markdown", MARKDOWN_FIELD)]


def _explain(
    frame: pl.DataFrame, checks: list[tuple[str, str]], plan: _Plan, job: Job
) -> pl.DataFrame:
    """Column and message of each invalid row, computed on those rows only."""
    invalid = frame.select(pl.arg_where(pl.col(REASON_CODE).is_not_null())).to_series()
    height = frame.height
    column_of: pl.Expr = pl.lit(None, dtype=pl.String)
    for code, column in reversed(checks):
        column_of = pl.when(pl.col(code).is_not_null()).then(pl.lit(column)).otherwise(column_of)
    reason_code = pl.col(REASON_CODE)
    reason = (
        pl.when(reason_code.str.starts_with("csv."))
        .then(pl.col(CSV_ERROR_COLUMN).str.replace(r"^[a-z_.]+: ", ""))
        .when(reason_code.str.starts_with("subject."))
        .then(rules.length_message("subject", rules.SUBJECT_LENGTH, pl.col("_n:subject")))
        .when(reason_code.str.starts_with("markdown."))
        .then(rules.length_message("markdown", rules.MARKDOWN_LENGTH, pl.col("_n:markdown")))
        .when(reason_code == amounts.FORMAT)
        .then(pl.lit(rules.amount_format_message(job.message.amount_unit)))
        .otherwise(reason_code.replace_strict(rules.MESSAGES, default=reason_code))
    )
    if plan.notice_number is not None:
        hint = rules.excel_hint(pl.col(_trimmed(plan.notice_number)))
        reason = pl.when(reason_code == rules.NOTICE_FORMAT).then(reason + hint).otherwise(reason)
    empty = pl.Series(dtype=pl.String).extend_constant(None, height)
    if invalid.len() == 0:
        return frame.with_columns(empty.alias(INVALID_COLUMN), empty.alias(REASON))
    explained = frame[invalid].select(column_of.alias("column"), reason.alias("reason"))
    return frame.with_columns(
        empty.clone().scatter(invalid, explained.get_column("column")).alias(INVALID_COLUMN),
        empty.clone().scatter(invalid, explained.get_column("reason")).alias(REASON),
    )


def _content_key(job: Job, plan: _Plan) -> pl.Expr:
    """Equal keys = duplicates under the job's policy (as the send path's journal sees it)."""
    if job.message.duplicates == "send_all":
        return pl.lit(None, dtype=pl.UInt64)
    if job.message.duplicates == "one_per_citizen":
        return pl.col("_fc").hash(seed=7)
    # send_once: same citizen and same content. The templates' cells stand for the filled
    # texts (they decide them), so the texts need not be built in a dry run.
    parts = [pl.col("_fc"), *(pl.col(_trimmed(name)) for name in plan.placeholders.values())]
    for output in (DUE_DATE, AMOUNT_CENTS, NOTICE_NUMBER, PAYEE_FISCAL_CODE, THIRD_PARTY_ID):
        if output in _outputs_of(plan):
            parts.append(pl.col(output))
    # Column hashes folded FNV-style (wrapping UInt64): several times faster than a struct hash.
    key = parts[0].hash(seed=0)
    for seed, part in enumerate(parts[1:], 1):
        key = key * 1099511628211 + part.hash(seed=seed)
    return key


def _outputs_of(plan: _Plan) -> set[str]:
    present = {
        DUE_DATE: plan.due_date,
        AMOUNT_CENTS: plan.amount,
        NOTICE_NUMBER: plan.notice_number,
        PAYEE_FISCAL_CODE: plan.payee,
        THIRD_PARTY_ID: plan.third_party_id,
    }
    return {output for output, name in present.items() if name is not None}


@functools.lru_cache(maxsize=256)
def _parse_date(value: str) -> pl.DataFrame:
    return dates.parse(pl.Series([value], dtype=pl.String))


def _parse_dates(values: pl.Series) -> pl.DataFrame:
    """``dates.parse``, remembering single values: a campaign has one due date or a few,
    and the same ones batch after batch."""
    if values.len() == 1:
        return _parse_date(str(values[0]))
    return dates.parse(values)


def _by_unique(values: pl.Series, parse: Callable[[pl.Series], pl.DataFrame]) -> pl.DataFrame:
    """``parse`` each distinct value once: a campaign's due dates repeat a lot."""
    same = values.len() > 0 and bool((values == values[0]).all())
    distinct = values.head(1) if same else values.unique()
    if distinct.len() == 1:
        parsed = parse(distinct)
        return pl.DataFrame(
            [
                pl.Series(name, dtype=parsed.schema[name]).extend_constant(
                    parsed.item(0, name), values.len()
                )
                for name in parsed.columns
            ]
        )
    if distinct.len() * 4 > values.len():
        return parse(values)
    table = parse(distinct).with_columns(distinct.alias("_key"))
    return (
        values.alias("_key")
        .to_frame()
        .join(table, on="_key", how="left", maintain_order="left", nulls_equal=True)
        .drop("_key")
    )


def to_rows(validated: pl.DataFrame, job: Job, header: list[str]) -> Iterator[Row]:
    """``models.Row`` values for a validated batch: a message, or why there is none."""
    plan = _Plan.of(job, HeaderColumns(header))
    message = job.message
    for cells in validated.iter_rows(named=True):
        fields = {name: cells[name] or "" for name in header}
        line = int(cells[LINE_COLUMN])
        fiscal = str(cells[FISCAL_CODE] or "")
        if cells[REASON_CODE] is not None:
            invalid = Invalid(cells[INVALID_COLUMN], cells[REASON_CODE], cells[REASON])
            yield Row(line, fiscal, None, invalid, fields)
            continue
        values = {name: trim(fields[plan.placeholders[name]]) for name in plan.placeholders}
        payment = None
        if plan.amount is not None:
            payment = PaymentData(
                amount_cents=int(cells[AMOUNT_CENTS]),
                notice_number=str(cells[NOTICE_NUMBER]),
                invalid_after_due_date=message.invalid_after_due_date,
                payee_fiscal_code=cells.get(PAYEE_FISCAL_CODE),
            )
        third_party = None
        if plan.third_party_id is not None:
            third_party = ThirdPartyData(
                id=str(cells[THIRD_PARTY_ID]),
                has_attachments=message.has_attachments,
                has_remote_content=message.has_remote_content,
                has_precondition=message.has_precondition,
                configuration_id=message.configuration_id,
            )
        built = Message(
            fiscal_code=fiscal,
            subject=cells.get(SUBJECT) or plan.subject.render(values),
            markdown=cells.get(MARKDOWN) or plan.markdown.render(values),
            feature_level_type=message.feature_level_type,
            time_to_live=message.time_to_live,
            require_secure_channels=message.require_secure_channels,
            due_date=cells.get(DUE_DATE),
            payment_data=payment,
            third_party_data=third_party,
        )
        yield Row(line, fiscal, built, None, fields)
