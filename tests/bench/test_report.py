"""Benchmark figures: ratios, verdicts against targets, and the printed table and JSON."""

from __future__ import annotations

import json

from bench.report import Figure, render_json, render_table


def _figure(value: float, baseline: float, direction: str, target: float | None) -> Figure:
    return Figure("scan", 1000, value, "ms", "select", baseline, direction, target)  # type: ignore[arg-type]


def test_ratio_and_verdict_follow_the_direction() -> None:
    assert _figure(30, 20, "at_most", 2.0).ratio == 1.5
    assert _figure(30, 20, "at_most", 2.0).met is True
    assert _figure(50, 20, "at_most", 2.0).met is False
    assert _figure(8, 20, "at_least", 0.5).met is False
    assert _figure(12, 20, "at_least", 0.5).met is True
    assert _figure(12, 20, "at_least", None).met is None
    assert _figure(1, 0, "at_most", 2.0).met is False


def test_table_and_json_carry_every_figure_with_its_ratio() -> None:
    figures = [_figure(30, 20, "at_most", 2.0), _figure(50, 20, "at_most", 2.0)]
    table = render_table(figures)
    lines = table.splitlines()
    assert lines[0].split()[:2] == ["figure", "cases"]
    assert "1.50" in lines[2] and lines[2].rstrip().endswith("yes")
    assert "2.50" in lines[3] and lines[3].rstrip().endswith("NO")
    document = json.loads(render_json(figures, {"seed": 1}))
    assert document["meta"] == {"seed": 1}
    assert [f["ratio"] for f in document["figures"]] == [1.5, 2.5]
    assert [f["met"] for f in document["figures"]] == [True, False]
