"""The IO API client: profile check, submit and get-message over an injected httpx client.

Every call first takes its turn from the job's one ``Limiter``, and a 429 pauses that
limiter for everyone. The client returns answers as they are (status codes are the
classifier's business); it only raises what httpx raises, plus ``TimeoutError`` when a
call outlives the sum of its phase timeouts. Reading the answers (error bodies, the
retry hints of a 429) is ``wire.py``'s job.

Every call also passes the run's ``Stop`` gate (``stopping.py``): once a stop is
requested no request goes out, and a wait for a turn ends at once (``StopRequested``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable, Generator
from typing import Any
from urllib.parse import quote

import anyio
import httpx

from batch.api.lanes import Lanes
from batch.api.limiter import Limiter
from batch.api.quiet_gate import QuietGate
from batch.api.stopping import Stop
from batch.api.wire import retry_after_seconds
from batch.config.job_sections import Timeouts
from batch.errors import ConfigError

KEY_HEADER = "Ocp-Apim-Subscription-Key"
PROFILES = "/api/v1/profiles"
MESSAGES = "/api/v1/messages"
SUBSCRIPTIONS_FEED = "/api/v1/subscriptions-feed"
#: The operations a summary counts calls of (``calls_by_operation``), in this order.
OPERATIONS = ("profile", "submit", "get_message", "feed")
USER_AGENT = "io-batch/0.1"
_KEY_CHARS = re.compile(r"[\x21-\x7e]*")  # what an HTTP header value may safely carry


class SubscriptionKey(httpx.Auth):
    """Adds the key to each request; its repr never shows it (unlike client headers)."""

    def __init__(self, key: str) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[KEY_HEADER] = self._key
        yield request

    def __repr__(self) -> str:
        return "SubscriptionKey(***)"


def make_http_client(
    base_url: str,
    api_key: str,
    timeouts: Timeouts,
    concurrency: int,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """An HTTP/1.1 client for the IO API: explicit timeouts, ``concurrency`` connections
    (as ``Lanes``: one connection each, see ``lanes.py`` for why)."""
    key = api_key.strip()
    if not _KEY_CHARS.fullmatch(key):
        # h11 would reject it later with the value in the error text: refuse it here.
        raise ConfigError(
            "the API key contains spaces, control or non-ASCII characters",
            hint="copy the primary or secondary key of the service again",
        )
    client = httpx.AsyncClient(
        base_url=base_url,
        auth=SubscriptionKey(key) if key else None,
        headers={"accept": "application/json", "user-agent": USER_AGENT},
        timeout=httpx.Timeout(
            connect=timeouts.connect, read=timeouts.read, write=timeouts.write, pool=timeouts.pool
        ),
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        http1=True,
        http2=False,
        follow_redirects=False,
        transport=transport if transport is not None else Lanes(concurrency),
        # Proxy variables make sense for the network, not for an in-process transport.
        trust_env=transport is None,
    )
    client._cookies = _CookiesWhenSet()  # the only way in: the setter copies into a Cookies
    return client


class _CookiesWhenSet(httpx.Cookies):
    """httpx's cookie store, without its cost on answers that set no cookie.

    httpx hands every response to ``extract_cookies``, which builds urllib's request and
    response views of it (parsing the URL again) before the jar finds no ``Set-Cookie``:
    about 2% of the CPU of a call. The jar reads only these two headers, so skipping
    answers without them changes nothing."""

    def extract_cookies(self, response: httpx.Response) -> None:
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


BeforeSend = Callable[[], Awaitable[None]]


class IOClient:
    """The four operations of a batch sender, each under the shared limiter.

    ``calls_by_operation`` counts the requests that went out, per operation."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        limiter: Limiter,
        stop: Stop | None = None,
        quiet: QuietGate | None = None,
    ) -> None:
        self.calls_by_operation = dict.fromkeys(OPERATIONS, 0)
        self._http = http
        self._limiter = limiter
        self.stop = stop if stop is not None else Stop()
        self._quiet = quiet  # the job's quiet hours: no submit (push) inside them
        self._deadline = _total_deadline(http.timeout)
        self._secret = _secret_of(http)
        # The two URLs of every row, joined to the base URL once (httpx parses a str
        # path again on every request).
        self._profiles = _absolute(http, PROFILES)
        self._messages = _absolute(http, MESSAGES)

    def __repr__(self) -> str:
        return f"IOClient(base_url={str(self._http.base_url)!r})"

    async def profile(self, fiscal_code: str) -> httpx.Response:
        """``POST /profiles``: may the service write to this citizen?"""
        return await self._call("profile", "POST", self._profiles, {"fiscal_code": fiscal_code})

    async def submit(
        self, payload: dict[str, Any], before_send: BeforeSend | None = None
    ) -> httpx.Response:
        """``POST /messages`` with the fiscal code in the body.

        ``before_send`` runs once the limiter has given this call its turn, right before
        the request goes out: the journal records the intent there, so that a crash while
        the call still waits for its turn leaves the row pending, not unknown."""
        return await self._call("submit", "POST", self._messages, payload, before_send)

    async def get_message(self, fiscal_code: str, message_id: str) -> httpx.Response:
        """``GET /messages/{fiscal_code}/{id}``: the processing status of a sent message."""
        path = f"{MESSAGES}/{quote(fiscal_code, safe='')}/{quote(message_id, safe='')}"
        return await self._call("get_message", "GET", path, None)

    async def subscriptions_feed(self, day: str) -> httpx.Response:
        """``GET /subscriptions-feed/{date}``: who subscribed and unsubscribed that UTC day."""
        return await self._call("feed", "GET", f"{SUBSCRIPTIONS_FEED}/{quote(day, safe='')}", None)

    async def _call(
        self,
        operation: str,
        method: str,
        path: str | httpx.URL,
        body: dict[str, Any] | None,
        before_send: BeforeSend | None = None,
    ) -> httpx.Response:
        self.stop.check()  # a stopped run takes no turn and records no intent
        # The fast path (no budget, no pause, no quiet hours for this operation): the
        # turn is taken without waiting, so there is no wait for a stop to cut short.
        # A send run always has a gate; without quiet hours it applies to nothing.
        quiet = self._quiet
        if quiet is not None and not quiet.applies_to(operation):
            quiet = None
        if quiet is not None or not self._limiter.take_turn_now():
            await self._wait_for_turn(operation, quiet)
        if before_send is not None:
            await before_send()
        self.stop.check()  # the gate: nothing may await between it and the request
        self.calls_by_operation[operation] += 1
        try:
            # httpx's timeouts bound each phase; this bounds the whole call, so that
            # a server trickling bytes cannot keep it alive past them. A bare deadline
            # scope: what ``anyio.fail_after`` does, without its generator's cost.
            with anyio.CancelScope(deadline=anyio.current_time() + self._deadline) as scope:
                response = await self._http.request(method, path, json=body)
            if scope.cancelled_caught:
                raise TimeoutError
        except httpx.HTTPError as exc:
            _redact(exc, self._secret)
            raise
        if response.status_code == 429:
            hint = retry_after_seconds(response)
            self._limiter.pause(self._limiter.window_seconds if hint is None else hint)
            await self._limiter.publish_pause()
        return response

    async def _wait_for_turn(self, operation: str, quiet: QuietGate | None) -> None:
        """The limiter's turn, after the quiet hours; a stop ends either wait at once."""
        while True:
            if quiet is not None:
                await quiet.wait_open(operation)  # a stop ends this wait too
            with self.stop.cuts_short():  # a 429 pause may last minutes: a stop ends it
                await self._limiter.acquire()
            # The turn may have come once the window began: it is given up, the call waits.
            if quiet is None or quiet.closed_until(operation) is None:
                return


def _absolute(http: httpx.AsyncClient, path: str) -> httpx.URL | str:
    """``path`` joined to the client's base URL as httpx joins them (the path as it is
    when there is no base URL)."""
    base = http.base_url
    if base.is_relative_url:
        return path
    return base.copy_with(raw_path=base.raw_path + path.lstrip("/").encode("ascii"))


def _total_deadline(timeout: httpx.Timeout) -> float:
    """The sum of the phase timeouts (``inf``, no deadline, when a phase has none)."""
    phases = (timeout.pool, timeout.connect, timeout.write, timeout.read)
    if any(phase is None for phase in phases):
        return math.inf
    return sum(phase for phase in phases if phase is not None)


def _secret_of(http: httpx.AsyncClient) -> str:
    auth = http.auth
    if isinstance(auth, SubscriptionKey):
        return auth._key  # the one place that must know it: to hide it
    return str(http.headers.get(KEY_HEADER, ""))


def _redact(exc: BaseException, secret: str) -> None:
    """Belt and braces: no exception text that leaves this client carries the key."""
    if secret and secret in str(exc):
        exc.args = tuple(
            arg.replace(secret, "***") if isinstance(arg, str) else arg for arg in exc.args
        )
