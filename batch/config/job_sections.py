"""The job file's sections as values: the input, the columns, the message, the target,
the profile check, the rate budget, the HTTP timeouts, the retries and the guard.

``job.py`` puts them together in a ``Job``; ``job_tables.py`` reads each from its table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from batch.config.choices import (
    AmountUnit,
    DuplicatePolicy,
    InvalidRows,
    ProfileCheckKind,
    TargetKind,
)
from batch.config.languages import MessageVariant
from batch.config.template import Template
from batch.models import FeatureLevel

SEPARATORS = {"auto": None, ",": ",", ";": ";", "\t": "\t", "tab": "\t"}
PRECONDITIONS = ("ALWAYS", "ONCE", "NEVER")
IO_BASE_URL = "https://api.io.pagopa.it"
FEED_FIRST_DAY = "2020-03-24"  # IO's docs: read the feed from this day on


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
