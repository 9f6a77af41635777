"""The closed sets of values a job chooses from: parsed once, when the job is loaded.

Each is a ``StrEnum`` whose values are the words written in the job file, so the rest
of the code compares members, never strings. (The feature level, a field of the message
itself, is ``models.FeatureLevel``.)
"""

from __future__ import annotations

from enum import Flag, StrEnum, auto


class DuplicatePolicy(StrEnum):
    """``message.duplicates``: which rows of one file naming the same citizen go out."""

    SEND_ONCE = "send_once"  # identical rows (same citizen, same content) go out once
    ONE_PER_CITIZEN = "one_per_citizen"  # only the first row of each fiscal code
    SEND_ALL = "send_all"  # no de-duplication within the file


class TargetKind(StrEnum):
    """``target.kind``: the real IO API, or the sandbox (embedded or started apart)."""

    IO = "io"
    SANDBOX = "sandbox"


class AmountUnit(StrEnum):
    """``message.amount_unit``: how the amount column is written."""

    CENTS = "cents"  # digits only: 1250
    EURO = "euro"  # 12, 12,50, 12.50, 1.234,50


class Resend(Flag):
    """The earlier outcomes the operator explicitly asks to send again (none by default)."""

    NONE = 0
    SENT = auto()  # --force-resend: what an earlier run sent
    UNKNOWN = auto()  # --resend-unknown: what an earlier run may have sent


class ProfileCheckKind(StrEnum):
    """``profile.check``: how a send learns who may get a message."""

    API = "api"  # a profile check per row
    FEED = "feed"  # the subscriber list kept from the subscriptions feed


class OnQuietHours(StrEnum):
    """``schedule.on_quiet_hours``: what a call held by the quiet hours does."""

    WAIT = "wait"  # pause until the window ends
    STOP = "stop"  # no new call: the run ends with exit 75, to be run again later


class InvalidRows(StrEnum):
    """``guard.invalid_rows``: what an invalid row does to the send."""

    SKIP = "skip"  # the row gets the status invalid and the others go out (the default)
    REFUSE_FILE = "refuse_file"  # any invalid row refuses the whole file before a call
