"""The job file (``jobs/*.toml``): what to send, to whom, where, and how fast.

Every section and key is documented in the README. Relative paths are resolved
against the job file's own folder, so a job works from any working directory.
Unknown keys are errors: a typo must not silently fall back to a default.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from batch.config.choices import (
    AmountUnit,
    DuplicatePolicy,
    InvalidRows,
    ProfileCheckKind,
    TargetKind,
)
from batch.config.languages import MessageVariant, check_language, take_variants
from batch.config.metrics import MetricsSpec, parse_metrics
from batch.config.office_language import parse_language
from batch.config.pilot import parse_pilot_section
from batch.config.schedule import Schedule, parse_schedule
from batch.config.shards import Shard, parse_shards_section
from batch.config.shared_budget import parse_shared_budget
from batch.config.subject_privacy import SubjectPrivacy, take_subject_privacy
from batch.config.template import Template
from batch.config.toml_table import Table
from batch.errors import ConfigError
from batch.i18n import _
from batch.models import FeatureLevel

SEPARATORS = {"auto": None, ",": ",", ";": ";", "\t": "\t", "tab": "\t"}
ENCODINGS = ("auto", "utf-8", "utf-8-sig", "cp1252", "latin-1")
PRECONDITIONS = ("ALWAYS", "ONCE", "NEVER")
IO_BASE_URL = "https://api.io.pagopa.it"
FEED_FIRST_DAY = "2020-03-24"  # IO's docs: read the feed from this day on

_Choice = TypeVar("_Choice", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class InputSpec:
    path: Path
    encoding: str = "auto"
    separator: str | None = None  # None: detect
    multiline_columns: tuple[str, ...] = ()  # the only columns whose values may span lines
    exclude: Path | None = None  # citizens never to message (codes or SHA-256 digests)
    sheet: str | int | None = None  # a workbook's sheet: name or 1-based index; None: first visible
    # [columns] amount and due_date, for a reader that knows a cell's type (.ods): an amount
    # is taken only from a plain number cell, a due date from a date cell is its date.
    amount_column: str | None = None
    due_date_column: str | None = None


@dataclass(frozen=True, slots=True)
class Columns:
    """Which CSV column feeds each message field (None: the field is not sent)."""

    fiscal_code: str = "fiscal_code"
    due_date: str | None = None
    amount: str | None = None
    notice_number: str | None = None
    payee_fiscal_code: str | None = None
    third_party_id: str | None = None
    dedupe_key: str | None = None
    language: str | None = None  # the citizen's language, when the profile gives none

    def used(self) -> dict[str, str]:
        """Field name -> column name, for the columns this job reads."""
        names = {
            "fiscal_code": self.fiscal_code,
            "due_date": self.due_date,
            "amount": self.amount,
            "notice_number": self.notice_number,
            "payee_fiscal_code": self.payee_fiscal_code,
            "third_party_id": self.third_party_id,
            "dedupe_key": self.dedupe_key,
            "language": self.language,
        }
        return {key: value for key, value in names.items() if value is not None}


@dataclass(frozen=True, slots=True)
class MessageSpec:
    subject: Template
    markdown: Template
    feature_level_type: FeatureLevel = FeatureLevel.STANDARD
    time_to_live: int | None = None
    require_secure_channels: bool | None = None
    invalid_after_due_date: bool = False
    amount_unit: AmountUnit = AmountUnit.CENTS
    has_attachments: bool = False
    has_remote_content: bool = False
    has_precondition: str | None = None
    configuration_id: str | None = None
    duplicates: DuplicatePolicy = DuplicatePolicy.SEND_ONCE
    language: str = "it_IT"  # the language of the base subject and markdown
    variants: tuple[MessageVariant, ...] = ()  # [message.<language>]: the same in another

    def placeholders(self) -> list[str]:
        """The CSV columns named by ``{...}`` in the subject and markdown templates, of
        every language."""
        names = [*self.subject.placeholders, *self.markdown.placeholders]
        for variant in self.variants:
            names += [*variant.subject.placeholders, *variant.markdown.placeholders]
        return names

    @property
    def languages(self) -> list[str]:
        """Every language the job can send: the base one first."""
        return [self.language, *(variant.language for variant in self.variants)]


@dataclass(frozen=True, slots=True)
class Target:
    kind: TargetKind
    # For IO, the API's URL. For the sandbox, None starts the embedded sandbox; a URL
    # points at one started apart (``io-batch sandbox``), as tests and benchmarks do.
    base_url: str | None = None
    api_key_env: str = "IO_API_KEY"
    # Stop (exit 2) when a run's first N profile checks all answer 404; 0: never.
    not_registered_guard: int = 100


@dataclass(frozen=True, slots=True)
class ProfileCheck:
    """How a send learns who may get a message: ``api`` asks the profile of every row;
    ``feed`` looks the row up in the subscriber list kept from the subscriptions feed,
    synced from ``feed_start`` (README, "The subscriptions feed")."""

    check: ProfileCheckKind = ProfileCheckKind.API
    feed_start: str = FEED_FIRST_DAY
    # Every sync reads again the last N days it already holds: IO rewrites past days.
    feed_reread_days: int = 2

    @property
    def uses_feed(self) -> bool:
        return self.check is ProfileCheckKind.FEED


@dataclass(frozen=True, slots=True)
class RateBudget:
    """The gateway's budget: ``calls`` per sliding ``window_seconds`` (None: unlimited)."""

    calls: int | None = 150
    window_seconds: float = 5.0
    concurrency: int = 8
    # A Redis URL: the window is shared by every process that names ``budget_name``.
    shared: str | None = None
    budget_name: str | None = None

    @property
    def label(self) -> str:
        """How summaries show the budget: ``150/5s``, ``150/5s shared as 'comune'``, or
        ``unlimited``."""
        if self.calls is None:
            return "unlimited"
        own = f"{self.calls}/{self.window_seconds:g}s"
        return own if self.shared is None else f"{own} shared as {self.budget_name!r}"


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float = 5.0
    read: float = 30.0
    write: float = 10.0
    pool: float = 10.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 5  # per call, the first one included
    backoff_base: float = 0.5  # seconds; doubled per attempt, with full jitter
    backoff_max: float = 30.0
    max_failure_ratio: float = 0.5  # stop the job if more than this share of calls fail...
    min_calls_before_abort: int = 50  # ...once at least this many calls were made


@dataclass(frozen=True, slots=True)
class Guard:
    """``[guard]``: checks against the wrong file, made before any call."""

    max_messages: int | None = None  # refuse a send/rerun that would submit more
    invalid_rows: InvalidRows = InvalidRows.SKIP
    require_approval: bool = False  # a send to IO needs a matching approval (four eyes)


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    source: Path  # the job file itself
    input: InputSpec
    output: Path
    columns: Columns
    message: MessageSpec
    target: Target
    rate: RateBudget = field(default_factory=RateBudget)
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    profile: ProfileCheck = field(default_factory=ProfileCheck)
    state_dir: Path | None = None  # where the journal lives; None: beside the output
    retention_days: int = 90  # how long the record of what was sent blocks a resend
    report: bool = False  # [output] report: send and verify write the HTML report at the end
    language: str | None = None  # [output] language: the office's texts ("it"/"en")
    schedule: Schedule = field(default_factory=Schedule)
    guard: Guard = field(default_factory=Guard)
    shard_count: int | None = None  # [shards] count: the campaign is split in that many
    shard: Shard | None = None  # set by the command: this run is that shard (rows, files)
    pilot_input: Path | None = None  # [pilot] input: the colleagues' file of io-batch pilot
    # [message] / [guard] subject_placeholders: no personal data in the subject.
    subject_privacy: SubjectPrivacy = field(default_factory=SubjectPrivacy)
    # [output] path as the job file says it, whatever --output: where old journals may be
    configured_output: Path | None = None
    metrics: MetricsSpec = field(default_factory=MetricsSpec)  # [metrics]: for Prometheus

    def required_columns(self) -> list[str]:
        """The CSV columns the input must have: those named by the job and its templates."""
        return list(dict.fromkeys([*self.columns.used().values(), *self.message.placeholders()]))

    def with_overrides(
        self,
        *,
        input_path: Path | None = None,
        output: Path | None = None,
        encoding: str | None = None,
        separator: str | None = None,
    ) -> Job:
        """The job with the command line's flags applied over the file's values."""
        job = self
        if input_path is not None or encoding is not None or separator is not None:
            job = replace(
                job,
                input=replace(
                    job.input,
                    path=input_path or job.input.path,
                    encoding=_choice(encoding, ENCODINGS, "--encoding")
                    if encoding is not None
                    else job.input.encoding,
                    separator=_separator(separator)
                    if separator is not None
                    else job.input.separator,
                ),
            )
        if output is not None:
            job = replace(job, output=output)
        return job


def load_job(path: Path) -> Job:
    """Read and check a job file; every problem is a ``ConfigError`` naming the key."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(_("job file not found: {path}").format(path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            _("cannot read job file {path}: {error}").format(path=path, error=exc)
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            _("job file {path} is not valid TOML: {error}").format(path=path, error=exc)
        ) from None
    return parse_job(raw, source=path)


def parse_job(raw: dict[str, Any], *, source: Path) -> Job:
    base = source.parent
    sections = Table(raw, "")
    job_section = sections.table("job")
    input_section = sections.table("input")
    output_section = sections.table("output")
    columns_section = sections.table("columns")
    raw_message, variants = take_variants(_section(raw, "message"))
    message_section = Table(raw_message, "message")
    sections.table("message")
    target_section = sections.table("target")
    rate_section = sections.table("rate")
    http_section = sections.table("http")
    retry_section = sections.table("retry")
    profile = _profile_check(sections.table("profile"))
    schedule = parse_schedule(sections.table("schedule"))
    guard, subject_privacy = _guard(sections.table("guard"), message_section)
    shard_count = parse_shards_section(sections.table("shards"))
    pilot_input = parse_pilot_section(sections.table("pilot"), source.parent)
    metrics = parse_metrics(sections.table("metrics"), base)
    sections.done()

    name = job_section.get_str("name", source.stem)
    job_section.done()

    input_spec = _input_spec(input_section, base)

    output = _under(base, output_section.required_str("path"))
    state_dir = _optional_under(base, output_section.optional_str("state_dir"))
    retention_days = output_section.get_int("retention_days", 90, low=1, high=3650)
    report = output_section.get_bool("report", False)
    language = parse_language(output_section)
    output_section.done()

    columns = Columns(
        fiscal_code=columns_section.get_str("fiscal_code", "fiscal_code"),
        due_date=columns_section.optional_str("due_date"),
        amount=columns_section.optional_str("amount"),
        notice_number=columns_section.optional_str("notice_number"),
        payee_fiscal_code=columns_section.optional_str("payee_fiscal_code"),
        third_party_id=columns_section.optional_str("third_party_id"),
        dedupe_key=columns_section.optional_str("dedupe_key"),
        language=columns_section.optional_str("language"),
    )
    columns_section.done()
    input_spec = replace(input_spec, amount_column=columns.amount, due_date_column=columns.due_date)
    if (columns.amount is None) != (columns.notice_number is None):
        raise ConfigError(
            _("columns.amount and columns.notice_number go together"),
            hint=_("a pagoPA payment needs both the amount and the notice number"),
        )
    if columns.payee_fiscal_code is not None and columns.amount is None:
        raise ConfigError(_("columns.payee_fiscal_code needs columns.amount and notice_number"))

    message = _message(message_section, variants)
    if message.language in message.languages[1:]:
        raise ConfigError(
            _("[message.{language}] repeats the base message's language").format(
                language=message.language
            ),
            hint=_(
                "the base [message] is {language} (message.language): give each language once"
            ).format(language=message.language),
        )
    uses_third_party = (
        message.has_attachments
        or message.has_remote_content
        or message.has_precondition is not None
        or message.configuration_id is not None
    )
    if uses_third_party and columns.third_party_id is None:
        raise ConfigError(
            _("message third_party_data options need columns.third_party_id"),
            hint=_("IO requires a third_party_data id for every such message"),
        )

    kind = _member(target_section.required_str("kind"), TargetKind, "target.kind")
    target = Target(
        kind=kind,
        base_url=_url(target_section.optional_str("base_url"), kind),
        api_key_env=target_section.get_str("api_key_env", "IO_API_KEY"),
        not_registered_guard=target_section.get_int("not_registered_guard", 100, low=0),
    )
    target_section.done()

    rate = _rate_budget(rate_section)

    timeouts = Timeouts(
        connect=http_section.get_float("connect_timeout", 5.0, low=0.01),
        read=http_section.get_float("read_timeout", 30.0, low=0.01),
        write=http_section.get_float("write_timeout", 10.0, low=0.01),
        pool=http_section.get_float("pool_timeout", 10.0, low=0.01),
    )
    http_section.done()

    retry = RetryPolicy(
        max_attempts=retry_section.get_int("max_attempts", 5, low=1, high=100),
        backoff_base=retry_section.get_float("backoff_base", 0.5, low=0.0),
        backoff_max=retry_section.get_float("backoff_max", 30.0, low=0.0),
        max_failure_ratio=retry_section.get_float("max_failure_ratio", 0.5, low=0.0, high=1.0),
        min_calls_before_abort=retry_section.get_int("min_calls_before_abort", 50, low=1),
    )
    retry_section.done()

    return Job(
        name=name,
        source=source,
        input=input_spec,
        output=output,
        columns=columns,
        message=message,
        target=target,
        rate=rate,
        timeouts=timeouts,
        retry=retry,
        profile=profile,
        state_dir=state_dir,
        retention_days=retention_days,
        schedule=schedule,
        report=report,
        language=language,
        guard=guard,
        shard_count=shard_count,
        pilot_input=pilot_input,
        subject_privacy=subject_privacy.for_subjects(message.subject, message.variants),
        configured_output=output,
        metrics=metrics,
    )


def _message(section: Table, variants: tuple[MessageVariant, ...]) -> MessageSpec:
    """``[message]``: every key read and checked first, then the templates parsed, once."""
    subject = section.required_str("subject")
    markdown = section.required_str("markdown")
    feature_level_type = _member(
        section.get_str("feature_level_type", FeatureLevel.STANDARD),
        FeatureLevel,
        "message.feature_level_type",
    )
    time_to_live = section.optional_int("time_to_live", low=3600, high=604800)
    require_secure_channels = section.optional_bool("require_secure_channels")
    invalid_after_due_date = section.get_bool("invalid_after_due_date", False)
    amount_unit = _member(
        section.get_str("amount_unit", AmountUnit.CENTS), AmountUnit, "message.amount_unit"
    )
    has_attachments = section.get_bool("has_attachments", False)
    has_remote_content = section.get_bool("has_remote_content", False)
    has_precondition = _optional_choice(
        section.optional_str("has_precondition"), PRECONDITIONS, "message.has_precondition"
    )
    configuration_id = section.optional_str("configuration_id")
    duplicates = _member(
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


def _section(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(_("[{key}] must be a table").format(key=key))
    return value


def _under(base: Path, value: str) -> Path:
    """``value`` relative to the job file's folder, without ``..`` left in it."""
    return Path(os.path.normpath(base / value))


def _optional_under(base: Path, value: str | None) -> Path | None:
    return None if value is None else _under(base, value)


def _rate_budget(section: Table) -> RateBudget:
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


def _url(value: str | None, kind: TargetKind) -> str | None:
    if value is None:
        return IO_BASE_URL if kind is TargetKind.IO else None
    url = value.rstrip("/")
    # Plain http only on this machine (a local sandbox): the key must not cross a network in
    # clear text.
    if not url.startswith(("https://", "http://127.", "http://localhost", "http://[::1]")):
        raise ConfigError(_("target.base_url must use https: {url}").format(url=url))
    return url


def _choice(value: str, choices: tuple[str, ...], key: str) -> str:
    if value not in choices:
        raise ConfigError(
            _("{key} must be one of {choices}; got {value}").format(
                key=key, choices=", ".join(choices), value=repr(value)
            )
        )
    return value


def _member(value: str, choices: type[_Choice], key: str) -> _Choice:
    """``value`` as a member of ``choices``, with the same error as ``_choice``."""
    return choices(_choice(value, tuple(choices), key))


def _day(value: str, key: str) -> str:
    try:
        return date.fromisoformat(value).isoformat() if len(value) == 10 else _bad_day(key, value)
    except ValueError:
        return _bad_day(key, value)


def _bad_day(key: str, value: str) -> str:
    raise ConfigError(
        _("{key} must be a date YYYY-MM-DD; got {value}").format(key=key, value=repr(value))
    )


def _optional_choice(value: str | None, choices: tuple[str, ...], key: str) -> str | None:
    return None if value is None else _choice(value, choices, key)


def _separator(value: str) -> str | None:
    if value not in SEPARATORS:
        raise ConfigError(
            _("separator must be one of auto, ',', ';', tab; got {value}").format(value=repr(value))
        )
    return SEPARATORS[value]


def _profile_check(section: Table) -> ProfileCheck:
    """``[profile]``: a profile check per row (``api``) or the subscriber list (``feed``)."""
    profile = ProfileCheck(
        check=_member(
            section.get_str("check", ProfileCheckKind.API), ProfileCheckKind, "profile.check"
        ),
        feed_start=_day(section.get_str("feed_start", FEED_FIRST_DAY), "profile.feed_start"),
        feed_reread_days=section.get_int("feed_reread_days", 2, low=0, high=366),
    )
    section.done()
    return profile


def _input_spec(section: Table, base: Path) -> InputSpec:
    """``[input]``: the recipient file and how to read it."""
    spec = InputSpec(
        path=_under(base, section.required_str("path")),
        encoding=_choice(section.get_str("encoding", "auto"), ENCODINGS, "input.encoding"),
        separator=_separator(section.get_str("separator", "auto")),
        multiline_columns=tuple(section.get_str_list("multiline_columns")),
        exclude=_optional_under(base, section.optional_str("exclude")),
        sheet=section.optional_str_or_int("sheet", low=1),
    )
    section.done()
    return spec


def _guard(section: Table, message: Table) -> tuple[Guard, SubjectPrivacy]:
    """``[guard]``: checks against the wrong file, made before any call; and
    ``subject_placeholders``, read from ``[guard]`` and ``[message]`` alike."""
    subject_privacy = take_subject_privacy(message, section)
    guard = Guard(
        max_messages=section.optional_int("max_messages", low=0),
        invalid_rows=_member(
            section.get_str("invalid_rows", "skip"), InvalidRows, "guard.invalid_rows"
        ),
        require_approval=section.get_bool("require_approval", False),
    )
    section.done()
    return guard, subject_privacy
