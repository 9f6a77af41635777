"""A measured figure (every run's value, and its target) and the markdown table of them."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

COLUMNS = ("figure", "target", "median", "min", "max", "met?")


@dataclass(frozen=True)
class Target:
    """``op bound``, judged on the median of the runs, or on the worst run for a hard
    limit that must hold every time (a budget never exceeded, zero 429s)."""

    op: Literal[">=", "<="]
    bound: float
    judge: Literal["median", "worst"] = "median"

    def met(self, values: Sequence[float]) -> bool:
        if self.op == ">=":
            value = min(values) if self.judge == "worst" else statistics.median(values)
            return value >= self.bound
        value = max(values) if self.judge == "worst" else statistics.median(values)
        return value <= self.bound


@dataclass(frozen=True)
class Figure:
    name: str
    values: tuple[float, ...]  # one per run
    unit: str
    digits: int = 1
    target: Target | None = None
    target_text: str = ""  # how the target reads in the table (default: op bound unit)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def met(self) -> bool | None:
        return None if self.target is None else self.target.met(self.values)

    def cells(self) -> tuple[str, ...]:
        runs = len(self.values)
        name = f"{self.name} ({runs} run{'s' if runs != 1 else ''})"
        met = self.met()
        verdict = "—" if met is None else ("yes" if met else "**no**")
        if self.target is not None and self.target.judge == "worst" and met is not None:
            verdict += " (every run)"
        return (
            name,
            self._target_cell(),
            self._format(self.median),
            self._format(min(self.values)),
            self._format(max(self.values)),
            verdict,
        )

    def _target_cell(self) -> str:
        if self.target_text:
            return self.target_text
        if self.target is None:
            return "—"
        sign = "≥" if self.target.op == ">=" else "≤"
        return f"{sign} {self._format(self.target.bound)}"

    def _format(self, value: float) -> str:
        text = f"{value:,.{self.digits}f}"
        return f"{text} {self.unit}".strip()


def markdown_table(figures: Sequence[Figure]) -> str:
    lines = [
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join(["---", "---", "---:", "---:", "---:", "---"]) + "|",
    ]
    lines += ["| " + " | ".join(figure.cells()) + " |" for figure in figures]
    return "\n".join(lines) + "\n"
