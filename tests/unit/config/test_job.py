"""The job file: every key parsed, every mistake a clear ConfigError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from batch.config.choices import (
    AmountUnit,
    DuplicatePolicy,
    InvalidRows,
    OnQuietHours,
    ProfileCheckKind,
    TargetKind,
)
from batch.config.job import load_job, parse_job
from batch.config.job_sections import IO_BASE_URL
from batch.config.template import Template
from batch.errors import ConfigError, ExitCode
from batch.models import FeatureLevel

SOURCE = Path("/jobs/example.toml")


def minimal(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "input": {"path": "in.csv"},
        "output": {"path": "out/results.csv"},
        "message": {"subject": "Subject {nome}", "markdown": "Body {nome}"},
        "target": {"kind": "sandbox"},
    }
    for section, values in overrides.items():
        raw.setdefault(section, {}).update(values)
    return raw


def test_minimal_job_gets_documented_defaults() -> None:
    job = parse_job(minimal(), source=SOURCE)
    assert job.name == "example"
    assert job.input.path == Path("/jobs/in.csv")
    assert job.output == Path("/jobs/out/results.csv")
    assert job.columns.fiscal_code == "fiscal_code"
    assert job.rate.calls == 150 and job.rate.window_seconds == 5.0
    assert job.rate.concurrency == 8
    assert job.timeouts.read == 30.0 and job.timeouts.connect == 5.0
    assert job.retry.max_attempts == 5
    assert job.message.duplicates is DuplicatePolicy.SEND_ONCE
    assert job.message.amount_unit is AmountUnit.CENTS
    assert job.message.feature_level_type is FeatureLevel.STANDARD
    assert job.target.kind is TargetKind.SANDBOX
    assert job.target.base_url is None  # sandbox without URL: the embedded one
    assert job.retention_days == 90


def test_io_target_defaults_to_the_real_api_and_rejects_plain_http() -> None:
    job = parse_job(minimal(target={"kind": "io"}), source=SOURCE)
    assert job.target.base_url == IO_BASE_URL
    assert job.target.api_key_env == "IO_API_KEY"
    with pytest.raises(ConfigError, match="https"):
        parse_job(minimal(target={"kind": "io", "base_url": "http://api.example"}), source=SOURCE)
    local = parse_job(
        minimal(target={"kind": "io", "base_url": "http://127.0.0.1:8080/"}), source=SOURCE
    )
    assert local.target.base_url == "http://127.0.0.1:8080"


def test_unlimited_rate() -> None:
    job = parse_job(minimal(rate={"unlimited": True}), source=SOURCE)
    assert job.rate.calls is None
    assert job.rate.label == "unlimited"


def test_the_budget_label_that_summaries_show() -> None:
    assert parse_job(minimal(), source=SOURCE).rate.label == "150/5s"
    slow = parse_job(minimal(rate={"calls": 10, "window_seconds": 0.5}), source=SOURCE)
    assert slow.rate.label == "10/0.5s"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"message": {"subjet": "typo"}}, "unknown key in job file: message.subjet"),
        ({"target": {"kind": "prod"}}, "target.kind must be one of io, sandbox"),
        ({"rate": {"calls": 0}}, "rate.calls must be at least 1"),
        ({"rate": {"calls": True}}, "rate.calls must be a whole number"),
        ({"message": {"time_to_live": 60}}, "message.time_to_live must be at least 3600"),
        ({"message": {"time_to_live": 604801}}, "message.time_to_live must be at most 604800"),
        ({"message": {"feature_level_type": "PREMIUM"}}, "feature_level_type must be one of"),
        ({"message": {"subject": "Hi {nome!r}"}}, "bad placeholder"),
        ({"message": {"subject": "Hi {nome"}}, "bad template"),
        ({"columns": {"amount": "importo"}}, "go together"),
        ({"message": {"has_remote_content": True}}, "third_party_id"),
        ({"input": {"separator": "|"}}, "separator must be one of"),
        ({"output": {"path": ""}}, "output.path is required"),
    ],
)
def test_mistakes_are_config_errors(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")) as caught:
        parse_job(minimal(**overrides), source=SOURCE)
    assert caught.value.exit_code == ExitCode.CONFIG_ERROR


def test_the_closed_choices_are_parsed_into_their_members_once() -> None:
    job = parse_job(
        minimal(
            message={
                "duplicates": "one_per_citizen",
                "amount_unit": "euro",
                "feature_level_type": "ADVANCED",
            },
            target={"kind": "io"},
        ),
        source=SOURCE,
    )
    assert job.message.duplicates is DuplicatePolicy.ONE_PER_CITIZEN
    assert job.message.amount_unit is AmountUnit.EURO
    assert job.message.feature_level_type is FeatureLevel.ADVANCED
    assert job.target.kind is TargetKind.IO


def test_the_feed_and_quiet_hours_choices_are_members_too() -> None:
    job = parse_job(
        minimal(profile={"check": "feed"}, schedule={"on_quiet_hours": "stop"}), source=SOURCE
    )
    assert job.profile.check is ProfileCheckKind.FEED and job.profile.uses_feed
    assert job.schedule.on_quiet_hours is OnQuietHours.STOP
    assert parse_job(minimal(), source=SOURCE).profile.check is ProfileCheckKind.API


def test_each_languages_templates_are_parsed_with_the_job() -> None:
    job = parse_job(
        minimal(message={"de_DE": {"subject": "Hallo {nome}", "markdown": "Text {{x}} {nome}"}}),
        source=SOURCE,
    )
    (variant,) = job.message.variants
    assert variant.subject == Template.parse("Hallo {nome}")
    assert variant.markdown.placeholders == ["nome"]
    assert variant.markdown.literal_text == "Text {x} "
    with pytest.raises(ConfigError, match="bad placeholder"):
        parse_job(
            minimal(message={"de_DE": {"subject": "Hallo {0!r}", "markdown": "m" * 80}}),
            source=SOURCE,
        )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"message": {"duplicates": "once"}},
            "message.duplicates must be one of send_once, one_per_citizen, send_all; got 'once'",
        ),
        (
            {"message": {"amount_unit": "EUR"}},
            "message.amount_unit must be one of cents, euro; got 'EUR'",
        ),
        (
            {"message": {"feature_level_type": "standard"}},
            "message.feature_level_type must be one of STANDARD, ADVANCED; got 'standard'",
        ),
        ({"target": {"kind": "IO"}}, "target.kind must be one of io, sandbox; got 'IO'"),
    ],
)
def test_a_bad_choice_names_the_key_and_every_allowed_value(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_job(minimal(**overrides), source=SOURCE)
    assert caught.value.message == message


def test_template_fields_and_literal_braces() -> None:
    template = Template.parse("Gentile {nome}, {{non}} {anno}")
    assert template.placeholders == ["nome", "anno"]
    assert template.literal_text == "Gentile , {non} "


def test_the_job_keeps_its_templates_parsed() -> None:
    job = parse_job(minimal(), source=SOURCE)
    assert job.message.subject == Template.parse("Subject {nome}")
    assert job.message.subject.parts == (("Subject ", "nome"),)
    assert job.message.markdown.text == "Body {nome}"


def test_overrides_from_the_command_line(tmp_path: Path) -> None:
    job = parse_job(minimal(), source=SOURCE).with_overrides(
        input_path=tmp_path / "x.csv", output=tmp_path / "r.csv", separator="tab", encoding="cp1252"
    )
    assert job.input.path == tmp_path / "x.csv"
    assert job.input.separator == "\t" and job.input.encoding == "cp1252"
    assert job.output == tmp_path / "r.csv"


def test_load_job_reports_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="job file not found"):
        load_job(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[input\npath = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_job(bad)


def test_demo_job_parses() -> None:
    job = load_job(Path(__file__).parents[3] / "jobs" / "demo.toml")
    assert job.target.kind is TargetKind.SANDBOX
    assert set(job.message.placeholders()) == {"anno", "scadenza", "nome", "importo"}


def test_required_columns_are_the_named_columns_then_the_placeholders_once() -> None:
    job = parse_job(minimal(columns={"fiscal_code": "cf", "due_date": "nome"}), source=SOURCE)
    assert job.required_columns() == ["cf", "nome"]


def test_profile_check_defaults_to_the_api_and_may_use_the_feed() -> None:
    default = parse_job(minimal(), source=SOURCE).profile
    assert (default.check, default.feed_start, default.uses_feed) == ("api", "2020-03-24", False)
    feed = parse_job(minimal(profile={"check": "feed", "feed_start": "2026-01-05"}), source=SOURCE)
    assert (feed.profile.check, feed.profile.feed_start, feed.profile.uses_feed) == (
        "feed",
        "2026-01-05",
        True,
    )


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        ({"check": "both"}, "profile.check must be one of api, feed"),
        ({"feed_start": "2026-02-30"}, "profile.feed_start must be a date"),
        ({"feed_start": "20260101"}, "profile.feed_start must be a date"),
        ({"checks": "feed"}, "checks"),
    ],
)
def test_a_bad_profile_section_is_a_config_error(profile: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_job(minimal(profile=profile), source=SOURCE)


def test_guard_defaults_to_off_and_parses_its_keys() -> None:
    job = parse_job(minimal(), source=SOURCE)
    assert (job.guard.max_messages, job.guard.invalid_rows) == (None, InvalidRows.SKIP)
    guarded = parse_job(
        minimal(guard={"max_messages": 5000, "invalid_rows": "refuse_file"}), source=SOURCE
    )
    assert (guarded.guard.max_messages, guarded.guard.invalid_rows) == (
        5000,
        InvalidRows.REFUSE_FILE,
    )
    with pytest.raises(ConfigError, match=r"guard\.invalid_rows must be one of skip, refuse_file"):
        parse_job(minimal(guard={"invalid_rows": "refuse"}), source=SOURCE)
    with pytest.raises(ConfigError, match=r"guard\.max_messages must be at least 0"):
        parse_job(minimal(guard={"max_messages": -1}), source=SOURCE)
    with pytest.raises(ConfigError, match=r"unknown key in job file: guard\.max_rows"):
        parse_job(minimal(guard={"max_rows": 1}), source=SOURCE)
