"""Peak memory and speed of ``validate`` over CSVs with many malformed lines (issue 25).

The inputs (the bench's columns, seeded): 300,000, 1M and 2M rows each a field short
(every line goes through the exact reader and becomes an invalid row with its reason),
and a 4-row file whose second row's name is one properly closed quoted value of 1M
lines. Target (BENCHMARKS.md): peak RSS <= 500 MB whatever the input, judged on the worst
run. Each ``io-batch validate`` is a process of its own, started by ``alone`` (so the
figure is that command's memory only); its speed is the data lines over the run's own
time as it prints it ("Checked N rows ... in T s": reading, checking and the error
report, without the interpreter's start-up), as for the dry-run figures.

    .venv/bin/python -m tests.benchmarks.malformed_bench [--runs 3] [--quick]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .figures import Figure, Target
from .harness import HEADER, io_batch, quiet_env, recipient_rows, run_measured, write_job
from .sizes import Sizes

PEAK_TARGET_MB = 500
#: validate's own time, as it prints it.
_ELAPSED = re.compile(r"^Checked [\d,]+ rows of .* in ([\d.]+) s ", re.MULTILINE)


@dataclass(frozen=True)
class Case:
    name: str  # how the figures name the input
    lines: int  # data lines: the speed's numerator
    unit: str  # rows/s, or lines/s for one value over many lines


def write_field_short(path: Path, rows: int) -> Path:
    """``rows`` recipient rows, each without its last field (5 fields, the header has 6)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(";".join(HEADER) + "\n")
        for row in recipient_rows(rows, seed=25):
            handle.write(";".join(row[:-1]) + "\n")
    return path


def write_long_value(path: Path, lines: int) -> Path:
    """Four rows; the second one's name is a quoted value over ``lines`` lines, closed."""
    rows = [list(row) for row in recipient_rows(4, seed=26)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(";".join(HEADER) + "\n")
        handle.write(";".join(rows[0]) + "\n")
        value = '"' + "riga della nota\n" * (lines - 1) + 'ultima riga"'
        handle.write(";".join([rows[1][0], value, *rows[1][2:]]) + "\n")
        for row in rows[2:]:
            handle.write(";".join(row) + "\n")
    return path


def _run(work: Path, source: Path, runs: int) -> tuple[list[float], list[float]]:
    """(peak RSS, seconds) of ``runs`` validate runs over ``source``."""
    peaks, seconds = [], []
    job = write_job(work, base_url="http://127.0.0.1:9", input_path=source)
    for run in range(runs):
        log = work / f"validate-{run}.log"
        measured = run_measured(
            io_batch("validate", str(job)), timeout=1800, stdout=log, env=quiet_env()
        )
        text = log.read_text(encoding="utf-8", errors="replace")
        elapsed = _ELAPSED.search(text)
        if measured.returncode != 1 or elapsed is None:  # 1: rows need attention
            raise RuntimeError(f"validate exited {measured.returncode}: {text[-2000:]}")
        peaks.append(measured.peak_rss_mb)
        seconds.append(float(elapsed.group(1)))
        (work / "results.errors.csv").unlink(missing_ok=True)  # up to ~1 GB at 2M rows
    return peaks, seconds


def malformed_figures(folder: Path, sizes: Sizes) -> list[Figure]:
    inputs: list[tuple[Case, Path]] = []
    root = folder / "malformed"
    root.mkdir()
    for rows in sizes.malformed_rows:
        work = root / f"short-{rows}"
        work.mkdir()
        case = Case(f"{rows:,} rows each a field short", rows, "rows/s")
        inputs.append((case, write_field_short(work / "in.csv", rows)))
    work = root / "long-value"
    work.mkdir()
    lines = sizes.malformed_value_lines
    case = Case(f"one quoted value of {lines:,} lines", lines + 3, "lines/s")
    inputs.append((case, write_long_value(work / "in.csv", lines)))
    figures = []
    target = Target("<=", PEAK_TARGET_MB, "worst")
    for case, source in inputs:
        peaks, seconds = _run(source.parent, source, sizes.malformed_runs)
        source.unlink()
        figures.append(Figure(f"validate peak RSS, {case.name}", tuple(peaks), "MB", 0, target))
        speeds = tuple(case.lines / elapsed for elapsed in seconds)
        figures.append(Figure(f"validate speed, {case.name}", speeds, case.unit, 0))
    return figures


def main() -> None:
    """These figures alone, in a table."""
    import argparse  # noqa: PLC0415
    import tempfile  # noqa: PLC0415
    from dataclasses import replace  # noqa: PLC0415

    from .figures import markdown_table  # noqa: PLC0415
    from .sizes import FULL, QUICK  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=FULL.malformed_runs)
    parser.add_argument("--quick", action="store_true", help="toy sizes, one run each")
    args = parser.parse_args()
    sizes = QUICK if args.quick else replace(FULL, malformed_runs=args.runs)
    with tempfile.TemporaryDirectory(prefix="io-batch-bench-") as folder:
        print(markdown_table(malformed_figures(Path(folder), sizes)), end="")


if __name__ == "__main__":
    main()
