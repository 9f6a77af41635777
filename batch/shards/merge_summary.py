"""The merged summary: the shards' summaries added up, and each one listed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from batch.i18n import _, format_number, ngettext
from batch.output.run_summary import write_counts
from batch.shards.merge_checks import ShardRun

#: What the merged summary keeps of each shard's.
SHARD_FIELDS = (
    "run_id",
    "rows",
    "counts",
    "calls",
    "elapsed_s",
    "budget",
    "exit_code",
    "operator",
    "approved_by",
)


@dataclass
class MergeReport:
    job: str
    output: str
    shards: int
    rows: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    calls: int = 0
    throttled: int = 0
    calls_by_operation: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0  # the longest shard's: shards run side by side
    budget: str = ""
    interrupted: bool = False  # a merge refuses unfinished shards: always False
    exit_code: int = 0  # the worst shard's
    operator: str = ""  # the shards' operators ("Bruno"; "Bruno; Carla" when they differ)
    approved_by: str = ""  # the shards' approvers, the same way
    target: str = ""  # the identity of the target every shard sent to
    per_shard: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, job: str, output: Path, runs: Sequence[ShardRun]) -> MergeReport:
        counts: Counter[str] = Counter()
        operations: Counter[str] = Counter()
        report = cls(job=job, output=str(output), shards=len(runs))
        for run in runs:
            summary = run.summary
            counts.update(summary.get("counts") or {})
            operations.update(summary.get("calls_by_operation") or {})
            report.rows += int(summary.get("rows") or 0)
            report.calls += int(summary.get("calls") or 0)
            report.throttled += int(summary.get("throttled") or 0)
            report.elapsed_s = max(report.elapsed_s, float(summary.get("elapsed_s") or 0.0))
            report.exit_code = max(report.exit_code, int(summary.get("exit_code") or 0))
            shard = {"shard": run.shard.label, "results": str(run.results)}
            report.per_shard.append(shard | {name: summary.get(name) for name in SHARD_FIELDS})
        report.counts = dict(counts)
        report.calls_by_operation = dict(operations)
        report.operator = _names(shard["operator"] for shard in report.per_shard)
        report.approved_by = _names(shard["approved_by"] for shard in report.per_shard)
        budgets = {str(shard["budget"]) for shard in report.per_shard}
        report.budget = budgets.pop() if len(budgets) == 1 else "; ".join(sorted(budgets))
        return report

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def print(self, out: TextIO) -> None:
        merged = _("io-batch: job {job}, {shards} shards merged")
        out.write("\n" + merged.format(job=self.job, shards=self.shards) + "\n")
        write_counts(out, self.counts, self.rows)
        out.write(
            _("{calls} API calls in all, each shard's budget {budget}").format(
                calls=format_number(self.calls), budget=self.budget
            )
            + "\n"
        )
        for shard in self.per_shard:
            rows = int(shard["rows"] or 0)
            line = ngettext(
                "shard {shard}: {rows} rows, {calls} calls, exit {exit_code} ({results})",
                "shard {shard}: {rows} rows, {calls} calls, exit {exit_code} ({results})",
                rows,
            )
            out.write(
                "  "
                + line.format(
                    shard=shard["shard"],
                    rows=format_number(rows),
                    calls=format_number(int(shard["calls"] or 0)),
                    exit_code=shard["exit_code"],
                    results=shard["results"],
                )
                + "\n"
            )
        out.write(_("results: {path}").format(path=self.output) + "\n")
        if self.target:
            out.write(_("target: {target}").format(target=self.target) + "\n")


def _names(values: Iterable[object]) -> str:
    """The distinct names the shards' summaries give, in order ("" for none)."""
    return "; ".join(sorted({str(value) for value in values if value}))
