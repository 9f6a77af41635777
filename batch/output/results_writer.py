"""The results CSV: one row per input row, the outcome first, then the input's own cells.

Carrying the input cells makes a results file a valid input for the same job, which
is how ``rerun`` works: it reads an earlier results file, keeps the final outcomes and
sends only the rows that may be retried. The input's columns are named
``input.<name>`` there (``results_layout``), so that they never clash with ours.

While a run is going, outcomes are appended as they happen (so a partial file always
exists); at the end the file is rewritten from the journal in input order, with
``pending`` for rows that were never processed. Files are created owner-only (0600):
they hold personal data. Every cell, header included, goes through ``neutralise`` so
that a spreadsheet never runs a formula from them.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from batch.common.csv_safety import neutralise
from batch.common.files import open_private
from batch.models import Outcome, Status
from batch.output.results_layout import results_header


def result_cells(
    line: int, fiscal_code: str, outcome: Outcome, run_id: str, target: str
) -> list[str]:
    return [
        str(line),
        fiscal_code,
        outcome.status.value,
        outcome.reason_code,
        outcome.reason,
        outcome.message_id,
        "" if outcome.http_status is None else str(outcome.http_status),
        str(outcome.attempts),
        outcome.sent_at,
        run_id,
        outcome.language,
        target,
    ]


class ResultsWriter:
    """Appends rows to a results file; the one writer of it while a run is going."""

    def __init__(
        self, path: Path, passthrough: Sequence[str], *, fresh: bool, target: str = ""
    ) -> None:
        self.path = path
        self._target = target  # the identity of the target, in every row
        self._passthrough = list(passthrough)
        fresh = fresh or not path.exists()
        if not fresh:
            _drop_partial_line(path)  # a kill may have cut the last row in half
        self._file = open_private(path, "w" if fresh else "a")
        self._csv = csv.writer(self._file, lineterminator="\n")
        if fresh:
            self._csv.writerow([neutralise(name) for name in results_header(self._passthrough)])

    def write(
        self, line: int, fiscal_code: str, outcome: Outcome, run_id: str, fields: dict[str, str]
    ) -> None:
        cells = result_cells(line, fiscal_code, outcome, run_id, self._target)
        cells.extend(fields.get(name, "") for name in self._passthrough)
        self._csv.writerow([neutralise(cell) for cell in cells])

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def _drop_partial_line(path: Path) -> None:
    """Cut the file back to its last complete line (rows never contain a bare newline
    at their end: the csv module quotes cells that hold one)."""
    with path.open("rb+") as handle:
        end = handle.seek(0, os.SEEK_END)
        position = end
        while position > 0:  # read backwards, a block at a time: the file may be large
            start = max(0, position - 65536)
            handle.seek(start)
            block = handle.read(position - start)
            if position == end and block.endswith(b"\n"):
                return
            newline = block.rfind(b"\n")
            if newline >= 0:
                handle.truncate(start + newline + 1)
                return
            position = start
        handle.truncate(0)


def outcome_from_cells(cells: dict[str, Any]) -> Outcome:
    """The outcome a results row records (rerun carries it over unchanged)."""
    http = str(cells.get("http_status") or "")
    attempts = str(cells.get("attempts") or "0")
    return Outcome(
        status=Status(str(cells["status"])),
        reason_code=str(cells.get("reason_code") or ""),
        reason=str(cells.get("reason") or ""),
        message_id=str(cells.get("message_id") or ""),
        http_status=int(http) if http.isdigit() else None,
        attempts=int(attempts) if attempts.isdigit() else 0,
        sent_at=str(cells.get("sent_at") or ""),
        language=str(cells.get("language") or ""),
    )
