"""Job-level errors and the exit codes they map to.

Only problems that make the whole job pointless raise one of these: a bad job file,
an unreadable input, a key the API rejects. A bad row is an ``Outcome``, not an error.
The CLI catches ``BatchError`` and turns it into one clear line and an exit code; no
traceback reaches the user.

The exit codes are defined here once: the ``--help`` text is generated from
``EXIT_CODES`` and a test holds the README's tables to it.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The process exit codes, documented in the README for schedulers."""

    OK = 0
    ROWS_NEED_ATTENTION = 1
    CONFIG_ERROR = 2
    INPUT_ERROR = 3
    AUTH_ERROR = 4
    ABORTED = 5
    BUSY = 6
    BUDGET_LOST = 7
    NOT_PUBLISHED_YET = 69  # sysexits' EX_UNAVAILABLE: the feed's day is not served yet
    INTERNAL_ERROR = 70
    QUIET_HOURS = 75  # sysexits' EX_TEMPFAIL: try again later
    INTERRUPTED = 130


#: What each code means, in the words of ``io-batch --help``.
EXIT_CODES: dict[ExitCode, str] = {
    ExitCode.OK: "all rows done",
    ExitCode.ROWS_NEED_ATTENTION: "done, some rows need attention",
    ExitCode.CONFIG_ERROR: "bad command line, job file, environment, URL or unwritable path "
    "(nothing was sent)",
    ExitCode.INPUT_ERROR: "unreadable input",
    ExitCode.AUTH_ERROR: "API key or service refused (401, or a 403 not about one citizen)",
    ExitCode.ABORTED: "stopped after too many failed calls",
    ExitCode.BUSY: "another run of the same job is going on",
    ExitCode.BUDGET_LOST: "the shared rate budget (Redis) was lost during the run: no new call "
    "was made; run again to resume once it is back",
    ExitCode.NOT_PUBLISHED_YET: "the subscriptions feed has not published that day yet "
    "(nothing was sent; run again later)",
    ExitCode.INTERNAL_ERROR: "internal error (a bug: please report it)",
    ExitCode.QUIET_HOURS: 'stopped for the quiet hours (on_quiet_hours = "stop"; run again '
    "after them to resume)",
    ExitCode.INTERRUPTED: "interrupted by SIGINT/SIGTERM (run again to resume)",
}

#: Codes io-batch never returns itself, but a scheduler sees when a signal ends it.
SIGNAL_EXIT_CODES: dict[int, str] = {
    137: "killed by SIGKILL (out of memory, or the stop timeout ran out): run again to resume",
    143: "ended by SIGTERM before io-batch had started (the interpreter's first instants)",
}


def exit_codes_help(meanings_here: dict[ExitCode, str] | None = None) -> str:
    """The ``exit codes:`` paragraph of ``--help``, from ``EXIT_CODES``; a command whose
    0 or 1 means something more precise gives it in ``meanings_here``."""
    own = EXIT_CODES | (meanings_here or {})
    meanings = [f"{int(code)} {text}" for code, text in own.items()]
    meanings += [f"{code} {text}" for code, text in SIGNAL_EXIT_CODES.items()]
    return "exit codes: " + "; ".join(meanings) + "."


class BatchError(Exception):
    """A job-level failure with a message meant for the operator.

    It has no exit code of its own: raise a subclass, or pass ``exit_code``, so that
    every raise site says what kind of failure it is (a forgotten one is a bug, and
    would otherwise pass for one: 70). It says what went wrong and how to fix it; a run
    it stopped half-way returns its own summary (``send``'s ``RunOutcome``)."""

    exit_code: ExitCode

    def __init__(self, message: str, *, hint: str = "", exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code
        elif not hasattr(self, "exit_code"):
            raise TypeError(f"{type(self).__name__} needs an exit code: {message}")

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(BatchError):
    """The job file, a flag, the environment, the URL or an output path is wrong."""

    exit_code = ExitCode.CONFIG_ERROR


class InputError(BatchError):
    """The input CSV cannot be used: encoding, separator, missing columns, unreadable."""

    exit_code = ExitCode.INPUT_ERROR


class AuthError(BatchError):
    """The API refused the key or the service (401, a 403 not about one citizen)."""

    exit_code = ExitCode.AUTH_ERROR


class BusyError(BatchError):
    """Another run of the same job holds its journal."""

    exit_code = ExitCode.BUSY


class AbortedError(BatchError):
    """The job stopped itself: too large a share of calls failed."""

    exit_code = ExitCode.ABORTED


class NotPublishedYetError(BatchError):
    """IO does not serve a day of the subscriptions feed yet (404 "Data not available
    yet"): the day has not ended at IO. Retryable: the same command succeeds later."""

    exit_code = ExitCode.NOT_PUBLISHED_YET


class BudgetLostError(BatchError):
    """The shared rate budget's Redis stopped answering during the run."""

    exit_code = ExitCode.BUDGET_LOST
