"""The campaign reports a run asks for (``[output] report = true``), made once the
command has returned.

``send`` and ``verify`` come before ``report`` in the pipeline, so they do not make it
themselves: each run that ends with its files written says which files the report is
over, and the app layer (``cli.main``, through ``report.hook``) makes the reports when
the command returns, or when it ends with a job-level error after some runs finished
(the shards of a sharded send run one after the other: each finished shard has its
report, as before).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class ReportRequest:
    job_file: Path
    results: Path
    verify: Path | None = None  # the verification file, after a verify


# One process runs one command: the requests of its runs, in the order they ended.
_requested: list[ReportRequest] = []


def request_report(request: ReportRequest) -> None:
    _requested.append(request)


def take_requested() -> list[ReportRequest]:
    """The requests so far, in order; they are forgotten here (each report made once)."""
    taken = list(_requested)
    _requested.clear()
    return taken
