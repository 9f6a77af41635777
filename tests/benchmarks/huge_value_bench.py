"""Peak memory of ``validate`` and ``send`` over a 4-row file with one huge value.

A value longer than anything IO accepts can never be sent; it must be refused early,
without the whole value being copied from stage to stage. Target (BENCHMARKS.md): peak RSS
<= 500 MB whatever the input, here with one 50 MB value (the CronJob example limits the
container to 512 Mi). Each run is its own process, measured with ``os.wait4``
(``ru_maxrss``); the sandbox runs apart, so its memory is not counted.
"""

from __future__ import annotations

import csv
from pathlib import Path

from .figures import Figure, Target
from .harness import HEADER, io_batch, quiet_env, recipient_rows, run_measured, sandbox, write_job
from .sizes import Sizes

PEAK_TARGET_MB = 500


def write_huge_value_file(path: Path, megabytes: int) -> Path:
    """Four valid rows; the second one's name is ``megabytes`` MB long."""
    rows = [list(row) for row in recipient_rows(4, seed=50)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerow(rows[0])
        handle.write(";".join(rows[1]).replace(rows[1][1], "x" * (megabytes << 20), 1) + "\n")
        writer.writerows(rows[2:])
    return path


def huge_value_figures(folder: Path, sizes: Sizes) -> list[Figure]:
    work = folder / "huge-value"
    work.mkdir()
    source = write_huge_value_file(work / "huge.csv", sizes.huge_value_mb)
    peaks: dict[str, list[float]] = {"validate": [], "send": []}
    with sandbox(work) as box:
        for run in range(sizes.huge_value_runs):
            for command in ("validate", "send"):
                box.reset()
                scratch = work / f"{command}-{run}"
                scratch.mkdir()
                job = write_job(scratch, base_url=box.base_url, input_path=source)
                log = scratch / "log.jsonl"
                measured = run_measured(
                    io_batch(command, str(job)), timeout=300, stdout=log, env=quiet_env()
                )
                if measured.returncode != 1:  # 1: the huge row is invalid, the others fine
                    tail = log.read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"{command} exited {measured.returncode}: {tail}")
                peaks[command].append(measured.peak_rss_mb)
    target = Target("<=", PEAK_TARGET_MB, "worst")
    return [
        Figure(
            f"peak RSS, 4 rows with one {sizes.huge_value_mb} MB value: {command}",
            tuple(values),
            "MB",
            0,
            target,
        )
        for command, values in peaks.items()
    ]


def main() -> None:
    """``python -m tests.benchmarks.huge_value_bench [--mb 50] [--runs 1]``: these figures alone."""
    import argparse  # noqa: PLC0415
    import tempfile  # noqa: PLC0415
    from dataclasses import replace  # noqa: PLC0415

    from .figures import markdown_table  # noqa: PLC0415
    from .sizes import FULL  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=FULL.huge_value_mb)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    sizes = replace(FULL, huge_value_mb=args.mb, huge_value_runs=args.runs)
    with tempfile.TemporaryDirectory(prefix="io-batch-bench-") as folder:
        print(markdown_table(huge_value_figures(Path(folder), sizes)), end="")


if __name__ == "__main__":
    main()
