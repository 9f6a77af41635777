"""The job file (``jobs/*.toml``): what to send, to whom, where, and how fast.

Every section and key is documented in the README. Relative paths are resolved
against the job file's own folder, so a job works from any working directory.
Unknown keys are errors: a typo must not silently fall back to a default.

A section's value is in ``job_sections.py`` and is read from its table by
``job_tables.py``; this module puts them together and checks across sections.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from batch.common.cli_options import ENCODINGS  # the same for --encoding and input.encoding
from batch.config.choices import TargetKind
from batch.config.job_sections import (
    Columns,
    Guard,
    InputSpec,
    MessageSpec,
    ProfileCheck,
    RateBudget,
    RetryPolicy,
    Target,
    Timeouts,
)
from batch.config.job_tables import (
    choice,
    guard_and_privacy,
    input_table,
    member,
    message_spec,
    optional_under,
    profile_check,
    rate_budget,
    raw_table,
    separator_of,
    target_url,
    under,
)
from batch.config.languages import take_variants
from batch.config.metrics import MetricsSpec, parse_metrics
from batch.config.office_language import parse_language
from batch.config.pilot import parse_pilot_section
from batch.config.schedule import Schedule, parse_schedule
from batch.config.shards import Shard, parse_shards_section
from batch.config.subject_privacy import SubjectPrivacy
from batch.config.toml_table import Table
from batch.errors import ConfigError
from batch.i18n import _


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
                    encoding=choice(encoding, ENCODINGS, "--encoding")
                    if encoding is not None
                    else job.input.encoding,
                    separator=separator_of(separator)
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
    raw_message, variants = take_variants(raw_table(raw, "message"))
    message_section = Table(raw_message, "message")
    sections.table("message")
    target_section = sections.table("target")
    rate_section = sections.table("rate")
    http_section = sections.table("http")
    retry_section = sections.table("retry")
    profile = profile_check(sections.table("profile"))
    schedule = parse_schedule(sections.table("schedule"))
    guard, subject_privacy = guard_and_privacy(sections.table("guard"), message_section)
    shard_count = parse_shards_section(sections.table("shards"))
    pilot_input = parse_pilot_section(sections.table("pilot"), source.parent)
    metrics = parse_metrics(sections.table("metrics"), base)
    sections.done()

    name = job_section.get_str("name", source.stem)
    job_section.done()

    input_spec = input_table(input_section, base)

    output = under(base, output_section.required_str("path"))
    state_dir = optional_under(base, output_section.optional_str("state_dir"))
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

    message = message_spec(message_section, variants)
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

    kind = member(target_section.required_str("kind"), TargetKind, "target.kind")
    target = Target(
        kind=kind,
        base_url=target_url(target_section.optional_str("base_url"), kind),
        api_key_env=target_section.get_str("api_key_env", "IO_API_KEY"),
        not_registered_guard=target_section.get_int("not_registered_guard", 100, low=0),
    )
    target_section.done()

    rate = rate_budget(rate_section)

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
