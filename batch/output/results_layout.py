"""The results file's header: our outcome columns, then the input's columns, prefixed.

Every input column is written as ``input.<its name>``, so no input column can ever
clash with an outcome column (an input may well have ``fiscal_code``, the documented
default, or ``status``, or ``line``), and no header name taken from the input can start
a spreadsheet formula (``input.=cmd`` starts with a letter).

Reading a results file back (``rerun``, or ``send`` given one) goes the other way: the
input columns get their own names again and the outcome columns get internal names
(``_result:status``...) that an input column may not have, so a job's columns and
templates resolve against the input's names exactly as they did on the first run.
Results files written before the prefix existed (input columns after ``run_id`` as
they were) are still read, unprefixed; their input columns could not clash, since
such files were refused then. So are those written before the ``language`` column
(the language a message went out in) followed ``run_id``: their rows read back with
no language. A ``language`` right after ``run_id`` is ours only when every column after
it has the ``input.`` prefix (or there is none): in an unprefixed file of the oldest
kind it is the input's own. The ``target`` column (the identity of the target the
messages went to: ``rerun`` and ``verify`` refuse a file made on another target) follows
``language``; files written before it read back with no target, which nothing refuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

LEGACY_RESULT_COLUMNS = (
    "line",
    "fiscal_code",
    "status",
    "reason_code",
    "reason",
    "message_id",
    "http_status",
    "attempts",
    "sent_at",
    "run_id",
)
LANGUAGE_RESULT_COLUMNS = (*LEGACY_RESULT_COLUMNS, "language")
#: The outcome columns of a results file, in order.
RESULT_COLUMNS = (*LANGUAGE_RESULT_COLUMNS, "target")
TARGET_COLUMN = "target"
INPUT_PREFIX = "input."
#: How an outcome column is called in the frames read from a results file.
RESULT_FIELD_PREFIX = "_result:"


def input_column(name: str) -> str:
    """The results file's name for the input column ``name``."""
    return INPUT_PREFIX + name


def result_field(name: str) -> str:
    """The frame's name for the outcome column ``name`` of a results file read back."""
    return RESULT_FIELD_PREFIX + name


def results_header(input_columns: Sequence[str]) -> list[str]:
    return [*RESULT_COLUMNS, *(input_column(name) for name in input_columns)]


def _outcome_columns(header: Sequence[str]) -> tuple[str, ...] | None:
    """The outcome columns a results file of ours starts with; None: not one of ours."""
    names = tuple(name.strip().lower() for name in header)
    legacy = len(LEGACY_RESULT_COLUMNS)
    if names[:legacy] != LEGACY_RESULT_COLUMNS:
        return None
    for columns in (RESULT_COLUMNS, LANGUAGE_RESULT_COLUMNS):
        extra = columns[legacy:]
        rest = header[len(columns) :]
        if names[legacy : len(columns)] == extra and all(
            name.startswith(INPUT_PREFIX) for name in rest
        ):
            return columns
    return LEGACY_RESULT_COLUMNS


def is_results_header(header: Sequence[str]) -> bool:
    """Does this header start like a results file of ours (a rerun input)?"""
    return _outcome_columns(header) is not None


@dataclass(frozen=True, slots=True)
class Layout:
    """How a file's header maps to the frames read from it."""

    columns: list[str]  # one name per field, in file order: the frames' column names
    header: list[str]  # the input's own columns, as the job names them
    is_results: bool
    #: Fields whose values may span lines: IO's own ``reason`` in a results file.
    multiline: frozenset[str] = frozenset()


def layout(cells: Sequence[str]) -> Layout:
    """The layout of a header line: a plain input, or a results file of ours."""
    ours = _outcome_columns(cells)
    if ours is None:
        return Layout(list(cells), list(cells), is_results=False)
    rest = list(cells[len(ours) :])
    if rest and all(name.startswith(INPUT_PREFIX) for name in rest):
        rest = [name[len(INPUT_PREFIX) :] for name in rest]
    outcome = [result_field(name) for name in ours]
    return Layout(
        [*outcome, *rest], rest, is_results=True, multiline=frozenset({result_field("reason")})
    )
