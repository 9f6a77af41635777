"""The verification CSV: one row per checked message, what IO said of it, and a note.

During a run every answer is appended as soon as it is known (so a crash loses
nothing already paid for with rate budget); the file is then rewritten once, in the
results file's order, with one row per message. When reading an earlier file, the
last row of a message wins and a line cut short by a crash is ignored. Files are
owner-only (0600) and every cell goes through ``neutralise``, as for the results.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from batch.common.csv_safety import neutralise
from batch.common.files import open_private, write_atomically
from batch.errors import ConfigError, InputError

VERIFY_COLUMNS = (
    "line",
    "fiscal_code",
    "message_id",
    "message_status",
    "read_status",
    "payment_status",
    "checked_at",
    "attempts",
    "note_code",
    "note",
)
PROCESSED = "PROCESSED"
FINAL_STATUSES = frozenset({PROCESSED, "REJECTED", "FAILED"})
IN_PROGRESS_STATUSES = frozenset({"ACCEPTED", "THROTTLED"})
# Problems that may be gone a little later: --wait asks these rows again.
TRANSIENT_NOTES = frozenset(
    {"payment_status_unavailable", "server_error", "throttled", "no_answer", "bad_answer"}
)

MessageKey = tuple[str, str, str]  # line, fiscal code, message id


@dataclass(frozen=True, slots=True)
class Check:
    """One results row to verify: a ``sent`` or ``already_sent`` message."""

    line: str
    fiscal_code: str
    message_id: str

    @property
    def key(self) -> MessageKey:
        return (self.line, self.fiscal_code, self.message_id)


@dataclass(frozen=True, slots=True)
class Verification:
    """What is known of one message: its IO status, or a note saying why there is none."""

    check: Check
    message_status: str = ""
    read_status: str = ""
    payment_status: str = ""
    checked_at: str = ""  # UTC ISO-8601 with Z
    attempts: int = 0  # get-message calls for this message, by every verify run so far
    note_code: str = ""  # stable, for counting; empty for a plain status
    note: str = ""

    @property
    def final(self) -> bool:
        """IO's processing is over: no later run asks again."""
        return self.message_status in FINAL_STATUSES

    @property
    def in_progress(self) -> bool:
        """Worth asking again soon (--wait): still processing, or a passing failure."""
        return self.message_status in IN_PROGRESS_STATUSES or self.note_code in TRANSIENT_NOTES

    @property
    def needs_attention(self) -> bool:
        return self.message_status != PROCESSED

    def cells(self) -> list[str]:
        check = self.check
        return [
            check.line,
            check.fiscal_code,
            check.message_id,
            self.message_status,
            self.read_status,
            self.payment_status,
            self.checked_at,
            str(self.attempts),
            self.note_code,
            self.note,
        ]


def default_output(results: Path) -> Path:
    """``<results stem>.verify.csv`` beside the results file."""
    return results.with_name(f"{results.stem}.verify.csv")


def read_verifications(path: Path) -> dict[MessageKey, Verification]:
    """An earlier verification file, the last row of each message winning; {} if none.

    A file that is not one of ours is refused rather than overwritten."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read the verification file {path}: {exc}") from None
    found: dict[MessageKey, Verification] = {}
    with handle:
        try:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                return {}  # created, then stopped before the header was written
            if tuple(name.strip().lower() for name in header) != VERIFY_COLUMNS:
                raise ConfigError(
                    f"{path} exists and is not an io-batch verification file",
                    hint="choose another --output, or move that file away",
                )
            for cells in reader:
                record = _from_cells(cells)
                if record is not None:
                    found[record.check.key] = record
        except (UnicodeDecodeError, csv.Error) as exc:
            raise InputError(f"{path} cannot be read as a verification file: {exc}") from None
    return found


def _from_cells(cells: list[str]) -> Verification | None:
    if len(cells) != len(VERIFY_COLUMNS):
        return None  # a line cut short by a crash: that message is simply asked again
    values = dict(zip(VERIFY_COLUMNS, (_restore(cell) for cell in cells), strict=True))
    attempts = values["attempts"]
    if not attempts.isdigit():
        return None
    return Verification(
        check=Check(values["line"], values["fiscal_code"], values["message_id"]),
        message_status=values["message_status"],
        read_status=values["read_status"],
        payment_status=values["payment_status"],
        checked_at=values["checked_at"],
        attempts=int(attempts),
        note_code=values["note_code"],
        note=values["note"],
    )


def _restore(value: str) -> str:
    """Undo ``neutralise`` (a ``'`` put before a formula-like start)."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


class VerificationWriter:
    """Appends verifications as they come; ``rewrite`` leaves one row per message."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def rewrite(self, records: Iterable[Verification]) -> None:
        """Write the whole file afresh and atomically (temporary file, then rename)."""
        self.close()

        def write(handle: IO[str]) -> None:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(VERIFY_COLUMNS)
            for record in records:
                writer.writerow([neutralise(cell) for cell in record.cells()])

        write_atomically(self.path, write)

    def append(self, record: Verification) -> None:
        if self._file is None:
            self._file = open_private(self.path, "a")
        csv.writer(self._file, lineterminator="\n").writerow(
            [neutralise(cell) for cell in record.cells()]
        )
        # A row is one paid-for call: flushed at once, so a crash right after keeps it.
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
