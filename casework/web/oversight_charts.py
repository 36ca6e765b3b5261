"""Geometry of the oversight charts: horizontal bar charts drawn as SVG by the template.

Charts are computed here (pure) and rendered with SVG presentation attributes only, since the
CSP forbids inline styles and scripts. Each chart carries the data table shown beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

LABEL_WIDTH = 220
BAR_AREA = 360
BAR_HEIGHT = 18
GAP = 8
TOP = 10


@dataclass(frozen=True)
class Bar:
    """One bar: its label, published value (None when withheld) and geometry."""

    label: str
    value: int | None
    y: int
    width: int

    @property
    def text(self) -> str:
        """The figure as printed: the value or the withheld symbol."""
        return "[c]" if self.value is None else str(self.value)


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart with its accessible title, description and unit."""

    key: str
    title: str
    description: str
    unit: str
    bars: tuple[Bar, ...]

    @property
    def height(self) -> int:
        """Height of the drawing."""
        return TOP * 2 + len(self.bars) * (BAR_HEIGHT + GAP)

    @property
    def width(self) -> int:
        """Width of the drawing."""
        return LABEL_WIDTH + BAR_AREA + 60

    @property
    def label_width(self) -> int:
        """Where the bars start."""
        return LABEL_WIDTH


def bar_chart(
    key: str, title: str, description: str, unit: str, figures: Sequence[tuple[str, int | None]]
) -> Chart:
    """Scale figures to bars; withheld figures get no bar, only the symbol."""
    largest = max((value for _, value in figures if value is not None), default=0) or 1
    bars = tuple(
        Bar(
            label=label,
            value=value,
            y=TOP + index * (BAR_HEIGHT + GAP),
            width=0 if value is None else round(BAR_AREA * value / largest),
        )
        for index, (label, value) in enumerate(figures)
    )
    return Chart(key, title, description, unit, bars)


def release_charts(tables: Mapping[str, Mapping[str, Any]]) -> list[Chart]:
    """Time in stage, compliance over time and outcomes, from a release's published tables."""
    charts: list[Chart] = []
    medians = tables.get("stage_median_weeks")
    if medians is not None:
        whole = len(medians["columns"]["labels"]) - 1
        charts.append(
            bar_chart(
                "time-in-stage",
                "Time in stage",
                "Median weeks to complete each stage over the whole period.",
                "weeks",
                [
                    (stage, row[whole]["value"])
                    for stage, row in zip(medians["rows"]["labels"], medians["cells"], strict=True)
                ],
            )
        )
    shares = tables.get("stage_within_target_percent")
    if shares is not None:
        figures = [
            (f"{stage}, {period}", cell["value"])
            for stage, row in zip(shares["rows"]["labels"], shares["cells"], strict=True)
            for period, cell in zip(shares["columns"]["labels"], row, strict=True)
        ]
        charts.append(
            bar_chart(
                "compliance",
                "Compliance with the guidance over time",
                "Percentage of stages completed within the guidance target, by stage and period.",
                "%",
                figures,
            )
        )
    outcomes = tables.get("outcomes")
    if outcomes is not None:
        charts.append(
            bar_chart(
                "outcomes",
                "Outcomes",
                "Cases closed in the period by outcome, rounded to a multiple of 5.",
                "cases",
                [
                    (label, cell["value"])
                    for label, cell in zip(
                        outcomes["columns"]["labels"], outcomes["column_totals"], strict=True
                    )
                ],
            )
        )
    return charts
