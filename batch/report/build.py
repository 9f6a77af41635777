"""From the campaign's files to the ``Report``: every number the page shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from batch.errors import InputError
from batch.i18n import _, format_number
from batch.report import figures, sources, timeline
from batch.report.dates import day_and_minute
from batch.report.tally import VerifyTally


@dataclass(frozen=True, slots=True)
class RunFacts:
    """One run of the chain, from its summary and the journal (blank when unknown)."""

    results: str
    run_id: str
    input_digest: str
    started_at: str
    finished_at: str
    state: str
    budget: str
    elapsed_s: float | None
    calls: int | None
    calls_by_operation: dict[str, int]
    throttled: int | None
    exit_code: int | None
    rows: int
    operator: str = ""  # who ran it (send --operator), from the summary
    approved_by: str = ""  # who approved it ([guard] require_approval)


@dataclass(frozen=True, slots=True)
class VerifyFacts:
    path: str
    checked: int
    counts: dict[str, dict[str, int]]  # title -> status -> messages
    calls: int | None
    throttled: int | None
    elapsed_s: float | None
    exit_code: int | None


@dataclass(frozen=True, slots=True)
class Report:
    job: str
    generated_at: str
    rows: int
    statuses: dict[str, int]
    funnel: list[figures.Step]
    outcomes: list[figures.StatusRow]
    invalid: list[figures.ReasonGroup]
    throughput: timeline.Throughput | None
    throttled: int | None  # 429 answers over the chain's runs (None: no summary)
    runs: list[RunFacts]
    verify: VerifyFacts | None


def build_report(
    chain: Sequence[Path], *, job_name: str, default_journal: Path, verify: Path | None
) -> Report:
    """``chain``: a results file and its reruns, in order; the last holds every row's
    latest outcome."""
    # Only the last file's tally is kept whole; of the earlier ones, their row counts.
    final = sources.read_results(chain[-1])
    heights = [sources.read_results(path).rows for path in chain[:-1]] + [final.rows]
    for path, height in zip(chain, heights, strict=True):
        if height != final.rows:
            raise InputError(
                _("{path} has {rows} rows and {last} has {last_rows}: not one rerun chain").format(
                    path=path,
                    rows=format_number(height),
                    last=chain[-1],
                    last_rows=format_number(final.rows),
                ),
                hint=_("pass a results file and the reruns made from it, in order"),
            )
    files = [sources.run_files(path, default_journal) for path in chain]
    verify_tally = sources.read_verify(verify) if verify is not None else None
    summaries = [run.summary for run in files if run.summary is not None]
    return Report(
        job=job_name,
        generated_at=f"{day_and_minute(datetime.now(UTC))} UTC",
        rows=final.rows,
        statuses=figures.status_counts(final.counts),
        funnel=figures.funnel(final, verify_tally),
        outcomes=figures.outcomes(final),
        invalid=figures.invalid_reasons(final),
        throughput=timeline.throughput(final.sent_seconds, summaries),
        throttled=sum(int(s.get("throttled") or 0) for s in summaries) if summaries else None,
        runs=[_run_facts(run, height) for run, height in zip(files, heights, strict=True)],
        verify=None if verify is None or verify_tally is None else _verify(verify, verify_tally),
    )


def _run_facts(run: sources.RunFiles, rows: int) -> RunFacts:
    summary: dict[str, Any] = run.summary or {}
    journal = run.journal
    return RunFacts(
        results=str(run.results),
        run_id=str(summary.get("run_id", "")),
        input_digest=journal.input_digest if journal else "",
        started_at=journal.started_at if journal else "",
        finished_at=journal.finished_at if journal else "",
        state=journal.state if journal else "",
        budget=str(summary.get("budget", "")),
        elapsed_s=_float(summary.get("elapsed_s")),
        calls=_int(summary.get("calls")),
        calls_by_operation={
            str(name): int(count)
            for name, count in (summary.get("calls_by_operation") or {}).items()
        },
        throttled=_int(summary.get("throttled")),
        exit_code=_int(summary.get("exit_code")),
        operator=str(summary.get("operator") or ""),
        approved_by=str(summary.get("approved_by") or ""),
        rows=rows,
    )


def _verify(path: Path, verify: VerifyTally) -> VerifyFacts:
    summary: dict[str, Any] = sources.read_summary(path) or {}
    return VerifyFacts(
        path=str(path),
        checked=verify.rows,
        counts=figures.verify_counts(verify),
        calls=_int(summary.get("calls")),
        throttled=_int(summary.get("throttled")),
        elapsed_s=_float(summary.get("elapsed_s")),
        exit_code=_int(summary.get("exit_code")),
    )


def _int(value: object) -> int | None:
    """A count from a summary; None when absent or not a number (an older summary)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
