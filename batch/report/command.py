"""``io-batch report``: one HTML file from a campaign's results (and its reruns)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from batch.common import logs
from batch.common.files import write_atomically
from batch.common.writable import Destination, check_writable
from batch.config.job import Job, load_job
from batch.config.state_dir import journal_location
from batch.errors import ConfigError, ExitCode
from batch.i18n import _
from batch.report import page, sources
from batch.report.build import build_report


@dataclass(frozen=True, slots=True)
class ReportCommand:
    """``io-batch report RESULTS... --job JOB``'s options."""

    results: tuple[Path, ...]
    job: Path
    verify: Path | None = None  # --verify: a verification CSV
    output: Path | None = None  # --output (default: beside the last results file)
    chain: bool = False  # --chain: follow the default rerun names from the first file


def run_report(command: ReportCommand) -> int:
    job = load_job(command.job)
    chain: list[Path] = list(command.results)
    if command.chain:
        chain = [*chain[:-1], *sources.follow_chain(chain[-1])]
    output = command.output or default_output(chain[-1])
    if any(output.resolve() == path.resolve() for path in [*chain, command.verify] if path):
        raise ConfigError(_("--output must not be one of the files being reported"))
    written = write_report(job, chain, verify=command.verify, output=output)
    print(_("io-batch: report {path}").format(path=written))
    return ExitCode.OK


def default_output(results: Path) -> Path:
    """``<results stem>.report.html`` beside the (last) results file."""
    return results.with_name(f"{results.stem}.report.html")


def write_report(
    job: Job, chain: Sequence[Path], *, verify: Path | None = None, output: Path | None = None
) -> Path:
    """Build and write the report (owner-only, atomically); returns where."""
    output = output or default_output(chain[-1])
    check_writable([Destination(output, "report", "--output")])
    report = build_report(
        chain,
        job_name=job.name,
        default_journal=_journal_or_none(job),
        verify=verify,
    )
    html = page.render(report)

    def write(handle: IO[str]) -> None:
        handle.write(html)

    write_atomically(output, write)
    logs.get_logger().info("report.written", path=str(output), rows=report.rows)
    return output


def _journal_or_none(job: Job) -> Path:
    """The job's journal, for runs whose summary does not name it."""
    try:
        return journal_location(job).path
    except ConfigError:  # an old journal elsewhere: the summaries name theirs anyway
        return Path("/nonexistent")
