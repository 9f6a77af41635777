"""Benchmark of ``validate`` on workbooks: rows per second, CPU and peak RSS, each run in
a process of its own, against the 500 MB target.

    .venv/bin/python -m tests.benchmarks.workbook_bench     # xlsx 200k and 1M, xls 65,535
    .venv/bin/python -m tests.benchmarks.workbook_bench --format xlsx --rows 200000
    .venv/bin/python -m tests.benchmarks.workbook_bench --keep /tmp/bench  # keep, reuse
    .venv/bin/python -m tests.benchmarks.workbook_bench --before /tmp/main  # and main's code

It turns ``validate_bench``'s realistic recipients (Italian names, 0.5% typos, 0.1%
repeated rows) into workbooks the way an office's sheet holds them: text fiscal codes,
names and notice numbers, the amount and the year as number cells, the due date as a
date cell. ``.xlsx``: written by openpyxl (a dev-only dependency; about 5 minutes for
1M rows). ``.xls`` (at most 65,536 rows, so 65,535 and the header): the same ``.xlsx``
saved again as "MS Excel 97" by LibreOffice headless (``soffice``), formats kept. Then it times
``dryrun.run_validate`` on each in a fresh process, as ``validate_bench`` does for a
CSV (the child's peak RSS and CPU seconds from ``os.wait4``), in turn with the same
rows as a CSV (the machine is shared: the ratio of the two rates, measured in the same
minutes, is what holds) and, with ``--before``, with another checkout's code (an
archive of main).
"""

from __future__ import annotations

import argparse
import datetime
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import polars as pl

from tests.benchmarks.validate_bench import generate, run

TARGET_MB = 500
XLS_ROWS = 65_535


def write_xlsx(csv: Path, target: Path) -> None:
    from openpyxl import Workbook  # noqa: PLC0415 - a dev-only writer

    frame = pl.read_csv(csv, separator=";", infer_schema=False)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Destinatari")
    sheet.append(frame.columns)
    due = datetime.datetime(2026, 12, 16)
    for code, name, year, amount, _due, notice in frame.iter_rows():
        euros = float(amount.replace(",", "."))
        sheet.append([code, name, int(year), euros, due, notice])
    book.save(target)


def resave(csv: Path, target: Path, filter_name: str) -> None:
    """The ``.xlsx`` of the rows, saved again by LibreOffice with ``filter_name``."""
    xlsx = csv.with_suffix(".xlsx")
    write_xlsx(csv, xlsx)
    out = csv.parent / "libreoffice"
    profile = Path(tempfile.mkdtemp(prefix="lo-workbook-bench-"))
    try:
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--convert-to",
                f"{target.suffix.lstrip('.')}:{filter_name}",
                "--outdir",
                str(out),
                str(xlsx),
            ],
            check=True,
            capture_output=True,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    (out / xlsx.with_suffix(target.suffix).name).replace(target)


def workbook(folder: Path, kind: str, rows: int) -> Path:
    suffix = "xlsx" if kind == "lo-xlsx" else kind
    path = folder / f"recipients-{rows}{'-libreoffice' if kind == 'lo-xlsx' else ''}.{suffix}"
    if path.exists():
        return path
    csv = folder / f"recipients-{rows}-{kind}.csv"
    started = time.perf_counter()
    generate(csv, rows)
    if kind == "xls":
        resave(csv, path, "MS Excel 97")
    elif kind == "lo-xlsx":
        resave(csv, path, "Calc MS Excel 2007 XML")
    else:
        write_xlsx(csv, path)
    took = time.perf_counter() - started
    print(f"{rows:,} rows: wrote {path.name}, {path.stat().st_size / 1e6:,.1f} MB in {took:.0f} s")
    return path


def _median(runs: list[dict[str, float]], key: str) -> float:
    if key == "rate":
        return statistics.median(r["rows"] / r["elapsed"] for r in runs)
    return statistics.median(r[key] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--format",
        nargs="+",
        choices=["xlsx", "lo-xlsx", "xls"],
        default=["xlsx", "lo-xlsx", "xls"],
        help="lo-xlsx: the .xlsx saved again by LibreOffice (shared strings, its styles)",
    )
    parser.add_argument("--rows", type=int, nargs="+", help="for .xlsx (default 200000 1000000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs (median reported)")
    parser.add_argument("--keep", type=Path, help="write the workbooks here, and reuse them")
    parser.add_argument(
        "--before",
        type=Path,
        help="a checkout of other code (an archive of main) run in turn with this one",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="io-batch-workbook-bench-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        cases = []
        for kind in args.format:
            sizes = [XLS_ROWS] if kind == "xls" else (args.rows or [200_000, 1_000_000])
            cases += [(kind, rows) for rows in sizes]
        print(
            "| format | rows | rows/s (median; runs) | CPU s | peak RSS (max) | CSV of the same "
            f"rows, same minutes: rows/s | ratio | before: rows/s; CPU s; peak RSS | "
            f"{TARGET_MB} MB |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for kind, rows in cases:
            path = workbook(folder, kind, rows)
            csv = folder / f"recipients-{rows}-{kind}.csv"
            if not csv.exists():
                generate(csv, rows)
            runs, csv_runs, before_runs = [], [], []
            for _ in range(args.repeat):  # in turn: the machine's load weighs on each alike
                runs.append(run(path))
                csv_runs.append(run(csv))
                if args.before:
                    before_runs.append(run(path, args.before))
            peaks = [r["peak_rss_mb"] for r in runs]
            verdict = "within" if max(peaks) <= TARGET_MB else "OVER"
            rate, csv_rate = _median(runs, "rate"), _median(csv_runs, "rate")
            before = "-"
            if before_runs:
                before = (
                    f"{_median(before_runs, 'rate'):,.0f}; {_median(before_runs, 'cpu_s'):.1f}; "
                    f"{max(r['peak_rss_mb'] for r in before_runs):,.0f} MB"
                )
            each = ", ".join(f"{r['rows'] / r['elapsed']:,.0f}" for r in runs)
            print(
                f"| {kind} | {runs[0]['rows']:,.0f} | {rate:,.0f} ({each}) | "
                f"{_median(runs, 'cpu_s'):.1f} | {max(peaks):,.0f} MB | {csv_rate:,.0f} | "
                f"{rate / csv_rate:.2f} | {before} | {verdict} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
