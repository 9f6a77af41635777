"""IO's rules that are not about one format module: fiscal codes in bulk, lengths, job options.

Reason codes are stable (they go into results files and scripts read them); the human
messages may improve over time.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from batch.common.text_fill import fill_expr
from batch.config.choices import AmountUnit
from batch.config.job import Job
from batch.errors import ConfigError
from batch.i18n import N_, _, format_number
from batch.identifiers import fiscal_code
from batch.identifiers.message_id import is_message_id
from batch.models import FeatureLevel
from batch.rules.templates import literal_lengths

SUBJECT_LENGTH = (10, 120)
MARKDOWN_LENGTH = (80, 10000)
#: Byte-wise matching: the patterns below are ASCII-only, and it is twice as fast.
_ASCII = "(?-u)"
NOTICE_NUMBER = _ASCII + r"^[0123][0-9]{17}$"
ORGANISATION_FISCAL_CODE = _ASCII + r"^[0-9]{11}$"

FIELD_MISSING = "field.missing"
FISCAL_CODE_FORMAT = "fiscal_code.format"
FISCAL_CODE_CHECK = "fiscal_code.check_char"
NOTICE_FORMAT = "notice_number.format"
PAYEE_FORMAT = "payee_fiscal_code.format"
THIRD_PARTY_MISSING = "third_party_id.missing"
TEXT_CONTROL = "text.control"
TEXT_BIDI = "text.bidi"
LANGUAGE_FORMAT = "language.format"

#: The human message of each reason code whose text does not depend on the row (English;
#: :func:`messages` gives them in the process's language).
MESSAGES = {
    FIELD_MISSING: N_("empty, but the job needs this column in every row"),
    FISCAL_CODE_FORMAT: N_(
        "not a fiscal code: 16 letters and digits in the codice fiscale pattern"
    ),
    FISCAL_CODE_CHECK: N_("the last character (check character) does not match the rest: a typo?"),
    NOTICE_FORMAT: N_("a pagoPA notice number is 18 digits starting with 0, 1, 2 or 3"),
    PAYEE_FORMAT: N_("the payee's fiscal code is 11 digits"),
    THIRD_PARTY_MISSING: N_("empty: IO needs a third-party data id for every such message"),
    TEXT_CONTROL: N_(
        "holds an invisible control character (an escape, a vertical tab, a line "
        "break...): remove it; a line break is allowed only in input.multiline_columns"
    ),
    TEXT_BIDI: N_(
        "holds a bidirectional override (U+202A-U+202E or U+2066-U+2069), which makes "
        "text display in another order than it is written: remove it"
    ),
    LANGUAGE_FORMAT: N_(
        "not a language code: write IO's code, such as it_IT, de_DE or en_GB "
        "(de-de is read as de_DE), or leave it empty for the default"
    ),
    "due_date.format": N_(
        "not a date: write 2026-12-31, 31/12/2026, 31/12/2026 18:00 or 2026-12-31T17:00:00Z"
    ),
    "due_date.invalid": N_("no such date or time (e.g. 31/02 or 24:00)"),
    "due_date.nonexistent": N_(
        "this time does not exist in Italy: the clocks skip it (daylight saving); use 03:00"
    ),
    "amount.format": N_("not an amount: write 12,50, 12.50 or 1.234,56 (1.234 alone is ambiguous)"),
    "amount.range": N_("out of range: IO takes 0,01 to 99.999.999,99 euro"),
}
_CENTS_FORMAT = N_('not a whole number of cents (amount_unit is "cents": 12,50 euro is 1250)')
_EXCEL_NUMBER = N_("(Excel turned it into a number: format the column as text and export again)")


def messages() -> dict[str, str]:
    """:data:`MESSAGES` in the process's language."""
    return {code: _(MESSAGES[code]) for code in MESSAGES}


def amount_format_message(unit: AmountUnit) -> str:
    return _(_CENTS_FORMAT) if unit is AmountUnit.CENTS else _(MESSAGES["amount.format"])


def excel_hint(value: pl.Expr) -> pl.Expr:
    """A hint for long codes that a spreadsheet has turned into numbers (3,02E+17)."""
    return (
        pl.when(value.str.contains(r"(?i)^[0-9]+(?:[.,][0-9]+)?e\+[0-9]+$"))
        .then(pl.lit(" " + _(_EXCEL_NUMBER)))
        .otherwise(pl.lit(""))
    )


#: Why a filled template is too short (counted in code points) or too long (in UTF-16
#: units): by field, and by whether it is a ``[message.<language>]`` template's.
_TOO_SHORT = {
    ("subject", False): N_(
        "the subject is {points} code points ({units} UTF-16 units) once the template is "
        "filled in; IO takes at least {low} code points (an emoji counts 1 here, as the "
        "spec's schema counts)"
    ),
    ("subject", True): N_(
        "the {language} subject is {points} code points ({units} UTF-16 units) once the "
        "template is filled in; IO takes at least {low} code points (an emoji counts 1 "
        "here, as the spec's schema counts)"
    ),
    ("markdown", False): N_(
        "the markdown is {points} code points ({units} UTF-16 units) once the template is "
        "filled in; IO takes at least {low} code points (an emoji counts 1 here, as the "
        "spec's schema counts)"
    ),
    ("markdown", True): N_(
        "the {language} markdown is {points} code points ({units} UTF-16 units) once the "
        "template is filled in; IO takes at least {low} code points (an emoji counts 1 "
        "here, as the spec's schema counts)"
    ),
}
_TOO_LONG = {
    ("subject", False): N_(
        "the subject is {units} UTF-16 units ({points} code points) once the template is "
        "filled in; IO takes at most {high} UTF-16 units (an emoji counts 2, as IO's "
        "server counts)"
    ),
    ("subject", True): N_(
        "the {language} subject is {units} UTF-16 units ({points} code points) once the "
        "template is filled in; IO takes at most {high} UTF-16 units (an emoji counts 2, "
        "as IO's server counts)"
    ),
    ("markdown", False): N_(
        "the markdown is {units} UTF-16 units ({points} code points) once the template is "
        "filled in; IO takes at most {high} UTF-16 units (an emoji counts 2, as IO's "
        "server counts)"
    ),
    ("markdown", True): N_(
        "the {language} markdown is {units} UTF-16 units ({points} code points) once the "
        "template is filled in; IO takes at most {high} UTF-16 units (an emoji counts 2, "
        "as IO's server counts)"
    ),
}


def length_message(
    field: str, bounds: tuple[int, int], reason_code: pl.Expr, language: str = ""
) -> pl.Expr:
    """Why a filled subject or markdown is out of bounds, naming the count that failed:
    the minimum holds in code points (as the spec's JSON Schema counts, so a gateway or
    mock that validates against it agrees), the maximum in UTF-16 units (as IO counts).
    ``language``: a ``[message.<language>]`` template's ("" for the base message's)."""
    low, high = bounds
    suffix = f"@{language}" if language else ""
    counts: dict[str, pl.Expr | str] = {
        "points": pl.col(f"_p:{field}{suffix}"),
        "units": pl.col(f"_n:{field}{suffix}"),
        "language": language,
    }
    key = (field, bool(language))
    too_short = fill_expr(_(_TOO_SHORT[key]), low=format_number(low), **counts)
    too_long = fill_expr(_(_TOO_LONG[key]), high=format_number(high), **counts)
    return pl.when(reason_code.str.ends_with("too_short")).then(too_short).otherwise(too_long)


# -- fiscal codes, vectorised ------------------------------------------------------------


def upper_ascii(codes: pl.Series) -> pl.Series:
    """Codes in upper case, the ASCII ones only; any other stays exactly as written.

    Unicode upper-casing maps long s (U+017F) to ``S``, dotless i (U+0131) to ``I``
    and the ff ligature (U+FB00) to ``FF``: a code written with one of them would become
    another citizen's code and pass every check.
    A code with a character outside ASCII is kept as it is, so the pattern refuses it.
    """
    ascii_only = codes.str.len_bytes() == codes.str.len_chars()
    if ascii_only.all():
        return codes.str.to_uppercase()
    return codes.str.to_uppercase().zip_with(ascii_only, codes)


def upper_ascii_expr(codes: pl.Expr) -> pl.Expr:
    """The expression form of ``upper_ascii``."""
    ascii_only = codes.str.len_bytes() == codes.str.len_chars()
    return pl.when(ascii_only).then(codes.str.to_uppercase()).otherwise(codes)


@cache
def _pair_values() -> pl.Series:
    """Check-sum contribution of each 2-byte word of a code (little-endian), as a table.

    Entries 0..65535: word = byte 2m (odd position) + 256 * byte 2m+1 (even position).
    Entries 65536..: the last word, bytes 14 (odd position) and 15 (the check itself).
    """

    def even(byte: int) -> int:
        return byte - 48 if 48 <= byte <= 57 else byte - 65 if 65 <= byte <= 90 else 0

    odd = [fiscal_code.ODD_VALUES[even(byte)] for byte in range(256)]
    pairs = [odd[word & 0xFF] + even(word >> 8) for word in range(65536)]
    last = [odd[word & 0xFF] for word in range(65536)]
    return pl.Series("pair_values", pairs + last, dtype=pl.UInt8)


def fiscal_code_problems(codes: pl.Series) -> pl.DataFrame:
    """For trimmed codes: ``fiscal_code`` (upper case) and ``code`` (null when valid).

    The check character is computed over the bytes with table lookups on eager Series
    (a Python loop over a million codes takes seconds; this takes milliseconds).
    """
    pattern = _ASCII + fiscal_code.PATTERN
    well_formed = codes.str.contains(pattern)
    if not well_formed.all():
        codes = upper_ascii(codes)
        well_formed = codes.str.contains(pattern)
    safe = codes
    if not well_formed.all():
        safe = codes.zip_with(well_formed, pl.repeat(fiscal_code.SANDBOX, codes.len(), eager=True))
    words = safe.cast(pl.Binary).bin.reinterpret(dtype=pl.Array(pl.UInt16, 8))
    table = _pair_values()
    total = pl.Series(dtype=pl.UInt16).extend_constant(0, codes.len())
    for index in range(8):
        word = words.arr.get(index).cast(pl.UInt32)
        if index == 7:
            check = word // 256
            word = word + 65536
        total = total + table.gather(word).cast(pl.UInt16)
    check_ok = (total % 26 + 65).cast(pl.UInt32) == check
    problems = pl.Series("code", dtype=pl.String).extend_constant(None, codes.len())
    failing = (~(well_formed & check_ok)).arg_true()
    if failing.len():
        # The reason, worked out on the failing codes only (usually a handful).
        subset = pl.DataFrame(
            {"c": codes.gather(failing), "ok": well_formed.gather(failing)}
        ).select(
            pl.when(pl.col("c").str.len_bytes() == 0)
            .then(pl.lit(FIELD_MISSING))
            .when(~pl.col("ok"))
            .then(pl.lit(FISCAL_CODE_FORMAT))
            .when(pl.col("c") != fiscal_code.SANDBOX)
            .then(pl.lit(FISCAL_CODE_CHECK))
        )
        problems = problems.scatter(failing, subset.to_series())
    return pl.DataFrame({"fiscal_code": codes, "code": problems})


# -- job-level rules ---------------------------------------------------------------------


def check_job(job: Job) -> None:
    """Rules about the job's options that IO would refuse for every single message."""
    message = job.message
    if message.has_attachments and message.feature_level_type is not FeatureLevel.ADVANCED:
        raise ConfigError(
            'message.has_attachments needs feature_level_type = "ADVANCED"',
            hint="IO refuses attachments on STANDARD messages (403 Attachments call forbidden)",
        )
    if (message.has_attachments or message.has_remote_content) and not message.configuration_id:
        raise ConfigError(
            "remote content and attachments need message.configuration_id",
            hint="IO answers 403 'No configuration id for remote content' otherwise",
        )
    if message.configuration_id is not None and not is_message_id(message.configuration_id):
        raise ConfigError(
            f"message.configuration_id must be a ULID (26 characters); "
            f"got {message.configuration_id!r}"
        )
    if message.invalid_after_due_date and job.columns.due_date is None:
        raise ConfigError("message.invalid_after_due_date needs columns.due_date")
    templates = [
        ("message.subject", message.subject, SUBJECT_LENGTH),
        ("message.markdown", message.markdown, MARKDOWN_LENGTH),
    ]
    for variant in message.variants:  # every language's, before any call
        templates += [
            (f"message.{variant.language}.subject", variant.subject, SUBJECT_LENGTH),
            (f"message.{variant.language}.markdown", variant.markdown, MARKDOWN_LENGTH),
        ]
    for field, template, (low, high) in templates:
        units, points = literal_lengths(template)
        if units > high:
            raise ConfigError(
                f"{field} is {units} UTF-16 units without its placeholders; IO takes "
                f"at most {high} (an emoji counts 2)",
                hint="every message would be refused: shorten the template",
            )
        if not template.placeholders and points < low:
            raise ConfigError(
                f"{field} is {points} code points; IO takes at least {low} (counted "
                "in code points, as the spec's schema counts: an emoji counts 1)",
                hint="every message would be refused: lengthen the template",
            )
