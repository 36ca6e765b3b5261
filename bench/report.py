"""Benchmark figures: a measurement, its same-run baseline, the ratio and the target it meets."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

# "at_most": value / baseline must not exceed the target (costs: seconds, milliseconds).
# "at_least": value / baseline must reach the target (rates: requests or deliveries per second).
Direction = Literal["at_most", "at_least"]


@dataclass(frozen=True)
class Figure:
    """One measured figure beside its baseline; `ratio` is value / baseline."""

    name: str
    cases: int
    value: float
    unit: str
    baseline_name: str
    baseline_value: float
    direction: Direction
    target: float | None
    note: str = ""

    @property
    def ratio(self) -> float:
        """The figure divided by its baseline (inf when the baseline is zero)."""
        return self.value / self.baseline_value if self.baseline_value else float("inf")

    @property
    def met(self) -> bool | None:
        """Whether the ratio meets its target; None when the figure has no target."""
        if self.target is None:
            return None
        if self.direction == "at_most":
            return self.ratio <= self.target
        return self.ratio >= self.target

    def as_dict(self) -> dict[str, object]:
        """The figure as plain JSON-ready data, ratio and verdict included."""
        data: dict[str, object] = asdict(self)
        data["ratio"] = round(self.ratio, 3)
        data["met"] = self.met
        return data


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def render_table(figures: Sequence[Figure]) -> str:
    """A fixed-width text table of figures, one line each, with the target verdict."""
    header = ("figure", "cases", "value", "baseline", "base value", "ratio", "target", "met")
    rows = [header]
    for figure in figures:
        sign = "<=" if figure.direction == "at_most" else ">="
        target = "" if figure.target is None else f"{sign} {figure.target:g}"
        verdict = {True: "yes", False: "NO", None: "-"}[figure.met]
        rows.append(
            (
                figure.name,
                f"{figure.cases:,}",
                f"{_number(figure.value)} {figure.unit}",
                figure.baseline_name,
                f"{_number(figure.baseline_value)} {figure.unit}",
                f"{figure.ratio:.2f}",
                target,
                verdict,
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def render_json(figures: Sequence[Figure], meta: dict[str, object]) -> str:
    """The figures and the run's facts (machine, sizes, seed) as one JSON document."""
    return json.dumps({"meta": meta, "figures": [f.as_dict() for f in figures]}, indent=2)
