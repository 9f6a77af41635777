"""The sandbox as an ASGI app: routes, the gateway in front, faults, the test endpoints.

Operations: profile, submit, get (get-message) and feed (the subscriptions feed).
A call goes: route -> key (401) -> rate limit (429) -> fault plan and latency ->
backend -> fault (500 / held past the client's timeout / dropped) -> answer, and
leaves one record in the call log whatever happens.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

import anyio
import httpx

from batch.sandbox import quirks
from batch.sandbox import responses as r
from batch.sandbox.backend import Backend, utc_today
from batch.sandbox.config import Faults, KeyConfig, SandboxConfig
from batch.sandbox.control import handle_control
from batch.sandbox.faults import DROPPED, ERROR, TIMEOUT, FaultInjector, FaultPlan
from batch.sandbox.gateway import SUBSCRIPTION_KEY_HEADER, Gateway, KeyProblem, rate_limit_message
from batch.sandbox.ledger import CallLog, CallRecord, Ledger, max_calls_in_window
from batch.sandbox.transport import SandboxTransport

API_PREFIX = "/api/v1/"
CONTROL_PREFIX = "/__sandbox/"
_HOLD_POLL_SECONDS = 0.05


def route(method: str, path: str) -> tuple[str, str, list[str]] | None:
    """``(operation, route template, path parameters)`` for an API path, or None."""
    if not path.startswith(API_PREFIX):
        return None
    parts = path[len(API_PREFIX) :].split("/")
    if any(not part for part in parts):
        return None
    match method, parts:
        case "POST", ["profiles"]:
            return "profile", "POST /profiles", []
        case "GET", ["profiles", fiscal_code]:
            return "profile", "GET /profiles/{fiscal_code}", [fiscal_code]
        case "POST", ["messages"]:
            return "submit", "POST /messages", []
        case "POST", ["messages", fiscal_code]:
            return "submit", "POST /messages/{fiscal_code}", [fiscal_code]
        case "GET", ["messages", fiscal_code, message_id]:
            return "get", "GET /messages/{fiscal_code}/{id}", [fiscal_code, message_id]
        case "GET", ["subscriptions-feed", day]:
            return "feed", "GET /subscriptions-feed/{date}", [day]
    return None


async def read_body(receive: r.Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _header(scope: r.Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            text: str = value.decode("latin-1")
            return text
    return None


class SandboxApp:
    """The IO API simulator; ``.ledger`` and ``.calls`` say what it saw."""

    def __init__(
        self,
        config: SandboxConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], date] = utc_today,
    ):
        self.config = config
        self.ledger = Ledger()
        self.calls = CallLog()
        self.injector = FaultInjector(config.faults, config.seed)
        self.gateway = Gateway(config)
        self.backend = Backend(config, self.ledger, self.injector, clock, today)
        self.closing = False  # set when the server stops: held requests give up at once
        self._clock = clock

    def max_calls_in_window(self, key: str, window: float, *, admitted_only: bool = False) -> int:
        """The most calls of ``key`` that arrived within any ``window`` seconds."""
        return max_calls_in_window(
            self.calls.entries(), window, key=key, admitted_only=admitted_only
        )

    def throttled_count(self, key: str | None = None) -> int:
        """How many calls (of ``key``, if given) the gateway answered 429."""
        return sum(
            1
            for call in self.calls.entries()
            if call.status == 429 and (key is None or call.key == key)
        )

    @property
    def faults(self) -> Faults:
        return self.injector.faults

    def set_faults(self, faults: Faults) -> None:
        self.injector.faults = faults

    def reset(self) -> None:
        """Forget every message, call and rate window; faults back to the configured ones."""
        self.ledger.clear()
        self.calls.clear()
        self.backend.store.clear()
        self.gateway.reset()
        self.injector.reset(self.config.faults)

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport that runs this app in process, faults included."""
        return SandboxTransport(self)

    async def __call__(self, scope: r.Scope, receive: r.Receive, send: r.Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path.startswith(CONTROL_PREFIX):
            await handle_control(self, scope["method"], path, await read_body(receive), send)
            return
        await self._api_call(scope, receive, send)

    async def _api_call(self, scope: r.Scope, receive: r.Receive, send: r.Send) -> None:
        raw = await read_body(receive)
        # The call "arrives" when the gateway has all of it. Reading the clock after the
        # last await before admission keeps admissions in time order, which the window
        # relies on (a request whose body came slowly must not be admitted in the past).
        arrival = self._clock()
        matched = route(scope["method"], scope["path"])
        auth = self.gateway.authenticate(_header(scope, SUBSCRIPTION_KEY_HEADER.encode()))
        key = auth if isinstance(auth, KeyConfig) else None
        log_key = key.key if key is not None else None
        if matched is None:  # APIM finds no operation: nothing reaches the backend
            self.calls.add(CallRecord(arrival, log_key, "unknown", "", 404))
            await quirks.unrouted(self.config.unrouted_answer, scope["path"]).send(send)
            return
        operation, template, params = matched
        if isinstance(auth, KeyProblem):
            self.calls.add(CallRecord(arrival, None, operation, template, 401))
            await r.gateway_error(401, auth.message).send(send)
            return
        assert key is not None
        admission = self.gateway.admit(key, arrival)
        if not admission.admitted:
            retry_after = admission.retry_after or 1
            record = CallRecord(arrival, key.key, operation, template, 429, retry_after)
            self.calls.add(record)
            headers = ((b"x-rate-limit-retry-after", str(retry_after).encode()),)
            await r.gateway_error(429, rate_limit_message(retry_after), headers).send(send)
            return
        if self.config.forbid_all is not None:  # refused in front of IO: no backend, no fault
            self.calls.add(CallRecord(arrival, key.key, operation, template, 403))
            await quirks.forbidden(self.config.forbid_all).send(send)
            return
        plan = self.injector.plan(operation)
        if plan.delay > 0:
            await anyio.sleep(plan.delay)
        response = self._backend_answer(operation, key, params, raw, plan=plan, arrival=arrival)
        fault = plan.kind or response.fault
        status = None if plan.kind == DROPPED else response.status
        self.calls.add(CallRecord(arrival, key.key, operation, template, status, None, fault))
        if plan.kind == DROPPED:
            raise r.ConnectionDropped
        if plan.kind == TIMEOUT and not await self._hold(receive):
            raise r.ConnectionDropped
        if admission.remaining is not None:
            remaining = (b"x-rate-limit-remaining", str(admission.remaining).encode())
            response = r.Response(response.status, response.body, (*response.headers, remaining))
        await response.send(send)

    def _backend_answer(
        self,
        operation: str,
        key: KeyConfig,
        params: list[str],
        raw: bytes,
        *,
        plan: FaultPlan,
        arrival: float,
    ) -> r.Response:
        if operation == "profile":
            response = self.backend.profile(key, params[0] if params else None, raw)
        elif operation == "submit":
            response = self.backend.submit(key, params[0] if params else None, raw, plan, arrival)
            response = quirks.with_uuid_id(response, self.config.created_ids)
        elif operation == "feed":
            response = self.backend.feed(key, params[0])
        else:
            response = self.backend.get_message(key, params[0], params[1])
            response = quirks.about_another_message(response, self.config.message_answer)
        # A 500 strikes where the backend works (storage, lookups): after the checks
        # that answer 400 and 403, as in the real handlers.
        if plan.kind == ERROR and response.status not in (400, 403):
            return r.internal_error("Injected fault: the operation failed", fault=ERROR)
        return response

    async def _hold(self, receive: r.Receive) -> bool:
        """Hold a request for ``hang_seconds``; False if the client or the server gave up first."""
        gave_up = False
        with anyio.move_on_after(self.injector.faults.hang_seconds):
            async with anyio.create_task_group() as group:

                async def watch_client() -> None:
                    nonlocal gave_up
                    while (await receive())["type"] != "http.disconnect":
                        pass
                    gave_up = True
                    group.cancel_scope.cancel()

                async def watch_server() -> None:
                    nonlocal gave_up
                    # Polled: ``closing`` is set from another thread, and anyio.Event
                    # is not thread-safe.
                    while not self.closing:  # noqa: ASYNC110
                        await anyio.sleep(_HOLD_POLL_SECONDS)
                    gave_up = True
                    group.cancel_scope.cancel()

                group.start_soon(watch_client)
                group.start_soon(watch_server)
        return not gave_up


async def _lifespan(receive: r.Receive, send: r.Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_app(config: SandboxConfig | None = None) -> SandboxApp:
    return SandboxApp(config if config is not None else SandboxConfig())
