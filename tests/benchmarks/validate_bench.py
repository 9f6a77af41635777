"""Benchmark of the dry-run validation core: rows per second and peak memory.

    .venv/bin/python -m tests.benchmarks.validate_bench                 # 1M, 5M, 10M rows
    .venv/bin/python -m tests.benchmarks.validate_bench --rows 1000000 --repeat 3

For each size it generates (seeded, vectorised) a realistic recipient CSV in a temporary
folder: Italian names with accents, euro amounts written the Italian way, one due date,
18-digit notice numbers with leading zeros, about 0.5% of rows with a typo in the fiscal
code and 0.1% repeated. Each run of ``dryrun.run_validate`` happens in a fresh process,
started by ``alone`` (a bare launcher that reads the run's own peak RSS with
``os.wait4``), so the figure is the run's memory, not this process's.

Targets (BENCHMARKS.md): >= 1,000,000 rows/s on 1M rows; peak RSS <= 500 MB at 10M rows
and flat (10M <= 1.1 x 5M).

Measured on the 2-core workplace machine (2026-11-23, shared with other sessions, so
rates move with their load): 1M rows 693k-756k rows/s (median of 3 in two series),
peak 354-364 MB; 5M 523k-781k rows/s, 412-416 MB; 10M 527k-749k rows/s, 417-442 MB
(10M / 5M <= 1.06). Memory meets the targets; the rate does not reach 1M rows/s.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from batch.config.job import Job, parse_job
from batch.identifiers import fiscal_code

NAMES = ["Mario", "Giulia", "Luca", "Francesca", "Niccolò", "Chiara", "Nicolò", "Sara", "Anna"]
MARKDOWN = """Gentile {nome},

ti ricordiamo che la rata della **TARI {anno}** di {importo} euro scade il {scadenza}.

Puoi pagarla direttamente in app con pagoPA, usando il codice avviso qui sotto.

*Comune di Esempio - Ufficio Tributi*
"""


def bench_job(path: Path) -> Job:
    return parse_job(
        {
            "input": {"path": str(path)},
            "output": {"path": str(path.with_name("results.csv"))},
            "columns": {
                "fiscal_code": "codice_fiscale",
                "due_date": "scadenza",
                "amount": "importo",
                "notice_number": "codice_avviso",
            },
            "message": {
                "subject": "TARI {anno}: rata in scadenza il {scadenza}",
                "markdown": MARKDOWN,
                "amount_unit": "euro",
            },
            "target": {"kind": "sandbox"},
        },
        source=path.with_name("job.toml"),
    )


def _sample(values: list[str], rows: int, seed: int) -> pl.Series:
    return pl.Series(values).sample(rows, with_replacement=True, seed=seed)


def _check_characters(first15: pl.Series) -> pl.Series:
    """Check characters, vectorised (the same tables as ``fiscal_code.check_character``)."""
    even = {str(d): d for d in range(10)} | {chr(65 + i): i for i in range(26)}
    odd = {char: fiscal_code.ODD_VALUES[value] for char, value in even.items()}
    total = pl.repeat(0, first15.len(), dtype=pl.Int64, eager=True)
    for index in range(15):
        chars = first15.str.slice(index, 1)
        table = odd if index % 2 == 0 else even
        total = total + chars.replace_strict(table, return_dtype=pl.Int64)
    letters = {value: chr(65 + value) for value in range(26)}
    return (total % 26).replace_strict(letters, return_dtype=pl.String)


def generate(path: Path, rows: int, seed: int = 2026) -> None:
    """A realistic CSV of ``rows`` rows, written in chunks (memory stays small)."""
    letters = [chr(c) for c in range(65, 91)]
    digits = [str(d) for d in range(10)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("codice_fiscale;nome;anno;importo;scadenza;codice_avviso\n")
        chunk = 1_000_000
        for start in range(0, rows, chunk):
            size = min(chunk, rows - start)
            part = seed + start
            parts = [_sample(letters, size, part + k) for k in range(6)]
            parts += [_sample(digits, size, part + 6), _sample(digits, size, part + 7)]
            parts += [_sample(list("ABCDEHLMPRST"), size, part + 8)]
            parts += [
                _sample([f"{d:02d}" for d in range(1, 72) if d <= 31 or d > 40], size, part + 9)
            ]
            parts += [_sample(list("ABCDEFGHILMZ"), size, part + 10)]
            parts += [_sample([f"{n:03d}" for n in range(1, 1000)], size, part + 11)]
            first15 = pl.concat_str(parts)
            codes = first15 + _check_characters(first15)
            typo = pl.int_range(size, eager=True) % 200 == 7  # 0.5%: a wrong check character
            codes = pl.select(
                pl.when(pl.lit(typo)).then(first15 + pl.lit("Z")).otherwise(codes)
            ).to_series()
            euros = pl.int_range(size, eager=True).shuffle(seed=part + 12) % 900 + 40
            cents = pl.int_range(size, eager=True).shuffle(seed=part + 13) % 100
            notice = pl.int_range(size, eager=True).shuffle(seed=part + 14) * 7919 % 10**17
            frame = pl.DataFrame(
                {
                    "codice_fiscale": codes,
                    "nome": _sample(NAMES, size, part + 15),
                    "anno": pl.repeat("2026", size, eager=True),
                    "importo": euros.cast(pl.String) + "," + cents.cast(pl.String).str.zfill(2),
                    "scadenza": pl.repeat("16/12/2026", size, eager=True),
                    "codice_avviso": "3" + notice.cast(pl.String).str.zfill(17),
                }
            )
            repeated = frame.filter(pl.int_range(size) % 1000 == 3)  # 0.1%: duplicates
            frame = pl.concat([frame.head(size - repeated.height), repeated])
            buffer = io.StringIO()
            frame.write_csv(buffer, separator=";", include_header=False, line_terminator="\n")
            handle.write(buffer.getvalue())


def child(path: Path) -> None:
    """One run of the dry-run core; prints its figures as JSON."""
    from batch.dryrun.run import run_validate  # noqa: PLC0415 (timed without import cost)

    job = bench_job(path)
    with path.with_name("out.txt").open("w", encoding="utf-8") as out:
        started = time.perf_counter()
        summary = run_validate(job, report_path=path.with_name("errors.csv"), out=out)
        elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "rows": summary.rows,
                "invalid": summary.invalid,
                "duplicates": summary.duplicates,
                "elapsed": elapsed,
            }
        )
    )


def run(path: Path, code: Path | None = None) -> dict[str, float]:
    """One run of ``child`` in a process of its own, started by ``alone`` (so the peak RSS
    is the run's own, not the caller's): its figures, its peak RSS and its CPU seconds.
    ``code``: another checkout whose io-batch to run (an archive of main, for "before")."""
    from .harness import REPO, run_measured  # noqa: PLC0415 - the bench's own light imports first

    out = path.with_name("child-out.txt")
    measured = run_measured(
        [sys.executable, "-m", "tests.benchmarks.validate_bench", "--child", str(path)],
        timeout=1800,
        stdout=out,
        cwd=code or REPO,
    )
    text = out.read_text(encoding="utf-8", errors="replace")
    if measured.returncode != 0:
        raise RuntimeError(f"the dry run failed ({measured.returncode}): {text[-2000:]}")
    last = [line for line in text.splitlines() if line.startswith("{")][-1]
    figures: dict[str, float] = json.loads(last)
    figures["peak_rss_mb"] = measured.peak_rss_mb
    figures["cpu_s"] = measured.cpu
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size (median reported)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    with tempfile.TemporaryDirectory(prefix="io-batch-bench-") as folder:
        for rows in args.rows:
            path = Path(folder) / f"recipients-{rows}.csv"
            started = time.perf_counter()
            generate(path, rows)
            size_mb = path.stat().st_size / 1e6
            took = time.perf_counter() - started
            print(f"{rows:,} rows: generated {size_mb:,.0f} MB in {took:.1f} s")
            runs = [run(path) for _ in range(args.repeat)]
            rates = [r["rows"] / r["elapsed"] for r in runs]
            peaks = [r["peak_rss_mb"] for r in runs]
            rate_list = ", ".join(f"{rate:,.0f}" for rate in rates)
            peak_list = ", ".join(f"{peak:,.0f}" for peak in peaks)
            print(
                f"  rows/s: median {statistics.median(rates):,.0f} "
                f"(runs: {rate_list}); "
                f"peak RSS: max {max(peaks):,.0f} MB (runs: {peak_list}); "
                f"invalid {runs[0]['invalid']:,}, duplicates {runs[0]['duplicates']:,}"
            )
            path.unlink()


if __name__ == "__main__":
    main()
