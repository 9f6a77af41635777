"""Peak RSS and wall time of ``io-batch report`` over a large results file.

``python -m tests.benchmarks.report_bench --rows 1000000 --rows 3000000 [--runs 3]``

The results file is synthetic (written by polars in seconds, not sent through the
sandbox): statuses, reason codes, send times over an afternoon and input columns in
the proportions of a real campaign. Each report runs in its own process, measured with
``os.wait4`` (``ru_maxrss``, the process and the children it waited for). The file is
written by another process than this one: Linux keeps a process's peak across ``exec``,
so a report started from a parent that had just built a million rows in memory would be
charged the parent's peak. Target
(issue 26 point 9): at most 300 MB whatever the rows, so that ``[output] report = true``
fits beside the send in the container's 512 Mi.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl

from batch.output.results_layout import results_header

from .harness import PYTHON, REPO, io_batch, quiet_env, run_measured

PEAK_TARGET_MB = 300
#: status -> (share of the rows, reason code, reason)
MIX = {
    "sent": (0.78, "submit.accepted", ""),
    "already_sent": (0.05, "row.already_sent", "sent by run 20261201T010000Z-abcdef (line 7)"),
    "not_registered": (0.09, "profile.not_found", "no IO profile for this fiscal code"),
    "not_allowed": (0.02, "profile.blocked", "the citizen blocked this service"),
    "invalid": (0.03, "row.invalid_fiscal_code", "fiscal code RSSMRA85T10A562X is not valid"),
    "failed": (0.02, "submit.server_error", "IO answered 503 three times"),
    "unknown": (0.01, "submit.timeout", "no answer within 30 s: check before resending"),
}
JOB = """
[job]
name = "bench"
[input]
path = "input.csv"
[output]
path = "results.csv"
[columns]
fiscal_code = "codice_fiscale"
[message]
subject = "Avviso per {nome}: scadenza"
markdown = "Gentile {nome}, questo è un messaggio di prova inviato da io-batch per il report."
[target]
kind = "sandbox"
"""


def write_results(path: Path, rows: int, seed: int = 26) -> Path:
    """``rows`` rows of a results file as a run writes it (line order, input columns)."""
    frame = pl.DataFrame({"n": pl.int_range(0, rows, eager=True)})
    draw = pl.Series("u", pl.int_range(0, rows, eager=True)).hash(seed) % 10_000 / 10_000
    frame = frame.with_columns(draw.alias("u"))
    status = pl.lit("sent")
    code, reason = pl.lit("submit.accepted"), pl.lit("")
    low = 0.0
    for name, (share, reason_code, text) in MIX.items():
        hit = (pl.col("u") >= low) & (pl.col("u") < low + share)
        status = pl.when(hit).then(pl.lit(name)).otherwise(status)
        code = pl.when(hit).then(pl.lit(reason_code)).otherwise(code)
        reason = pl.when(hit).then(pl.lit(text)).otherwise(reason)
        low += share
    sent = status == "sent"
    seconds = (pl.col("n") * 4 // 1000).cast(pl.Int64)  # ~250 messages a second
    sent_at = (
        pl.lit("2026-12-01T14:00:00").str.to_datetime(time_zone="UTC")
        + pl.duration(seconds=seconds, milliseconds=pl.col("n") % 1000)
    ).dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
    code16 = pl.format("RSSMRA{}T10A{}S", pl.col("n") % 100, pl.col("n") % 1000).str.pad_end(
        16, "X"
    )
    columns = results_header(["codice_fiscale", "nome"])
    results = frame.select(
        (pl.col("n") + 2).cast(pl.String).alias(columns[0]),
        code16.alias(columns[1]),
        status.alias(columns[2]),
        code.alias(columns[3]),
        reason.alias(columns[4]),
        pl.when(sent)
        .then(pl.format("01JE{}", pl.col("n")))
        .otherwise(pl.lit(""))
        .alias(columns[5]),
        pl.when(sent).then(pl.lit("201")).otherwise(pl.lit("")).alias(columns[6]),
        pl.lit("1").alias(columns[7]),
        pl.when(sent).then(sent_at).otherwise(pl.lit("")).alias(columns[8]),
        pl.lit("20261201T140000Z-b26b26").alias(columns[9]),
        pl.lit("it").alias(columns[10]),
        code16.alias(columns[11]),
        pl.format("Nome{}", pl.col("n") % 997).alias(columns[12]),
    )
    results.write_csv(path)
    return path


def measure(rows: int, runs: int, folder: Path) -> tuple[list[float], list[float]]:
    work = folder / f"rows-{rows}"
    work.mkdir()
    results = work / "results.csv"
    subprocess.run(
        [
            PYTHON,
            "-m",
            "tests.benchmarks.report_bench",
            "--write",
            str(results),
            "--rows",
            str(rows),
        ],
        cwd=REPO,
        check=True,
        timeout=600,
    )
    job = work / "job.toml"
    job.write_text(JOB, encoding="utf-8")
    peaks, walls = [], []
    for run in range(runs):
        log = work / f"report-{run}.log"
        measured = run_measured(
            io_batch("report", str(results), "--job", str(job)),
            timeout=1800,
            stdout=log,
            env=quiet_env(),
        )
        if measured.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"report of {rows} rows exited {measured.returncode}: {tail}")
        peaks.append(measured.peak_rss_mb)
        walls.append(measured.wall)
    return peaks, walls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, action="append", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", type=Path, help="only write a results file of --rows rows")
    args = parser.parse_args(argv)
    if args.write is not None:
        write_results(args.write, args.rows[0])
        return 0
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="report-bench-") as scratch:
        print("| rows | peak RSS MB (median, max) | wall s (median) |")
        print("| ---: | ---: | ---: |")
        for rows in args.rows:
            peaks, walls = measure(rows, args.runs, Path(scratch))
            worst = max(worst, *peaks)
            print(
                f"| {rows:,} | {statistics.median(peaks):.0f}, {max(peaks):.0f} | "
                f"{statistics.median(walls):.1f} |",
                flush=True,
            )
    print(
        f"target: peak RSS <= {PEAK_TARGET_MB} MB: {'met' if worst <= PEAK_TARGET_MB else 'MISSED'}"
    )
    return 0 if worst <= PEAK_TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
