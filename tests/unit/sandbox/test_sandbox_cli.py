"""The ``io-batch sandbox`` options and the SandboxConfig they make."""

from __future__ import annotations

import argparse
import socket

import pytest

from batch.errors import ConfigError
from batch.sandbox import (
    DEFAULT_API_KEY,
    Faults,
    KeyConfig,
    OperationFaults,
    SandboxConfig,
    add_sandbox_arguments,
    config_from_args,
    serve_from_args,
)


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_sandbox_arguments(parser)
    return parser.parse_args(argv)


def test_no_options_is_the_default_config_on_loopback() -> None:
    ns = _parse()
    assert config_from_args(ns) == SandboxConfig()
    assert (ns.host, ns.port) == ("127.0.0.1", 8080)


def test_every_option_reaches_the_config() -> None:
    ns = _parse(
        "--api-key", "k1", "--api-key", "k2", "--test-mode",
        "--authorized-recipient", "BBBBBB00B00B000B", "--no-profile-scope", "--ip-forbidden",
        "--rate-calls", "20", "--rate-window", "1", "--seed", "7",
        "--registered-ratio", "0.5", "--blocked-ratio", "0.25", "--processing-delay", "0.1",
        "--message-failed-ratio", "0.1", "--max-payment-amount", "0",
        "--fault-operations", "submit,get", "--latency-ms", "50", "--jitter-ms", "10",
        "--fail-ratio", "0.1", "--timeout-ratio", "0.05", "--drop-ratio", "0.05",
        "--hang-seconds", "3", "--error-stored", "--no-timeout-stored", "--no-drop-stored",
        "--payment-status-error-ratio", "0.5",
    )  # fmt: skip
    faults = OperationFaults(
        latency_ms=50, jitter_ms=10, error_ratio=0.1, timeout_ratio=0.05, drop_ratio=0.05,
        error_stored=True, timeout_stored=False, drop_stored=False,
    )  # fmt: skip
    key = {
        "test_mode": True,
        "authorized_recipients": frozenset({"BBBBBB00B00B000B"}),
        "profile_scope": False,
        "ip_allowed": False,
    }
    assert config_from_args(ns) == SandboxConfig(
        keys=(KeyConfig("k1", **key), KeyConfig("k2", **key)),  # type: ignore[arg-type]
        rate_calls=20,
        rate_window=1.0,
        seed=7,
        registered_ratio=0.5,
        blocked_ratio=0.25,
        processing_delay=0.1,
        failed_ratio=0.1,
        max_allowed_payment_amount=0,
        faults=Faults(submit=faults, get=faults, payment_status_error_ratio=0.5, hang_seconds=3.0),
    )


def test_unlimited_turns_the_rate_limit_off() -> None:
    assert config_from_args(_parse("--unlimited", "--rate-calls", "5")).rate_calls is None


@pytest.mark.parametrize(
    "argv",
    [
        ["--registered-ratio", "1.5"],
        ["--fail-ratio", "-0.1"],
        ["--latency-ms", "-5"],
        ["--fault-operations", "submit,delete"],
    ],
)
def test_out_of_range_options_are_usage_errors(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _parse(*argv)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_every_option_says_its_default() -> None:
    parser = argparse.ArgumentParser()
    add_sandbox_arguments(parser)
    helps = {action.dest: action.help or "" for action in parser._actions if action.dest != "help"}
    assert len(helps) == 36
    assert all("default" in text for text in helps.values()), [
        dest for dest, text in helps.items() if "default" not in text
    ]
    assert DEFAULT_API_KEY in helps["api_keys"]


def test_contradicting_options_and_a_taken_port_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="add up to at most 1"):
        serve_from_args(_parse("--fail-ratio", "0.6", "--drop-ratio", "0.6"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}"):
            serve_from_args(_parse("--port", str(port)))


def test_feed_options_make_the_citizens_history_and_the_keys_permission(tmp_path) -> None:
    citizens = tmp_path / "citizens.txt"
    citizens.write_text("rssmra80a01h501u\n\nVRDLGI70B02F205X\nRSSMRA80A01H501U\n", "utf-8")
    args = ("--citizens", str(citizens), "--feed-start", "2026-01-01", "--feed-end", "2026-02-01")
    config = config_from_args(_parse(*args, "--no-feed-scope"))
    assert config.citizens == ("RSSMRA80A01H501U", "VRDLGI70B02F205X")
    assert (config.feed_start, config.feed_end) == ("2026-01-01", "2026-02-01")
    assert [key.feed_scope for key in config.keys] == [False]
    assert config_from_args(_parse()).keys[0].feed_scope is True
    with pytest.raises(ConfigError, match="feed_start must be a date"):
        serve_from_args(_parse("--feed-start", "2026-13-01"))
