"""Every reason code of the results, error and reach files, made by the code that makes it.

``EXAMPLES`` maps each code to a function that builds the row's reason through the real
code path (validation of a one-row batch, the reader's problem texts, the classification
of an API answer, the journal, the reach file), so that ``test_i18n_reasons`` renders it
in English and in Italian. ``collected_codes`` finds the codes in the modules that make
row reasons, so that a new code without an example fails the test.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import polars as pl

from batch.api.classify import classify_get_message, classify_profile, classify_submit
from batch.api.classify_feed import classify_feed
from batch.api.decisions import Abort, Final, MessageMissing, Retry
from batch.config.choices import DuplicatePolicy
from batch.config.job import Job, parse_job
from batch.feed.outcome import not_subscribed
from batch.i18n import _
from batch.input import csv_problems, limits, workbook_grid
from batch.input.columns import HeaderColumns
from batch.input.exclusions import ExclusionList
from batch.input.header import CSV_ERROR_COLUMN, LINE_COLUMN
from batch.journal.journal import Journal
from batch.models import Outcome, Status
from batch.rules import dates, email_copy, validate
from batch.rules.exclusions import excluded_outcome
from batch.rules.plan import REASON, REASON_CODE
from batch.send import dispatch, run_output

PACKAGE = Path(validate.__file__).resolve().parents[1]
CODE = "RSSMRA85T10A562S"
NOTICE = "302000100000009424"
URL = "http://127.0.0.1:9/api/v1"
#: The modules that make the reason of a row (the results, error and reach files).
REASON_MODULES = (
    "rules/io_rules.py",
    "rules/amounts.py",
    "rules/dates.py",
    "rules/exclusions.py",
    "rules/email_copy.py",
    "input/csv_problems.py",
    "input/limits.py",
    "input/workbook_grid.py",
    "input/ods_cells.py",
    "api/classify.py",
    "api/classify_feed.py",
    "api/decisions.py",
    "journal/claims.py",
    "journal/outcomes.py",
    "send/dispatch.py",
    "send/run_output.py",
    "reach/output.py",
    "feed/outcome.py",
)
_CODE = re.compile(r"^[a-z_]+\.[a-z_0-9]+$")
#: Codes built from a field name (f"{field}.too_long"), which no literal spells.
BUILT_CODES = {"subject.too_short", "subject.too_long", "markdown.too_short", "markdown.too_long"}
#: Literals of those modules that look like codes and are not reasons (greetings, the
#: job file keys of the templates).
NOT_REASONS = {"gent.ma", "gent.mi", "gent.mo", "spett.le", "message.subject", "message.markdown"}

Example = Callable[[Path], str]


def collected_codes() -> set[str]:
    """The reason codes spelled in the modules that make row reasons."""
    found = set(BUILT_CODES)
    for name in REASON_MODULES:
        tree = ast.parse((PACKAGE / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and _CODE.match(text) and text not in NOT_REASONS:
                found.add(text)
    return found


# -- validation: one row through validate_batch ------------------------------------------


def _job(**message: object) -> Job:
    raw = {
        "input": {"path": "in.csv"},
        "output": {"path": "out.csv"},
        "columns": {
            "fiscal_code": "cf",
            "amount": "importo",
            "notice_number": "avviso",
            "due_date": "scadenza",
            "payee_fiscal_code": "ente",
            "third_party_id": "pratica",
            "language": "lingua",
        },
        "message": {"subject": "Avviso per {nome}", "markdown": "{nome}" + "m" * 80} | message,
        "target": {"kind": "sandbox"},
    }
    return parse_job(raw, source=Path("/jobs/job.toml"))


def _validated(job: Job, error: str | None = None, **cells: str) -> str:
    row = {
        "cf": CODE,
        "nome": "Mario",
        "importo": "1250",
        "avviso": NOTICE,
        "scadenza": "31/12/2030",
        "ente": "01234567890",
        "pratica": "P-1",
        "lingua": "",
    } | cells
    frame = pl.DataFrame(
        {
            LINE_COLUMN: pl.Series([2], dtype=pl.Int64),
            CSV_ERROR_COLUMN: pl.Series([error], dtype=pl.String),
            **{name: pl.Series([value], dtype=pl.String) for name, value in row.items()},
        }
    )
    out = validate.validate_batch(frame, job, HeaderColumns(list(row)))
    code, reason = out.get_column(REASON_CODE)[0], out.get_column(REASON)[0]
    assert code is not None, "the row was valid"
    return f"{code}|{reason}"


def _row(**cells: str) -> Example:
    return lambda _tmp: _validated(_job(), **cells)


def _length(field: str, short: bool) -> Example:
    if field == "subject":
        message = {"subject": "{testo}"}
        value = "Ada" if short else "x" * 130
    else:
        message = {"markdown": "{testo}"}
        value = "Ada" if short else "x" * 10_010
    return lambda _tmp: _validated(_job(**message), testo=value)


def _read_problem(problem: Callable[[], str]) -> Example:
    """A reader's problem (``code: ...`` in the error column) as validation explains it."""
    return lambda _tmp: _validated(_job(), error=problem())


def xlsx_problem(kind: str, detail: str, name: str = "nome") -> str:
    cells = pl.DataFrame(
        {
            "row": [1, 1, 5, 5],
            "col": [0, 1, 0, 1],
            "shown": ["cf", "nome", CODE, None],
            "problem": [None, None, None, kind],
            "detail": [None, None, None, detail],
        },
        schema={
            "row": pl.Int64,
            "col": pl.Int64,
            "shown": pl.String,
            "problem": pl.String,
            "detail": pl.String,
        },
    )
    frame = workbook_grid.rows(cells, ["cf", name], {"cf", name}, after_row=1)
    error = frame.get_column(CSV_ERROR_COLUMN)[0]
    assert isinstance(error, str)
    return error


# -- API answers ---------------------------------------------------------------------------


def _answer(status: int, body: object = None, path: str = "/profiles") -> httpx.Response:
    request = httpx.Request("POST", URL + path)
    if body is None:
        return httpx.Response(status, request=request)
    return httpx.Response(status, json=body, request=request)


def _problem(status: int, title: str, detail: str = "") -> httpx.Response:
    return _answer(status, {"title": title, "detail": detail or title, "status": status})


def _decided(decision: object) -> str:
    assert isinstance(decision, Final | Retry | Abort | MessageMissing), decision
    return f"{decision.reason_code}|{decision.reason}"


def _profile(result: httpx.Response | Exception) -> Example:
    return lambda _tmp: _decided(classify_profile(result))


def _submit(result: httpx.Response | Exception) -> Example:
    return lambda _tmp: _decided(classify_submit(result))


def _get(result: httpx.Response | Exception) -> Example:
    return lambda _tmp: _decided(classify_get_message(result, CODE, "01ARZ3NDEKTSV4RRFFQ69G5FAV"))


def _feed(result: httpx.Response | Exception) -> Example:
    return lambda _tmp: _decided(classify_feed(result, "2026-12-01"))


def _outcome(outcome: Outcome | object) -> str:
    assert isinstance(outcome, Outcome), outcome
    return f"{outcome.reason_code}|{outcome.reason}"


def _gave_up(_tmp: Path) -> str:
    retry = classify_profile(_problem(503, "Service unavailable"))
    assert isinstance(retry, Retry)
    return _outcome(dispatch._outcome(retry, 4))


# -- the journal -------------------------------------------------------------------------


def _journal_claim(earlier: Outcome | None, policy: DuplicatePolicy) -> Example:
    def make(tmp: Path) -> str:
        journal = Journal(tmp / f"{policy}-{earlier is None}.sqlite")
        try:
            first = journal.start_run(tmp / "a.csv", "d")
            journal.claim(first.run_id, 2, CODE, "h", duplicates=policy)
            if earlier is None:  # the same citizen again in the same run
                made = journal.claim(first.run_id, 3, CODE, "h", duplicates=policy)
                return _outcome(made)
            journal.record_intent(first.run_id, 2, CODE, "h")
            journal.record(first.run_id, 2, CODE, "h", earlier)
            journal.finish_run(first.run_id, interrupted=False)
            second = journal.start_run(tmp / "b.csv", "d")
            made = journal.claim(second.run_id, 7, CODE, "h", duplicates=policy)
            return _outcome(made).replace(first.run_id, "RUN")
        finally:
            journal.close()

    return make


def _interrupted(tmp: Path) -> str:
    journal = Journal(tmp / "crash.sqlite")
    run = journal.start_run(tmp / "out.csv", "d")
    journal.claim(run.run_id, 2, CODE, "h", duplicates=DuplicatePolicy.SEND_ONCE)
    journal.record_intent(run.run_id, 2, CODE, "h")
    journal.close()
    again = Journal(journal.path)
    try:
        again.start_run(tmp / "out.csv", "d")
        (recorded,) = list(again.outcomes(run.run_id, 0, 10))
        return _outcome(recorded.outcome)
    finally:
        again.close()


def _excluded(tmp: Path) -> str:
    listed = ExclusionList(tmp / "esclusi-2026.csv", frozenset({CODE}), frozenset())
    return _outcome(excluded_outcome(listed))


def _constant(code: str, text: str) -> Example:
    """A text with no value of the row: a marked constant, shown as its user shows it."""
    return lambda _tmp: f"{code}|{_(text)}"


SENT_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
EXAMPLES: dict[str, Example] = {
    # validation of a row
    "field.missing": _row(importo=""),
    "fiscal_code.format": _row(cf="RSSMRA85T10A56"),
    "fiscal_code.check_char": _row(cf="RSSMRA85T10A562T"),
    "notice_number.format": _row(avviso="3.02E+17"),
    "payee_fiscal_code.format": _row(ente="123"),
    "third_party_id.missing": _row(pratica=""),
    "text.control": _row(nome="Ma\x1brio"),
    "text.bidi": _row(nome="Ma\u202erio"),
    "language.format": _row(lingua="italiano"),
    "due_date.format": _row(scadenza="domani"),
    "due_date.invalid": _row(scadenza="31/02/2030"),
    "due_date.nonexistent": _row(scadenza="30/03/2031 02:30"),
    "amount.format": _row(importo="12,5x"),
    "amount.range": _row(importo="0"),
    "subject.too_short": _length("subject", short=True),
    "subject.too_long": _length("subject", short=False),
    "markdown.too_short": _length("markdown", short=True),
    "markdown.too_long": _length("markdown", short=False),
    "due_date.past": _constant(dates.PAST, dates.PAST_MESSAGE),
    "due_date.midnight": _constant(dates.MIDNIGHT, dates.MIDNIGHT_MESSAGE),
    "email_copy.empty": _constant(email_copy.Emptiness.EMPTY, email_copy.EMPTY_MESSAGE),
    "email_copy.greeting_only": _constant(
        email_copy.Emptiness.GREETING_ONLY, email_copy.GREETING_ONLY_MESSAGE
    ),
    # the reader's problems with a line or a cell
    "csv.field_count": _read_problem(lambda: csv_problems.field_count(5, 4, ";")),
    "csv.quote": _read_problem(csv_problems.quote),
    "csv.format": _read_problem(lambda: csv_problems.csv_format(ValueError("line 7: bad"))),
    "csv.multiline": _read_problem(lambda: csv_problems.multiline("nome", 4, 9)),
    "csv.multiline_record": _read_problem(
        lambda: csv_problems.multiline_record("nome", 4, 9, 6, _("it holds a valid fiscal code"))
    ),
    "csv.too_many_lines": _read_problem(lambda: csv_problems.too_many_lines("nome", 4, 1204)),
    "csv.too_long": _read_problem(lambda: limits.too_long_message("nome", 40_000)),
    "cell.error": _read_problem(lambda: xlsx_problem("error", "#N/A")),
    "cell.imprecise_number": _read_problem(lambda: xlsx_problem("imprecise", "302000100000009408")),
    "cell.format": _read_problem(lambda: xlsx_problem("format", "[$-410]0.0%")),
    # IO's answers
    "profile.sender_not_allowed": _profile(_answer(200, {"sender_allowed": False})),
    "profile.bad_answer": _profile(_answer(200, {"sender_allowed": "yes"})),
    "profile.not_found": _profile(_problem(404, "Profile not found", "no such citizen")),
    "profile.bad_request": _profile(_problem(400, "Bad request", "fiscal code")),
    "profile.recipient_forbidden": _profile(_problem(403, "Recipient forbidden")),
    "profile.unexpected_status": _profile(_problem(418, "Teapot")),
    "profile.timeout": _profile(httpx.ReadTimeout("read 30 s")),
    "profile.connection_lost": _profile(httpx.ReadError("reset 104")),
    "profile.server_error": _profile(_problem(503, "Service unavailable 2")),
    "submit.accepted": _submit(_answer(201, {"id": SENT_ID})),
    "submit.accepted_bad_id": _submit(_answer(201, {"id": "message-17"})),
    "submit.accepted_without_id": _submit(_answer(201, {})),
    "submit.bad_request": _submit(_problem(400, "Invalid payment_data 18")),
    "submit.not_found": _submit(_problem(404, "Service 42 not found")),
    "submit.server_error": _submit(_problem(500, "Error 500 creating")),
    "submit.gateway_error": _submit(_problem(502, "Bad gateway")),
    "submit.unexpected_status": _submit(_problem(302, "Moved")),
    "submit.recipient_forbidden": _submit(_problem(403, "Recipient forbidden")),
    "submit.forbidden": _submit(_problem(403, "Payee 12345678901 not allowed")),
    "submit.timeout": _submit(httpx.ReadTimeout("read 30 s")),
    "submit.bad_answer": _submit(httpx.DecodingError("gzip 1")),
    "submit.connection_lost": _submit(httpx.RemoteProtocolError("closed 0")),
    "get_message.answer_mismatch": _get(
        _answer(200, {"status": "PROCESSED", "message": {"id": "01BX5ZZKBKACTAV9WEVGEMMVRZ"}})
    ),
    "get_message.bad_answer": _get(_answer(200, {"message": {}})),
    "get_message.not_found": _get(_problem(404, "Message 1 not found")),
    "get_message.forbidden": _get(
        _problem(403, "You are not allowed here", "only messages that you have sent")
    ),
    "get_message.bad_request": _get(_problem(400, "Invalid id 26")),
    "get_message.unexpected_status": _get(_problem(418, "Teapot")),
    "auth.invalid_key": _profile(_problem(401, "Access denied 1")),
    "auth.no_valid_scopes": _profile(_problem(403, "User has no valid scopes")),
    "auth.not_allowed_here": _profile(_problem(403, "You are not allowed here")),
    "auth.production_forbidden": _profile(_problem(403, "Production call forbidden")),
    "auth.anonymous": _profile(_problem(403, "Anonymous user")),
    "auth.forbidden": _profile(_answer(403, {"statusCode": 403, "message": "IP 10.1.2.3"})),
    "http.wrong_url": _submit(_answer(404, {"statusCode": 404, "message": "Resource 1"})),
    "http.429": _profile(_problem(429, "Too many requests 5")),
    "net.connect_timeout": _profile(httpx.ConnectTimeout("connect 5 s")),
    "net.pool_timeout": _profile(httpx.PoolTimeout("pool 5 s")),
    "net.connect": _profile(httpx.ConnectError("refused 111")),
    "net.proxy": _profile(httpx.ProxyError("proxy 407")),
    "net.client_error": _submit(httpx.UnsupportedProtocol("scheme ftp 21")),
    "gave_up": _gave_up,
    "feed.not_subscribed": lambda _tmp: _outcome(not_subscribed()),
    "feed.bad_answer": _feed(_answer(200, {"dateUTC": "2026-11-30"}, "/feed")),
    "feed.bad_request": _feed(_problem(400, "Bad date 2026")),
    "feed.forbidden": _feed(_problem(403, "Forbidden 1")),
    "feed.not_found": _feed(_problem(404, "No feed 1")),
    "feed.unexpected_status": _feed(_problem(418, "Teapot")),
    # the journal and the files a run writes
    "row.excluded": _excluded,
    "row.duplicate": _journal_claim(None, DuplicatePolicy.SEND_ONCE),
    "row.duplicate/one_per_citizen": _journal_claim(None, DuplicatePolicy.ONE_PER_CITIZEN),
    "row.already_sent": _journal_claim(
        Outcome(Status.SENT, message_id=SENT_ID, http_status=201), DuplicatePolicy.SEND_ONCE
    ),
    "row.earlier_unknown": _journal_claim(
        Outcome(Status.UNKNOWN, "submit.timeout"), DuplicatePolicy.SEND_ONCE
    ),
    "submit.interrupted": _interrupted,
    "row.pending": _constant(run_output.PENDING_CODE, run_output.PENDING_REASON),
    "profile.allowed": _constant("profile.allowed", dispatch.REACHABLE_REASON),
}
#: Codes whose reason the reach file makes from another row's: rendered there.
MADE_ELSEWHERE = {"row.same_citizen": "tests/unit/i18n/test_i18n_reason_texts.py"}
