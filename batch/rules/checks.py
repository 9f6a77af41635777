"""The per-field checks of ``validate``: due date, amount, codes, ids, and text lengths.

Each returns the batch with its output columns and, per check, a column of reason
codes (null when fine) named ``_c:...``, with the input column it is about.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from batch.config.job import Job
from batch.config.template import Template
from batch.identifiers.text import utf16_length
from batch.rules import amounts, dates, io_rules
from batch.rules.plan import (
    AMOUNT_CENTS,
    DUE_DATE,
    LANGUAGE,
    MARKDOWN,
    MARKDOWN_FIELD,
    NOTICE_NUMBER,
    PAYEE_FISCAL_CODE,
    SUBJECT,
    SUBJECT_FIELD,
    THIRD_PARTY_ID,
    Plan,
    trimmed,
    variant_field,
)
from batch.rules.templates import measure, render_expr, utf16_lengths

#: Characters no value that reaches a message may hold: C0 controls but tab (blank space
#: that spreadsheets write when a cell is pasted; it hides nothing and IO shows it as a
#: space), DEL, C1 controls, and the Unicode line and paragraph separators.
_CONTROL = r"[\x00-\x08\x0A-\x1F\x7F-\x9F\x{2028}\x{2029}]"
#: The same where a line break (LF) is allowed: the job's multi-line columns.
_CONTROL_MULTILINE = r"[\x00-\x08\x0B-\x1F\x7F-\x9F\x{2028}\x{2029}]"
#: Bidirectional embeddings, overrides and isolates: they make text display in another
#: order than it is written ("txt.exe" shown as "exe.txt").
_BIDI = r"[\x{202A}-\x{202E}\x{2066}-\x{2069}]"


@dataclass(frozen=True, slots=True)
class LengthTarget:
    """One filled template whose length is checked, and the columns that say how long."""

    field: str  # "subject" or "markdown"
    suffix: str  # "" for the base message, "@de_DE" for a language's
    template: Template
    column: str  # the invalid column named when it is out of bounds

    @property
    def bounds(self) -> tuple[int, int]:
        return io_rules.SUBJECT_LENGTH if self.field == "subject" else io_rules.MARKDOWN_LENGTH

    @property
    def units(self) -> str:
        return f"_n:{self.field}{self.suffix}"

    @property
    def points(self) -> str:
        return f"_p:{self.field}{self.suffix}"

    @property
    def check(self) -> str:
        return f"_c:{self.field}{self.suffix}"


def text_checks(frame: pl.DataFrame, plan: Plan) -> tuple[pl.DataFrame, list[tuple[str, str]]]:
    """Control characters and bidirectional overrides in every value a message uses but
    the fiscal code (whose pattern already takes letters and digits only)."""
    checks: list[tuple[str, str]] = []
    outputs: list[pl.Series] = []
    for name in plan.used():
        if name == plan.fiscal_code:
            continue
        values = frame.get_column(trimmed(name))
        control = _CONTROL_MULTILINE if name in plan.multiline else _CONTROL
        suspect = values.str.contains(f"{control}|{_BIDI}")
        code = pl.Series(dtype=pl.String).extend_constant(None, frame.height)
        if suspect.any():  # rare: worked out on the whole column only then
            code = pl.select(
                pl.when(pl.lit(values.str.contains(control)))
                .then(pl.lit(io_rules.TEXT_CONTROL))
                .when(pl.lit(suspect))
                .then(pl.lit(io_rules.TEXT_BIDI))
            ).to_series()
        outputs.append(code.alias(f"_c:text:{name}"))
        checks.append((f"_c:text:{name}", name))
    return frame.with_columns(outputs) if outputs else frame, checks


def field_checks(
    frame: pl.DataFrame, plan: Plan, job: Job
) -> tuple[pl.DataFrame, list[tuple[str, str]]]:
    checks: list[tuple[str, str]] = []
    outputs: list[pl.Expr] = []
    if plan.due_date is not None:
        parsed = _by_unique(frame.get_column(trimmed(plan.due_date)), _parse_dates)
        frame = frame.with_columns(
            parsed.get_column("due_date").alias(DUE_DATE),
            _missing_or(plan.due_date, parsed.get_column("code")).alias("_c:due"),
        )
        checks.append(("_c:due", plan.due_date))
    if plan.amount is not None:
        unit = job.message.amount_unit
        # Amounts are mostly all different: parsed directly, not through their distinct values.
        parsed = amounts.parse(frame.get_column(trimmed(plan.amount)), unit)
        frame = frame.with_columns(
            parsed.get_column("cents").alias(AMOUNT_CENTS),
            _missing_or(plan.amount, parsed.get_column("code")).alias("_c:amount"),
        )
        checks.append(("_c:amount", plan.amount))
    for name, output, pattern, code, label in (
        (
            plan.notice_number,
            NOTICE_NUMBER,
            io_rules.NOTICE_NUMBER,
            io_rules.NOTICE_FORMAT,
            "notice",
        ),
        (
            plan.payee,
            PAYEE_FISCAL_CODE,
            io_rules.ORGANISATION_FISCAL_CODE,
            io_rules.PAYEE_FORMAT,
            "payee",
        ),
    ):
        if name is None:
            continue
        value = pl.col(trimmed(name))
        outputs += [
            value.alias(output),
            pl.when(value == "")
            .then(pl.lit(io_rules.FIELD_MISSING))
            .when(~value.str.contains(pattern))
            .then(pl.lit(code))
            .alias(f"_c:{label}"),
        ]
        checks.append((f"_c:{label}", name))
    if plan.third_party_id is not None:
        value = pl.col(trimmed(plan.third_party_id))
        outputs += [
            value.alias(THIRD_PARTY_ID),
            pl.when(value == "").then(pl.lit(io_rules.THIRD_PARTY_MISSING)).alias("_c:third"),
        ]
        checks.append(("_c:third", plan.third_party_id))
    return frame.with_columns(outputs) if outputs else frame, checks


def _missing_or(name: str, codes: pl.Series) -> pl.Expr:
    return (
        pl.when(pl.col(trimmed(name)) == "")
        .then(pl.lit(io_rules.FIELD_MISSING))
        .otherwise(pl.lit(codes))
    )


def length_targets(plan: Plan) -> list[LengthTarget]:
    """Every filled template whose length IO checks: the base subject and markdown, then
    each language's. The reason codes are the same for all (``subject.too_long``...);
    the invalid column (``message.de_DE.subject``) says which language failed."""
    targets = [
        LengthTarget("subject", "", plan.subject, SUBJECT_FIELD),
        LengthTarget("markdown", "", plan.markdown, MARKDOWN_FIELD),
    ]
    for variant in plan.variants:
        suffix = f"@{variant.language}"
        targets += [
            LengthTarget(
                "subject", suffix, variant.subject, variant_field(variant.language, "subject")
            ),
            LengthTarget(
                "markdown", suffix, variant.markdown, variant_field(variant.language, "markdown")
            ),
        ]
    return targets


def length_checks(
    frame: pl.DataFrame, plan: Plan, *, render: bool
) -> tuple[pl.DataFrame, list[tuple[str, str]]]:
    """Subject and markdown lengths of the filled templates (of every language), under
    both counts: at least the minimum in code points (the spec's JSON Schema) and at most
    the maximum in UTF-16 units (IO's server). Code points never outnumber UTF-16 units,
    so these are the stricter bound of each pair.

    A value of n UTF-8 bytes is at least n/4 code points and at most n UTF-16 units
    long, so byte lengths (nearly free) settle most rows; the exact counts run on the
    rows near a limit. ``_p:`` holds code points, ``_n:`` UTF-16 units (null: settled).
    """
    cells = {name: frame.get_column(trimmed(name)) for name in plan.placeholders.values()}
    sizes = {name: values.str.len_bytes().cast(pl.Int64) for name, values in cells.items()}
    columns: list[pl.Series] = []
    targets = length_targets(plan)

    def size(name: str) -> pl.Series:
        return sizes[plan.placeholders[name]]

    def present(name: str) -> pl.Series:
        return sizes[plan.placeholders[name]] > 0

    for target in targets:
        template = target.template
        low, high = target.bounds
        # Bounds per row, with the optional sections each row shows.
        longest = measure(template, utf16_length, size, present, frame.height)
        shortest = measure(template, len, lambda name: size(name) // 4, present, frame.height)
        unsure = ((shortest < low) | (longest > high)).arg_true()
        units = pl.Series(dtype=pl.Int64).extend_constant(None, frame.height)
        points = units.clone()
        if unsure.len():

            def values(name: str, rows: pl.Series = unsure) -> pl.Series:
                return cells[plan.placeholders[name]].gather(rows)

            def filled(name: str, rows: pl.Series = unsure) -> pl.Series:
                return values(name, rows) != ""

            exact = measure(
                template,
                utf16_length,
                lambda name: utf16_lengths(values(name)),
                filled,
                unsure.len(),
            )
            chars = measure(
                template,
                len,
                lambda name: values(name).str.len_chars().cast(pl.Int64),
                filled,
                unsure.len(),
            )
            units = units.scatter(unsure, exact)
            points = points.scatter(unsure, chars)
        columns += [units.alias(target.units), points.alias(target.points)]
    frame = frame.with_columns(columns)
    expressions: list[pl.Expr] = []
    for target in targets:
        low, high = target.bounds
        expressions.append(
            pl.when(pl.col(target.points) < low)
            .then(pl.lit(f"{target.field}.too_short"))
            .when(pl.col(target.units) > high)
            .then(pl.lit(f"{target.field}.too_long"))
            .alias(target.check)
        )
    if render:

        def value_of(name: str) -> pl.Expr:
            return pl.col(trimmed(plan.placeholders[name]))

        expressions += [
            render_expr(plan.subject, value_of).alias(SUBJECT),
            render_expr(plan.markdown, value_of).alias(MARKDOWN),
        ]
    frame = frame.with_columns(expressions)
    return frame, [(target.check, target.column) for target in targets]


def language_check(frame: pl.DataFrame, plan: Plan) -> tuple[pl.DataFrame, list[tuple[str, str]]]:
    """The language column's cells as IO's codes (``de-de`` -> ``de_DE``, empty stays
    empty); a cell that is no language code at all is ``language.format``."""
    if plan.language is None:
        return frame, []
    value = pl.col(trimmed(plan.language))
    parts = value.str.extract_groups(r"^([A-Za-z]{2})[_-]([A-Za-z]{2})$")
    code = pl.concat_str(
        parts.struct.field("1").str.to_lowercase(),
        pl.lit("_"),
        parts.struct.field("2").str.to_uppercase(),
    )
    frame = frame.with_columns(
        pl.when(value == "").then(pl.lit("")).otherwise(code).alias(LANGUAGE),
    ).with_columns(
        pl.when(pl.col(LANGUAGE).is_null())
        .then(pl.lit(io_rules.LANGUAGE_FORMAT))
        .alias("_c:language"),
    )
    return frame, [("_c:language", plan.language)]


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
