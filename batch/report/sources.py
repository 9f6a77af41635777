"""What a report reads: the results files of a campaign, their summaries, the journal's
runs, the verification file. Missing summaries or journal leave gaps, never an error:
a report of yesterday's results must work after the journal was purged."""

from __future__ import annotations

import csv
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from batch.errors import InputError
from batch.i18n import _
from batch.journal.looks import JournalRun, recorded_run
from batch.output.results_layout import RESULT_COLUMNS, is_results_header
from batch.output.summary import summary_path
from batch.report.tally import (
    VERIFY_KEYS,
    ResultsTally,
    VerifyTally,
    tally_results,
    tally_verify,
)

# The results' columns a report uses (never the input's own cells: personal data).
USED_COLUMNS = ("line", "fiscal_code", "status", "reason_code", "reason", "sent_at", "run_id")
VERIFY_USED = ("line", *VERIFY_KEYS)
RERUN_SUFFIX = "-rerun"


@dataclass(frozen=True, slots=True)
class RunFiles:
    """One results file of a campaign, with what its run left beside it."""

    results: Path
    summary: dict[str, Any] | None  # <results stem>.summary.json
    journal: JournalRun | None


def follow_chain(first: Path) -> list[Path]:
    """``first`` and its reruns by their default names: ``X.csv``, ``X-rerun.csv``,
    ``X-rerun-rerun.csv``... as far as they exist."""
    chain = [first]
    while (following := chain[-1].with_name(f"{chain[-1].stem}{RERUN_SUFFIX}.csv")).exists():
        chain.append(following)
    return chain


def read_results(path: Path) -> ResultsTally:
    """The tally of a results file's used columns, neutralised cells restored."""
    _check_results_header(path)
    return tally_results(path, USED_COLUMNS)


def _check_results_header(path: Path) -> None:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle), None)
    except FileNotFoundError:
        raise InputError(_("results file not found: {path}").format(path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            _("cannot read results file {path}: {error}").format(path=path, error=exc)
        ) from None
    if header is None or not is_results_header(header):
        raise InputError(
            _("{path} is not an io-batch results file").format(path=path),
            hint=_("its header must start with {columns}").format(columns=",".join(RESULT_COLUMNS)),
        )


def read_verify(path: Path) -> VerifyTally:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle), [])
    except FileNotFoundError:
        raise InputError(_("verification file not found: {path}").format(path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            _("cannot read verification file {path}: {error}").format(path=path, error=exc)
        ) from None
    missing = [name for name in VERIFY_USED if name not in header]
    if missing:
        raise InputError(
            _("{path} is not an io-batch verification file (no {columns} column)").format(
                path=path, columns=", ".join(missing)
            ),
            hint=_("pass the <results stem>.verify.csv that 'io-batch verify' wrote"),
        )
    return tally_verify(path, VERIFY_KEYS)


def read_summary(results: Path) -> dict[str, Any] | None:
    try:
        loaded = json.loads(summary_path(results).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def read_journal_run(journal: Path, run_id: str) -> JournalRun | None:
    """The journal's record of a run, read-only (a run of the job may hold its lock)."""
    if not run_id or not journal.exists():
        return None
    try:
        return recorded_run(journal, run_id)
    except sqlite3.Error:
        return None


def run_files(results: Path, default_journal: Path) -> RunFiles:
    summary = read_summary(results)
    journal_run = None
    if summary is not None:
        journal = Path(str(summary.get("journal") or default_journal))
        journal_run = read_journal_run(journal, str(summary.get("run_id", "")))
    return RunFiles(results, summary, journal_run)
