"""The ``io-batch sandbox`` options, and the SandboxConfig they make."""

from __future__ import annotations

import argparse
from pathlib import Path

from batch.errors import ConfigError
from batch.sandbox.config import (
    DEFAULT_API_KEY,
    MAX_PAYMENT_AMOUNT,
    OPERATIONS,
    SANDBOX_FISCAL_CODE,
    Faults,
    KeyConfig,
    OperationFaults,
    SandboxConfig,
)
from batch.sandbox.quirks import (
    CREATED_IDS,
    FORBIDDEN_ANSWERS,
    MESSAGE_ANSWERS,
    PROFILE_ANSWERS,
    UNROUTED_ANSWERS,
)

_DEFAULTS = SandboxConfig()
_NO_FAULTS = OperationFaults()


def _ratio(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not a ratio between 0 and 1")
    return value


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def _operations(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in OPERATIONS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"operations are a comma list of {', '.join(OPERATIONS)}")
    return names


def add_sandbox_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the sandbox's options to ``parser`` (the ``io-batch sandbox`` subcommand)."""
    d = _DEFAULTS
    net = parser.add_argument_group("server")
    net.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1; anything else exposes it)",
    )
    net.add_argument(
        "--port",
        type=int,
        default=8080,
        help="port to listen on; 0 picks a free one (default: 8080)",
    )

    keys = parser.add_argument_group("keys")
    keys.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help=f"a key the sandbox accepts; repeat for more (default: {DEFAULT_API_KEY})",
    )
    keys.add_argument(
        "--test-mode",
        action="store_true",
        help="keys in test mode: other than authorized recipients get 403 'Recipient forbidden' "
        "(default: off)",
    )
    keys.add_argument(
        "--authorized-recipient",
        action="append",
        dest="authorized_recipients",
        metavar="FISCAL_CODE",
        help=f"a fiscal code test-mode keys may reach; repeat for more "
        f"(default: {SANDBOX_FISCAL_CODE})",
    )
    keys.add_argument(
        "--no-profile-scope",
        action="store_true",
        help="keys lack the profile scope: profile checks get 403 'User has no valid scopes' "
        "(default: off)",
    )
    keys.add_argument(
        "--no-feed-scope",
        action="store_true",
        help="keys lack the subscriptions feed permission: the feed gets 403 (default: off)",
    )
    keys.add_argument(
        "--ip-forbidden",
        action="store_true",
        help="the caller's IP is not authorized: calls get 403 'You are not allowed here' "
        "(default: off)",
    )

    rate = parser.add_argument_group("rate limit")
    rate.add_argument(
        "--rate-calls",
        metavar="N",
        type=int,
        default=d.rate_calls,
        help=f"calls per key in any window, all operations together (default: {d.rate_calls})",
    )
    rate.add_argument(
        "--rate-window",
        metavar="SECONDS",
        type=float,
        default=d.rate_window,
        help=f"the sliding window in seconds (default: {d.rate_window:g})",
    )
    rate.add_argument(
        "--unlimited", action="store_true", help="no rate limit at all (default: off)"
    )

    people = parser.add_argument_group("population and processing")
    people.add_argument(
        "--seed",
        metavar="N",
        type=int,
        default=d.seed,
        help=f"seed of the population and of the faults (default: {d.seed})",
    )
    people.add_argument(
        "--registered-ratio",
        metavar="RATIO",
        type=_ratio,
        default=d.registered_ratio,
        help=f"share of fiscal codes with an IO profile; the rest get 404 "
        f"(default: {d.registered_ratio:g})",
    )
    people.add_argument(
        "--blocked-ratio",
        metavar="RATIO",
        type=_ratio,
        default=d.blocked_ratio,
        help=f"share of registered citizens who blocked the service (sender_allowed false) "
        f"(default: {d.blocked_ratio:g})",
    )
    people.add_argument(
        "--citizens",
        metavar="FILE",
        type=Path,
        help="a text file of fiscal codes, one per line: the citizens the subscriptions feed "
        "knows, each joining IO on a day from --feed-start on (default: none but "
        f"{SANDBOX_FISCAL_CODE}; other codes joined before the feed began)",
    )
    people.add_argument(
        "--feed-start",
        metavar="DATE",
        default=d.feed_start,
        help=f"the first day of the subscriptions feed's history (default: {d.feed_start})",
    )
    people.add_argument(
        "--feed-end",
        metavar="DATE",
        help="the last day with feed events (default: yesterday, UTC)",
    )
    people.add_argument(
        "--processing-delay",
        metavar="SECONDS",
        type=_non_negative,
        default=d.processing_delay,
        help=f"seconds a message stays ACCEPTED before it is PROCESSED or REJECTED "
        f"(default: {d.processing_delay:g})",
    )
    people.add_argument(
        "--message-failed-ratio",
        metavar="RATIO",
        type=_ratio,
        default=d.failed_ratio,
        help=f"share of deliverable messages that end FAILED (default: {d.failed_ratio:g})",
    )
    people.add_argument(
        "--max-payment-amount",
        metavar="CENTS",
        type=int,
        default=d.max_allowed_payment_amount,
        help=f"the service's max_allowed_payment_amount in cents (default: {MAX_PAYMENT_AMOUNT})",
    )

    faults = parser.add_argument_group("faults (after the gateway)")
    faults.add_argument(
        "--fault-operations",
        metavar="OPS",
        type=_operations,
        default=OPERATIONS,
        help="operations the faults below apply to, a comma list "
        "(default: profile,submit,get,feed)",
    )
    faults.add_argument(
        "--latency-ms",
        metavar="MS",
        type=_non_negative,
        default=0.0,
        help="fixed latency of every answer in ms (default: 0)",
    )
    faults.add_argument(
        "--jitter-ms",
        metavar="MS",
        type=_non_negative,
        default=0.0,
        help="plus a uniform random latency in [0, jitter) ms (default: 0)",
    )
    faults.add_argument(
        "--fail-ratio",
        metavar="RATIO",
        type=_ratio,
        default=0.0,
        help="share of calls answered 500 (default: 0)",
    )
    faults.add_argument(
        "--timeout-ratio",
        metavar="RATIO",
        type=_ratio,
        default=0.0,
        help="share of calls held past the client's timeout (default: 0)",
    )
    faults.add_argument(
        "--drop-ratio",
        metavar="RATIO",
        type=_ratio,
        default=0.0,
        help="share of calls whose connection is closed with no answer (default: 0)",
    )
    faults.add_argument(
        "--hang-seconds",
        metavar="SECONDS",
        type=_non_negative,
        default=Faults().hang_seconds,
        help="how long a timeout fault holds a call (default: 60)",
    )
    faults.add_argument(
        "--error-stored",
        action=argparse.BooleanOptionalAction,
        default=_NO_FAULTS.error_stored,
        help="a submit answered 500 was stored first, and stays ACCEPTED (default: no)",
    )
    faults.add_argument(
        "--timeout-stored",
        action=argparse.BooleanOptionalAction,
        default=_NO_FAULTS.timeout_stored,
        help="a submit held past the timeout was stored and is delivered (default: yes)",
    )
    faults.add_argument(
        "--drop-stored",
        action=argparse.BooleanOptionalAction,
        default=_NO_FAULTS.drop_stored,
        help="a submit whose connection was dropped was stored and is delivered (default: yes)",
    )
    faults.add_argument(
        "--payment-status-error-ratio",
        metavar="RATIO",
        type=_ratio,
        default=0.0,
        help="share of get-message calls on processed ADVANCED payment messages that fail "
        "with 500 (default: 0)",
    )

    wrong = parser.add_argument_group(
        "misconfiguration (answers of a server that is not IO, to test failing loudly)"
    )
    wrong.add_argument(
        "--unrouted-answer",
        choices=UNROUTED_ANSWERS,
        default=d.unrouted_answer,
        help="how a path that is no API operation (a wrong base URL) is answered: the "
        "gateway's JSON 404, an HTML 404 page, a 404 with no body, or a web framework's "
        "ProblemJson 404 that is not IO's (default: gateway)",
    )
    wrong.add_argument(
        "--profile-answer",
        choices=PROFILE_ANSWERS,
        default=d.profile_answer,
        help="the body of a profile 200: IO's limited profile, or the spec's stale example "
        "without sender_allowed (default: limited_profile)",
    )
    wrong.add_argument(
        "--forbid-all",
        choices=FORBIDDEN_ANSWERS,
        help="answer every API call past the gateway with a 403 that is not IO's: no body, "
        "or an unknown body (default: off)",
    )
    wrong.add_argument(
        "--message-answer",
        choices=MESSAGE_ANSWERS,
        default=d.message_answer,
        help="get-message 200s about the message asked for, or about another id or fiscal "
        "code (default: own)",
    )
    wrong.add_argument(
        "--created-ids",
        choices=CREATED_IDS,
        default=d.created_ids,
        help="ids of created messages: IO's ULIDs, or UUIDs (default: ulid)",
    )


def config_from_args(ns: argparse.Namespace) -> SandboxConfig:
    """The SandboxConfig the parsed options describe; ValueError if they contradict."""
    recipients = frozenset(ns.authorized_recipients or (SANDBOX_FISCAL_CODE,))
    keys = tuple(
        KeyConfig(
            key,
            test_mode=ns.test_mode,
            authorized_recipients=recipients,
            profile_scope=not ns.no_profile_scope,
            feed_scope=not ns.no_feed_scope,
            ip_allowed=not ns.ip_forbidden,
        )
        for key in dict.fromkeys(ns.api_keys or (DEFAULT_API_KEY,))
    )
    operation_faults = OperationFaults(
        latency_ms=ns.latency_ms,
        jitter_ms=ns.jitter_ms,
        error_ratio=ns.fail_ratio,
        timeout_ratio=ns.timeout_ratio,
        drop_ratio=ns.drop_ratio,
        error_stored=ns.error_stored,
        timeout_stored=ns.timeout_stored,
        drop_stored=ns.drop_stored,
    )
    faults = Faults(
        **{name: operation_faults for name in ns.fault_operations},
        payment_status_error_ratio=ns.payment_status_error_ratio,
        hang_seconds=ns.hang_seconds,
    )
    return SandboxConfig(
        keys=keys,
        rate_calls=None if ns.unlimited else ns.rate_calls,
        rate_window=ns.rate_window,
        seed=ns.seed,
        citizens=read_citizens(ns.citizens) if ns.citizens is not None else (),
        feed_start=ns.feed_start,
        feed_end=ns.feed_end,
        registered_ratio=ns.registered_ratio,
        blocked_ratio=ns.blocked_ratio,
        processing_delay=ns.processing_delay,
        failed_ratio=ns.message_failed_ratio,
        max_allowed_payment_amount=ns.max_payment_amount,
        faults=faults,
        unrouted_answer=ns.unrouted_answer,
        profile_answer=ns.profile_answer,
        forbid_all=ns.forbid_all,
        message_answer=ns.message_answer,
        created_ids=ns.created_ids,
    )


def read_citizens(path: Path) -> tuple[str, ...]:
    """The fiscal codes of a ``--citizens`` file: one a line; blank lines are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read --citizens {path}: {error}") from None
    return tuple(dict.fromkeys(line.strip().upper() for line in lines if line.strip()))


def serve_from_args(ns: argparse.Namespace) -> None:
    """Run ``io-batch sandbox`` with the parsed options, until Ctrl-C."""
    from batch.sandbox.server import serve  # noqa: PLC0415 - the server only when serving

    try:
        config = config_from_args(ns)
        serve(config, host=ns.host, port=ns.port)
    except (ValueError, OSError) as error:  # contradicting options, or the port is taken
        raise ConfigError(str(error)) from None
