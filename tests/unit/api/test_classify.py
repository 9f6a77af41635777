"""Table tests: every answer and exception of every operation, and any body shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch.api.classify import classify_get_message, classify_profile, classify_submit
from batch.api.decisions import Abort, Final, MessageFound, MessageMissing, Proceed, Retry
from batch.api.wire import MAX_RETRY_AFTER, REASON_LIMIT, problem_text, retry_after_seconds
from batch.errors import AuthError, ConfigError
from batch.models import Status

REQUEST = httpx.Request("POST", "https://api.io.pagopa.it/api/v1/messages")
MESSAGE_ID = "01BX9NSMKVXXS5PSP2FATZMYYY"


def problem(status: int, title: str, detail: str = "some detail") -> httpx.Response:
    body = {"title": title, "status": status, "detail": detail}
    headers = {"content-type": "application/problem+json"}
    return httpx.Response(status, content=json.dumps(body).encode(), headers=headers)


def apim(status: int, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"statusCode": status, "message": message}, headers=headers)


def text(status: int, body: str = "") -> httpx.Response:
    return httpx.Response(status, content=body.encode())


def error(kind: type[Exception], message: str = "boom") -> Exception:
    if issubclass(kind, httpx.RequestError):
        return kind(message, request=REQUEST)
    if issubclass(kind, httpx.HTTPError):
        return kind(message)
    return kind(message)


def kind_of(decision: object) -> tuple[Any, ...]:
    """A decision reduced to what the tables below name."""
    match decision:
        case Final(status=status, reason_code=code, http_status=http):
            return ("final", status, code, http)
        case Retry(reason_code=code, http_status=http, after=after):
            return ("retry", code, http, after)
        case Abort(reason_code=code, http_status=http, exit_code=exit_code):
            return ("abort", code, http, int(exit_code))
        case Proceed():
            return ("proceed",)
        case MessageFound(status=status):
            return ("found", status)
        case MessageMissing(reason_code=code, http_status=http):
            return ("missing", code, http)
    raise AssertionError(decision)


NOT_A_PROFILE = ("abort", "profile.bad_answer", 200, 2)
WRONG_URL = ("abort", "http.wrong_url", 404, 2)
FOREIGN_403 = ("abort", "auth.forbidden", 403, 4)
ABORTS_403 = [
    ("User has no valid scopes", "auth.no_valid_scopes"),
    ("You are not allowed here", "auth.not_allowed_here"),
    ("Production call forbidden", "auth.production_forbidden"),
    ("Anonymous user", "auth.anonymous"),
]
THROTTLE = apim(429, "Rate limit is exceeded. Try again in 3 seconds.")
THROTTLE_HEADER = apim(429, "Rate limit is exceeded.", headers={"x-rate-limit-retry-after": "2"})
INVALID_KEY = apim(401, "Access denied due to invalid subscription key.")

PROFILE_ANSWERS: list[tuple[httpx.Response, tuple[Any, ...]]] = [
    (httpx.Response(200, json={"sender_allowed": True}), ("proceed",)),
    (
        httpx.Response(200, json={"sender_allowed": True, "preferred_languages": ["it_IT"]}),
        ("proceed",),
    ),
    (
        httpx.Response(200, json={"sender_allowed": False}),
        ("final", Status.NOT_ALLOWED, "profile.sender_not_allowed", 200),
    ),
    # Not IO's LimitedProfile (issue 13): every row would get it, so the job stops (exit 2).
    (httpx.Response(200, json={}), NOT_A_PROFILE),
    (httpx.Response(200, json={"email": "a@b.it", "version": 1}), NOT_A_PROFILE),
    (httpx.Response(200, json={"sender_allowed": "true"}), NOT_A_PROFILE),
    (httpx.Response(200, json={"sender_allowed": None}), NOT_A_PROFILE),
    (httpx.Response(200, json=[True]), NOT_A_PROFILE),
    (text(200, "<html>ok</html>"), NOT_A_PROFILE),
    (text(200), NOT_A_PROFILE),
    (
        problem(404, "Profile not found"),
        ("final", Status.NOT_REGISTERED, "profile.not_found", 404),
    ),
    (
        problem(404, "Profile not found", ""),
        ("final", Status.NOT_REGISTERED, "profile.not_found", 404),
    ),
    # A 404 that is not ProblemJson: the path does not exist (issue 13).
    (text(404), WRONG_URL),
    (apim(404, "Resource not found"), WRONG_URL),
    (text(404, "<!DOCTYPE html><html><body>Not Found</body></html>"), WRONG_URL),
    (httpx.Response(404, json={"error": "not found"}), WRONG_URL),
    (httpx.Response(404, json={"statusCode": 404, "title": "x"}), WRONG_URL),
    # IO's one 404 here is titled "Profile not found" (issue 26, point 10): a ProblemJson
    # 404 of a web framework or another API is a wrong URL too.
    (
        problem(404, "  PROFILE NOT FOUND "),
        ("final", Status.NOT_REGISTERED, "profile.not_found", 404),
    ),
    (
        problem(404, "No user found for the provided fiscal code."),  # the spec's words
        ("final", Status.NOT_REGISTERED, "profile.not_found", 404),
    ),
    (problem(404, "Not Found", "No static resource api/v1/profiles."), WRONG_URL),
    (problem(404, "Resource not found"), WRONG_URL),
    (problem(404, "Message not found"), WRONG_URL),
    (problem(500, "Profile not found"), ("retry", "profile.server_error", 500, None)),
    (
        httpx.Response(
            404,
            json={"type": "about:blank", "title": "Profile not found", "status": 500},
            headers={"content-type": "application/problem+json"},
        ),
        WRONG_URL,
    ),
    (
        problem(400, "Invalid FiscalCodePayload"),
        ("final", Status.REJECTED, "profile.bad_request", 400),
    ),
    (text(400, "not json"), ("final", Status.REJECTED, "profile.bad_request", 400)),
    (
        problem(403, "Recipient forbidden", "You are not allowed to issue requests"),
        ("final", Status.NOT_TEST_RECIPIENT, "profile.recipient_forbidden", 403),
    ),
    # Only "Recipient forbidden" is about one citizen: any other 403 stops (exit 4).
    (apim(403, "Forbidden"), FOREIGN_403),
    (text(403), FOREIGN_403),
    (httpx.Response(403, json={"error": "Forbidden by policy"}), FOREIGN_403),
    (problem(403, "Some title IO may add one day"), FOREIGN_403),
    (INVALID_KEY, ("abort", "auth.invalid_key", 401, 4)),
    (text(401), ("abort", "auth.invalid_key", 401, 4)),
    (THROTTLE, ("retry", "http.429", 429, 3.0)),
    (THROTTLE_HEADER, ("retry", "http.429", 429, 2.0)),
    (text(429), ("retry", "http.429", 429, None)),
    (text(408), ("retry", "profile.timeout", 408, None)),
    (problem(500, "Internal server error"), ("retry", "profile.server_error", 500, None)),
    (text(502, "Bad Gateway"), ("retry", "profile.server_error", 502, None)),
    (text(503), ("retry", "profile.server_error", 503, None)),
    (text(504), ("retry", "profile.server_error", 504, None)),
    (text(418), ("final", Status.FAILED, "profile.unexpected_status", 418)),
    (text(204), ("final", Status.FAILED, "profile.unexpected_status", 204)),
]

SUBMIT_ANSWERS: list[tuple[httpx.Response, tuple[Any, ...]]] = [
    (
        problem(400, "Invalid message structure"),
        ("final", Status.REJECTED, "submit.bad_request", 400),
    ),
    (text(400), ("final", Status.REJECTED, "submit.bad_request", 400)),
    (
        problem(403, "Recipient forbidden"),
        ("final", Status.NOT_TEST_RECIPIENT, "submit.recipient_forbidden", 403),
    ),
    (
        problem(403, "Attachments call forbidden"),
        ("final", Status.REJECTED, "submit.forbidden", 403),
    ),
    (
        problem(403, "You do not have enough permissions to send a Premium message"),
        ("final", Status.REJECTED, "submit.forbidden", 403),
    ),
    (apim(403, "Forbidden"), FOREIGN_403),
    (text(403), FOREIGN_403),
    (
        problem(404, "Remote Content Configuration NOT FOUND"),
        ("final", Status.REJECTED, "submit.not_found", 404),
    ),
    (text(404), WRONG_URL),
    (apim(404, "Resource not found"), WRONG_URL),
    (text(409), ("final", Status.REJECTED, "submit.unexpected_status", 409)),
    (text(413), ("final", Status.REJECTED, "submit.unexpected_status", 413)),
    (INVALID_KEY, ("abort", "auth.invalid_key", 401, 4)),
    (THROTTLE, ("retry", "http.429", 429, 3.0)),
    (THROTTLE_HEADER, ("retry", "http.429", 429, 2.0)),
    (text(429), ("retry", "http.429", 429, None)),
    (problem(500, "Internal server error"), ("retry", "submit.server_error", 500, None)),
    (text(500), ("retry", "submit.server_error", 500, None)),
    (text(502), ("final", Status.UNKNOWN, "submit.gateway_error", 502)),
    (text(503), ("final", Status.UNKNOWN, "submit.gateway_error", 503)),
    (text(504), ("final", Status.UNKNOWN, "submit.gateway_error", 504)),
    (text(501), ("final", Status.UNKNOWN, "submit.unexpected_status", 501)),
    (text(408), ("final", Status.UNKNOWN, "submit.unexpected_status", 408)),
    (
        httpx.Response(200, json={"id": MESSAGE_ID}),
        ("final", Status.UNKNOWN, "submit.unexpected_status", 200),
    ),
    (text(302), ("final", Status.UNKNOWN, "submit.unexpected_status", 302)),
]

GET_ANSWERS: list[tuple[httpx.Response, tuple[Any, ...]]] = [
    (
        httpx.Response(200, json={"message": {"id": MESSAGE_ID}, "status": "PROCESSED"}),
        ("found", "PROCESSED"),
    ),
    (httpx.Response(200, json={"status": "ACCEPTED"}), ("found", "ACCEPTED")),
    (httpx.Response(200, json={"status": ""}), ("retry", "get_message.bad_answer", 200, None)),
    (text(200, "garbage"), ("retry", "get_message.bad_answer", 200, None)),
    (problem(404, "Message not found"), ("missing", "get_message.not_found", 404)),
    (text(404), WRONG_URL),
    (apim(404, "Resource not found"), WRONG_URL),
    (text(403), FOREIGN_403),
    (apim(403, "Forbidden"), FOREIGN_403),
    (
        problem(403, "You are not allowed here", "You can only read messages that you have sent"),
        ("missing", "get_message.forbidden", 403),
    ),
    (problem(400, "Invalid messageId"), ("missing", "get_message.bad_request", 400)),
    (INVALID_KEY, ("abort", "auth.invalid_key", 401, 4)),
    (THROTTLE, ("retry", "http.429", 429, 3.0)),
    (text(500), ("retry", "get_message.server_error", 500, None)),
    (text(503), ("retry", "get_message.server_error", 503, None)),
    (text(418), ("missing", "get_message.unexpected_status", 418)),
]

for title, code in ABORTS_403:
    for table in (PROFILE_ANSWERS, SUBMIT_ANSWERS, GET_ANSWERS):
        table.append((problem(403, title), ("abort", code, 403, 4)))


@pytest.mark.parametrize(("response", "expected"), PROFILE_ANSWERS)
def test_profile_answers(response: httpx.Response, expected: tuple[Any, ...]) -> None:
    assert kind_of(classify_profile(response)) == expected


@pytest.mark.parametrize(("response", "expected"), SUBMIT_ANSWERS)
def test_submit_answers(response: httpx.Response, expected: tuple[Any, ...]) -> None:
    assert kind_of(classify_submit(response)) == expected


@pytest.mark.parametrize(("response", "expected"), GET_ANSWERS)
def test_get_message_answers(response: httpx.Response, expected: tuple[Any, ...]) -> None:
    assert kind_of(classify_get_message(response)) == expected


NOT_SENT = [
    (httpx.ConnectError, "net.connect"),
    (httpx.ConnectTimeout, "net.connect_timeout"),
    (httpx.PoolTimeout, "net.pool_timeout"),
    (httpx.ProxyError, "net.proxy"),
]


@pytest.mark.parametrize(("kind", "code"), NOT_SENT)
def test_not_sent_is_retried_on_every_operation(kind: type[Exception], code: str) -> None:
    for classify in (classify_profile, classify_submit, classify_get_message):
        assert kind_of(classify(error(kind))) == ("retry", code, None, None)


SENT_THEN_LOST = [
    (httpx.ReadTimeout, "timeout"),
    (httpx.WriteTimeout, "timeout"),
    (TimeoutError, "timeout"),
    (httpx.RemoteProtocolError, "connection_lost"),
    (httpx.ReadError, "connection_lost"),
    (httpx.WriteError, "connection_lost"),
    (httpx.CloseError, "connection_lost"),
    (httpx.DecodingError, "bad_answer"),
]


@pytest.mark.parametrize(("kind", "suffix"), SENT_THEN_LOST)
def test_a_lost_answer_to_a_read_is_retried(kind: type[Exception], suffix: str) -> None:
    exc = error(kind)
    assert kind_of(classify_profile(exc)) == ("retry", f"profile.{suffix}", None, None)
    assert kind_of(classify_get_message(exc)) == ("retry", f"get_message.{suffix}", None, None)


@pytest.mark.parametrize(("kind", "suffix"), SENT_THEN_LOST)
def test_a_lost_answer_to_a_submit_is_unknown(kind: type[Exception], suffix: str) -> None:
    decision = classify_submit(error(kind, "server went away"))
    assert kind_of(decision) == ("final", Status.UNKNOWN, f"submit.{suffix}", None)
    assert isinstance(decision, Final)
    assert "may or may not have been accepted" in decision.reason
    assert kind.__name__ in decision.reason and "server went away" in decision.reason


def test_a_client_side_protocol_error_is_not_retried() -> None:
    exc = error(httpx.LocalProtocolError, "Illegal header value")
    assert kind_of(classify_profile(exc)) == ("final", Status.FAILED, "net.client_error", None)
    assert kind_of(classify_get_message(exc)) == ("missing", "net.client_error", None)
    # For a submit it may have gone out in part: never assume it did not.
    assert kind_of(classify_submit(exc)) == (
        "final",
        Status.UNKNOWN,
        "submit.connection_lost",
        None,
    )


def test_an_unsupported_url_fails_without_a_retry() -> None:
    exc = error(httpx.UnsupportedProtocol, "Request URL has an unsupported protocol 'ftp://'")
    assert kind_of(classify_profile(exc)) == ("final", Status.FAILED, "net.client_error", None)
    assert kind_of(classify_submit(exc)) == ("final", Status.FAILED, "net.client_error", None)
    invalid = httpx.InvalidURL("Invalid non-printable ASCII character in URL")
    assert kind_of(classify_profile(invalid)) == ("final", Status.FAILED, "net.client_error", None)
    assert kind_of(classify_submit(invalid)) == ("final", Status.FAILED, "net.client_error", None)


def test_an_unexpected_exception_is_a_failure_not_a_retry() -> None:
    exc = ValueError("bug")
    assert kind_of(classify_profile(exc)) == ("final", Status.FAILED, "net.client_error", None)
    assert kind_of(classify_get_message(exc)) == ("missing", "net.client_error", None)
    assert kind_of(classify_submit(exc)) == (
        "final",
        Status.UNKNOWN,
        "submit.connection_lost",
        None,
    )


# -- what the decisions carry -------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "message_id"),
    [
        (httpx.Response(201, json={"id": MESSAGE_ID}), MESSAGE_ID),
        (
            httpx.Response(
                201,
                content=b"",
                headers={"location": f"/api/v1/messages/AAAAAA00A00A000A/{MESSAGE_ID}"},
            ),
            MESSAGE_ID,
        ),
        (
            httpx.Response(
                201,
                json={"id": ""},
                headers={"location": f"/api/v1/messages/AAAAAA00A00A000A/{MESSAGE_ID}/"},
            ),
            MESSAGE_ID,
        ),
        (
            httpx.Response(
                201, content=b"<created/>", headers={"location": f"https://x/m/{MESSAGE_ID}"}
            ),
            MESSAGE_ID,
        ),
    ],
)
def test_created_takes_the_id_from_the_body_or_the_location(
    response: httpx.Response, message_id: str
) -> None:
    assert classify_submit(response) == Final(
        Status.SENT, "submit.accepted", "accepted by IO", 201, message_id
    )


@pytest.mark.parametrize(
    "odd_id",
    ["msg-1", "2d8e7501-53b4-4a5e-9d1c-0b8f3a1e2c4d", "01BX9NSMKVXXS5PSP2FATZMYY", "I" * 26],
)
def test_created_with_an_id_that_is_not_a_message_id_is_sent_but_keeps_no_id(odd_id: str) -> None:
    decision = classify_submit(httpx.Response(201, json={"id": odd_id}))
    assert isinstance(decision, Final)
    assert (decision.status, decision.reason_code, decision.message_id) == (
        Status.SENT,
        "submit.accepted_bad_id",
        "",
    )
    assert repr(odd_id) in decision.reason and "not an IO message id" in decision.reason


def test_created_without_any_id_is_still_sent() -> None:
    decision = classify_submit(httpx.Response(201, json={"ok": True}))
    assert isinstance(decision, Final)
    assert (decision.status, decision.reason_code, decision.message_id) == (
        Status.SENT,
        "submit.accepted_without_id",
        "",
    )


def test_a_rejection_carries_the_problem_title_and_detail() -> None:
    detail = 'value "x" at root.content.subject is not a valid [string of length >= 10]'
    decision = classify_submit(problem(400, "Invalid message structure", detail))
    assert isinstance(decision, Final)
    assert decision.reason == f"bad request: Invalid message structure: {detail}"


def test_a_long_detail_is_cut_to_the_reason_limit() -> None:
    decision = classify_submit(problem(400, "Invalid message structure", "x" * 5000))
    assert isinstance(decision, Final)
    assert decision.reason.startswith("bad request: Invalid message structure: xxx")
    assert decision.reason.endswith("...")
    assert len(decision.reason) == len("bad request: ") + REASON_LIMIT


def test_abort_carries_an_auth_error_that_names_the_cause() -> None:
    decision = classify_submit(INVALID_KEY)
    assert isinstance(decision, Abort)
    auth_error = decision.error
    assert isinstance(auth_error, AuthError)
    assert "HTTP 401" in str(auth_error) and "invalid subscription key" in str(auth_error)
    scopes = classify_profile(problem(403, "User has no valid scopes"))
    assert isinstance(scopes, Abort)
    assert "User has no valid scopes" in str(scopes.error)


def test_a_wrong_url_names_the_url_with_the_fiscal_code_masked() -> None:
    url = f"https://api.io.pagopa.it/api/v1/api/v1/messages/AAAAAA00A00A000A/{MESSAGE_ID}"
    response = httpx.Response(
        404,
        json={"statusCode": 404, "message": "Resource not found"},
        request=httpx.Request("GET", url),
    )
    decision = classify_get_message(response, "AAAAAA00A00A000A", MESSAGE_ID)
    assert isinstance(decision, Abort)
    error = decision.error
    assert isinstance(error, ConfigError) and error.exit_code == 2
    assert "https://api.io.pagopa.it/api/v1/api/v1/messages/" in str(error)
    assert "AAAAAA00A00A000A" not in str(error)
    assert "the gateway's message 'Resource not found'" in str(error)
    assert "target.base_url" in str(error)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"email": "citizen@example.com", "version": 1}, "members: email, version"),
        ({"sender_allowed": "true"}, "sender_allowed is a JSON str"),
        ([True], "a JSON array"),
    ],
)
def test_a_profile_200_that_is_not_a_limited_profile_names_what_it_held(
    body: Any, named: str
) -> None:
    request = httpx.Request("POST", "https://api.io.pagopa.it/api/v1/profiles")
    decision = classify_profile(httpx.Response(200, json=body, request=request))
    assert isinstance(decision, Abort)
    message = str(decision.error)
    assert named in message and "without a boolean sender_allowed" in message
    assert "citizen@example.com" not in message  # members are named, values are not
    assert "https://api.io.pagopa.it/api/v1/profiles" in message


def test_a_foreign_403_names_what_it_held() -> None:
    decision = classify_profile(text(403))
    assert isinstance(decision, Abort)
    assert isinstance(decision.error, AuthError)
    assert "HTTP 403 not about one citizen (an empty body)" in str(decision.error)


@pytest.mark.parametrize(
    ("message", "note"),
    [
        ({"id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "fiscal_code": "AAAAAA00A00A000A"}, "id"),
        ({"id": MESSAGE_ID, "fiscal_code": "BBBBBB00B00B000B"}, "fiscal code"),
        ({"id": 42, "fiscal_code": "AAAAAA00A00A000A"}, "id"),
    ],
)
def test_a_get_message_answer_about_another_message_is_not_its_status(
    message: dict[str, str], note: str
) -> None:
    answer = httpx.Response(200, json={"message": message, "status": "PROCESSED"})
    decision = classify_get_message(answer, "AAAAAA00A00A000A", MESSAGE_ID)
    assert isinstance(decision, MessageMissing)
    assert decision.reason_code == "get_message.answer_mismatch"
    assert f"about another message ({note}" in decision.reason
    same = {"id": MESSAGE_ID, "fiscal_code": "AAAAAA00A00A000A"}
    matching = httpx.Response(200, json={"message": same, "status": "PROCESSED"})
    assert classify_get_message(matching, "AAAAAA00A00A000A", MESSAGE_ID) == MessageFound(
        "PROCESSED"
    )


def test_not_registered_explains_both_cases() -> None:
    decision = classify_profile(problem(404, "Profile not found", "No user found"))
    assert isinstance(decision, Final)
    assert decision.reason.startswith("no IO profile, or the citizen's IO inbox is disabled")


# -- bodies of any shape --------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (problem(400, "Bad parameters", "both given"), "Bad parameters: both given"),
        (apim(401, "Access denied."), "Access denied."),
        (httpx.Response(500, json={"title": "  ", "detail": 7}), ""),
        (httpx.Response(500, json=["a", "b"]), '["a","b"]'),
        (httpx.Response(500, json="plain string"), '"plain string"'),
        (text(502, "<html>\n <b>Bad   Gateway</b>\n</html>"), "<html> <b>Bad Gateway</b> </html>"),
        (text(500), ""),
        (httpx.Response(500, content=b"\xff\xfe broken \xc3"), "\ufffd\ufffd broken \ufffd"),
        (httpx.Response(500, content=b"[" * 100_000), "[" * (REASON_LIMIT - 3) + "..."),
    ],
)
def test_problem_text_reads_any_body(response: httpx.Response, expected: str) -> None:
    assert problem_text(response) == expected


STATUS_CODES = st.sampled_from(
    [200, 201, 204, 302, 400, 401, 403, 404, 408, 409, 429, 500, 502, 503, 504]
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["title", "detail", "message", "status", "id", "sender_allowed", "x"]),
            children,
            max_size=5,
        )
    ),
    max_leaves=12,
)
BODIES = st.binary(max_size=600) | JSON_VALUES.map(lambda value: json.dumps(value).encode())
HEADERS = st.dictionaries(
    st.sampled_from(["x-rate-limit-retry-after", "retry-after", "location", "content-type"]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
    max_size=3,
)


# No example database: a .hypothesis folder in the root trips pytest's collection here.
@settings(max_examples=300, deadline=None, database=None)
@given(code=STATUS_CODES, body=BODIES, headers=HEADERS)
def test_no_answer_crashes_the_classifiers(code: int, body: bytes, headers: dict[str, str]) -> None:
    response = httpx.Response(code, content=body, headers=headers)
    profile = classify_profile(response)
    submit = classify_submit(response)
    get = classify_get_message(response)
    assert isinstance(profile, Proceed | Final | Retry | Abort)
    assert isinstance(submit, Final | Retry | Abort)
    assert isinstance(get, MessageFound | MessageMissing | Retry | Abort)
    for decision in (profile, submit, get):
        reason = getattr(decision, "reason", "")
        assert len(reason) <= REASON_LIMIT + 100
        after = getattr(decision, "after", None)
        assert after is None or 0 <= after <= MAX_RETRY_AFTER
    # A submit is retried only on answers that prove nothing was queued.
    if isinstance(submit, Retry):
        assert code in (429, 500)
    if code == 201:
        assert isinstance(submit, Final) and submit.status is Status.SENT


# -- retry hints ---------------------------------------------------------------------


NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({"x-rate-limit-retry-after": "3"}, "", 3.0),
        ({"x-rate-limit-retry-after": "2.5"}, "", 2.5),
        ({"x-rate-limit-retry-after": "4", "retry-after": "9"}, "", 4.0),
        ({"retry-after": "7"}, "", 7.0),
        (
            {"retry-after": format_datetime(datetime.fromtimestamp(NOW + 10, UTC), usegmt=True)},
            "",
            10.0,
        ),
        (
            {"retry-after": format_datetime(datetime.fromtimestamp(NOW - 10, UTC), usegmt=True)},
            "",
            0.0,
        ),
        ({"x-rate-limit-retry-after": "soon"}, "Try again in 5 seconds.", 5.0),
        ({"x-rate-limit-retry-after": "nan", "retry-after": "6"}, "", 6.0),
        ({"x-rate-limit-retry-after": "inf"}, "", None),
        ({"x-rate-limit-retry-after": "-3"}, "", 0.0),
        ({"x-rate-limit-retry-after": "999999"}, "", MAX_RETRY_AFTER),
        ({}, "Rate limit is exceeded. Try again in 1 second.", 1.0),
        ({}, "Rate limit is exceeded.", None),
        ({}, "", None),
    ],
)
def test_retry_after(headers: dict[str, str], body: str, expected: float | None) -> None:
    content = json.dumps({"statusCode": 429, "message": body}).encode() if body else b""
    response = httpx.Response(429, content=content, headers=headers)
    assert retry_after_seconds(response, now=NOW) == expected


@pytest.mark.parametrize(
    ("languages", "expected"),
    [
        (["de_DE", "it_IT"], ("de_DE", "it_IT")),
        (["en_GB"], ("en_GB",)),
        ([], ()),
        (None, ()),
        ("it_IT", ()),  # not a list: no preference, the default language
        (["fr_FR", 3, "", None, "it_IT"], ("fr_FR", "it_IT")),
    ],
)
def test_a_profile_200_carries_its_preferred_languages(
    languages: Any, expected: tuple[str, ...]
) -> None:
    body: dict[str, Any] = {"sender_allowed": True, "preferred_languages": languages}
    decision = classify_profile(httpx.Response(200, json=body))
    assert isinstance(decision, Proceed) and decision.preferred_languages == expected
    assert classify_profile(httpx.Response(200, json={"sender_allowed": True})) == Proceed()
