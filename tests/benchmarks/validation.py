"""The dry run's speed and memory, through ``validate_bench`` (its generator and its runs).

``validate_bench.run(path)`` runs ``dryrun.run_validate`` in a fresh process and returns
its rows, elapsed seconds and peak RSS (the kernel's ``ru_maxrss`` of that process).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from . import validate_bench
from .figures import Figure, Target
from .sizes import Sizes

RATE_TARGET = 1_000_000  # rows per second on the first size
PEAK_TARGET_MB = 500  # on the largest size
FLAT_TARGET = 1.1  # largest size's peak / the middle size's


def validation_figures(folder: Path, sizes: Sizes) -> list[Figure]:
    small, middle, large = sizes.validation_rows
    results: dict[int, list[dict[str, float]]] = {}
    for rows in sizes.validation_rows:
        with tempfile.TemporaryDirectory(dir=folder) as scratch:
            path = Path(scratch) / f"recipients-{rows}.csv"
            validate_bench.generate(path, rows)
            results[rows] = [validate_bench.run(path) for _ in range(sizes.validation_runs)]
            for run in results[rows]:
                if run["rows"] != rows:
                    raise RuntimeError(f"the dry run saw {run['rows']} of {rows} rows")

    def peaks(rows: int) -> tuple[float, ...]:
        return tuple(run["peak_rss_mb"] for run in results[rows])

    figures = [
        Figure(
            f"dry run speed, {small:,} rows",
            tuple(run["rows"] / run["elapsed"] for run in results[small]),
            "rows/s",
            0,
            Target(">=", RATE_TARGET),
        )
    ]
    for rows in sizes.validation_rows:
        target = Target("<=", PEAK_TARGET_MB, "worst") if rows == large else None
        figures.append(Figure(f"dry run peak RSS, {rows:,} rows", peaks(rows), "MB", 0, target))
    figures.append(
        Figure(
            f"dry run peak RSS, {large:,} / {middle:,} rows",
            tuple(a / b for a, b in zip(peaks(large), peaks(middle), strict=True)),
            "x",
            3,
            Target("<=", FLAT_TARGET),
        )
    )
    return figures
