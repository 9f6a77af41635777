"""Benchmark of the dry run of a workbook: rows per second and peak memory.

    .venv/bin/python tests/benchmarks/workbook_bench.py                  # 1M rows
    .venv/bin/python tests/benchmarks/workbook_bench.py --rows 100000 --repeat 1
    .venv/bin/python tests/benchmarks/workbook_bench.py --keep /tmp/bench.xlsx

It turns ``validate_bench``'s realistic recipients (Italian names, 0.5% typos, 0.1%
repeated rows) into an ``.xlsx`` written by openpyxl (a dev-only dependency) the way an
office's sheet holds them: text fiscal codes, names and notice numbers, the amount and
the year as number cells, the due date as a date cell. Then it times
``dryrun.run_validate`` on it in a fresh process, as ``validate_bench`` does for a CSV,
reading the child's peak RSS from ``RUSAGE_CHILDREN``.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import tempfile
import time
from pathlib import Path

import polars as pl

from tests.benchmarks.validate_bench import generate, run


def write_workbook(csv: Path, target: Path) -> None:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs (median reported)")
    parser.add_argument("--keep", type=Path, help="write the workbook here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="io-batch-xlsx-bench-") as folder:
        path = args.keep or Path(folder) / f"recipients-{args.rows}.xlsx"
        if not path.exists():
            csv = Path(folder) / "recipients.csv"
            started = time.perf_counter()
            generate(csv, args.rows)
            write_workbook(csv, path)
            took = time.perf_counter() - started
            print(f"{args.rows:,} rows: wrote {path.stat().st_size / 1e6:,.0f} MB in {took:.0f} s")
        runs = [run(path) for _ in range(args.repeat)]
        rates = [r["rows"] / r["elapsed"] for r in runs]
        peaks = [r["peak_rss_mb"] for r in runs]
        print(
            f"  rows/s: median {statistics.median(rates):,.0f} "
            f"(runs: {', '.join(f'{rate:,.0f}' for rate in rates)}); "
            f"peak RSS: max {max(peaks):,.0f} MB (runs: {', '.join(f'{p:,.0f}' for p in peaks)}); "
            f"rows {runs[0]['rows']:,}, invalid {runs[0]['invalid']:,}, "
            f"duplicates {runs[0]['duplicates']:,}"
        )


if __name__ == "__main__":
    main()
