"""Reading the job file's tables: each ``[section]`` into its value, every key checked.

Each function takes one table (``toml_table.Table``), reads every key it may hold with
its default and range, and says ``done`` (an unknown key is an error: a typo must not
silently fall back to a default). ``job.parse_job`` calls them and checks across them.
"""

from __future__ import annotations

import os
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from batch.common.cli_options import ENCODINGS  # the same for --encoding and input.encoding
from batch.config.choices import (
    AmountUnit,
    DuplicatePolicy,
    InvalidRows,
    ProfileCheckKind,
    TargetKind,
)
from batch.config.job_sections import (
    FEED_FIRST_DAY,
    IO_BASE_URL,
    PRECONDITIONS,
    SEPARATORS,
    Guard,
    InputSpec,
    MessageSpec,
    ProfileCheck,
    RateBudget,
)
from batch.config.languages import MessageVariant, check_language
from batch.config.shared_budget import parse_shared_budget
from batch.config.subject_privacy import SubjectPrivacy, take_subject_privacy
from batch.config.template import Template
from batch.config.toml_table import Table
from batch.errors import ConfigError
from batch.i18n import _
from batch.models import FeatureLevel

_Choice = TypeVar("_Choice", bound=StrEnum)


def message_spec(section: Table, variants: tuple[MessageVariant, ...]) -> MessageSpec:
    """``[message]``: every key read and checked first, then the templates parsed, once."""
    subject = section.required_str("subject")
    markdown = section.required_str("markdown")
    feature_level_type = member(
        section.get_str("feature_level_type", FeatureLevel.STANDARD),
        FeatureLevel,
        "message.feature_level_type",
    )
    time_to_live = section.optional_int("time_to_live", low=3600, high=604800)
    require_secure_channels = section.optional_bool("require_secure_channels")
    invalid_after_due_date = section.get_bool("invalid_after_due_date", False)
    amount_unit = member(
        section.get_str("amount_unit", AmountUnit.CENTS), AmountUnit, "message.amount_unit"
    )
    has_attachments = section.get_bool("has_attachments", False)
    has_remote_content = section.get_bool("has_remote_content", False)
    has_precondition = optional_choice(
        section.optional_str("has_precondition"), PRECONDITIONS, "message.has_precondition"
    )
    configuration_id = section.optional_str("configuration_id")
    duplicates = member(
        section.get_str("duplicates", DuplicatePolicy.SEND_ONCE),
        DuplicatePolicy,
        "message.duplicates",
    )
    language = check_language(section.get_str("language", "it_IT"), "message.language")
    section.done()
    return MessageSpec(
        # A malformed template fails here, before any row is read.
        subject=Template.parse(subject),
        markdown=Template.parse(markdown),
        feature_level_type=feature_level_type,
        time_to_live=time_to_live,
        require_secure_channels=require_secure_channels,
        invalid_after_due_date=invalid_after_due_date,
        amount_unit=amount_unit,
        has_attachments=has_attachments,
        has_remote_content=has_remote_content,
        has_precondition=has_precondition,
        configuration_id=configuration_id,
        duplicates=duplicates,
        language=language,
        variants=variants,
    )


def raw_table(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(_("[{key}] must be a table").format(key=key))
    return value


def under(base: Path, value: str) -> Path:
    """``value`` relative to the job file's folder, without ``..`` left in it."""
    return Path(os.path.normpath(base / value))


def optional_under(base: Path, value: str | None) -> Path | None:
    return None if value is None else under(base, value)


def rate_budget(section: Table) -> RateBudget:
    unlimited = section.get_bool("unlimited", False)
    calls = section.get_int("calls", 150, low=1)
    rate = RateBudget(
        calls=None if unlimited else calls,
        window_seconds=section.get_float("window_seconds", 5.0, low=0.1),
        concurrency=section.get_int("concurrency", 8, low=1, high=1000),
        **parse_shared_budget(section, unlimited=unlimited),
    )
    section.done()
    return rate


def target_url(value: str | None, kind: TargetKind) -> str | None:
    if value is None:
        return IO_BASE_URL if kind is TargetKind.IO else None
    url = value.rstrip("/")
    # Plain http only on this machine (a local sandbox): the key must not cross a network in
    # clear text.
    if not url.startswith(("https://", "http://127.", "http://localhost", "http://[::1]")):
        raise ConfigError(_("target.base_url must use https: {url}").format(url=url))
    return url


def choice(value: str, choices: tuple[str, ...], key: str) -> str:
    if value not in choices:
        raise ConfigError(
            _("{key} must be one of {choices}; got {value}").format(
                key=key, choices=", ".join(choices), value=repr(value)
            )
        )
    return value


def member(value: str, choices: type[_Choice], key: str) -> _Choice:
    """``value`` as a member of ``choices``, with the same error as ``_choice``."""
    return choices(choice(value, tuple(choices), key))


def feed_day(value: str, key: str) -> str:
    try:
        return date.fromisoformat(value).isoformat() if len(value) == 10 else _bad_day(key, value)
    except ValueError:
        return _bad_day(key, value)


def _bad_day(key: str, value: str) -> str:
    raise ConfigError(
        _("{key} must be a date YYYY-MM-DD; got {value}").format(key=key, value=repr(value))
    )


def optional_choice(value: str | None, choices: tuple[str, ...], key: str) -> str | None:
    return None if value is None else choice(value, choices, key)


def separator_of(value: str) -> str | None:
    if value not in SEPARATORS:
        raise ConfigError(
            _("separator must be one of auto, ',', ';', tab; got {value}").format(
                value=repr(value)
            ),
        )
    return SEPARATORS[value]


def profile_check(section: Table) -> ProfileCheck:
    """``[profile]``: a profile check per row (``api``) or the subscriber list (``feed``)."""
    profile = ProfileCheck(
        check=member(
            section.get_str("check", ProfileCheckKind.API), ProfileCheckKind, "profile.check"
        ),
        feed_start=feed_day(section.get_str("feed_start", FEED_FIRST_DAY), "profile.feed_start"),
        feed_reread_days=section.get_int("feed_reread_days", 2, low=0, high=366),
    )
    section.done()
    return profile


def input_table(section: Table, base: Path) -> InputSpec:
    """``[input]``: the recipient file and how to read it."""
    spec = InputSpec(
        path=under(base, section.required_str("path")),
        encoding=choice(section.get_str("encoding", "auto"), ENCODINGS, "input.encoding"),
        separator=separator_of(section.get_str("separator", "auto")),
        multiline_columns=tuple(section.get_str_list("multiline_columns")),
        exclude=optional_under(base, section.optional_str("exclude")),
        sheet=section.optional_str_or_int("sheet", low=1),
    )
    section.done()
    return spec


def guard_and_privacy(section: Table, message: Table) -> tuple[Guard, SubjectPrivacy]:
    """``[guard]``: checks against the wrong file, made before any call; and
    ``subject_placeholders``, read from ``[guard]`` and ``[message]`` alike."""
    subject_privacy = take_subject_privacy(message, section)
    guard = Guard(
        max_messages=section.optional_int("max_messages", low=0),
        invalid_rows=member(
            section.get_str("invalid_rows", "skip"), InvalidRows, "guard.invalid_rows"
        ),
        require_approval=section.get_bool("require_approval", False),
    )
    section.done()
    return guard, subject_privacy
