"""Job-level errors and the exit codes they map to.

Only problems that make the whole job pointless raise one of these: a bad job file,
an unreadable input, a key the API rejects. A bad row is an ``Outcome``, not an error.
The CLI catches ``BatchError`` and turns it into one clear line and an exit code; no
traceback reaches the user.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The process exit codes, documented in the README for schedulers."""

    OK = 0  # every row reached a final outcome and none needs attention
    ROWS_NEED_ATTENTION = 1  # done, but some rows are invalid/rejected/failed/unknown
    CONFIG_ERROR = 2  # bad command line or job file: fix it and run again
    INPUT_ERROR = 3  # the input file cannot be read as a recipient CSV
    AUTH_ERROR = 4  # the API key or the service is refused: nothing more was sent
    ABORTED = 5  # too many calls failed: the job stopped to save the rate budget
    BUSY = 6  # another run of the same job is going on: wait for it
    INTERNAL_ERROR = 70  # a bug in io-batch: please report it with the log
    INTERRUPTED = 130  # SIGINT/SIGTERM: in-flight calls were recorded; run again to resume


class BatchError(Exception):
    """A job-level failure with a message meant for the operator."""

    exit_code: ExitCode = ExitCode.INTERNAL_ERROR

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(BatchError):
    """The job file, a flag or the environment is wrong."""

    exit_code = ExitCode.CONFIG_ERROR


class InputError(BatchError):
    """The input CSV cannot be used: encoding, separator, missing columns, unreadable."""

    exit_code = ExitCode.INPUT_ERROR


class AuthError(BatchError):
    """The API refused the key or the service (401, 403 scopes or IP)."""

    exit_code = ExitCode.AUTH_ERROR


class BusyError(BatchError):
    """Another run of the same job holds its journal."""

    exit_code = ExitCode.BUSY


class AbortedError(BatchError):
    """The job stopped itself: too large a share of calls failed."""

    exit_code = ExitCode.ABORTED
