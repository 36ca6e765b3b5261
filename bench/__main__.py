"""`python -m bench`: grow a PostgreSQL database to each size, measure every figure, print ratios.

Figures and their baselines are measured in the same run, on the same machine, so their ratios
mean something on a noisy shared host where absolute numbers do not.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bench.context import BenchContext
from bench.data import prepare_size
from bench.report import Figure, render_json, render_table

SUITES = ("statistics", "scan", "web", "delivery", "rotation")
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (2_000, 10_000)


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(sorted({int(part.replace("_", "")) for part in text.split(",") if part}))
    except ValueError:
        raise argparse.ArgumentTypeError("sizes are whole numbers separated by commas") from None
    if not sizes or sizes[0] < 100:
        raise argparse.ArgumentTypeError("each size must be at least 100 cases")
    return sizes


def _suites(text: str) -> tuple[str, ...]:
    chosen = tuple(part for part in text.split(",") if part)
    unknown = sorted(set(chosen) - set(SUITES))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown suite(s) {unknown}; choose from {SUITES}")
    return chosen


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", type=_sizes, default=None, help="e.g. 10000,100000,1000000")
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK_SIZES}, short runs")
    parser.add_argument("--only", type=_suites, default=SUITES, help=f"subset of {SUITES}")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "CASEWORK_BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1/postgres"
        ),
        help="PostgreSQL URL with the right to create the bench database",
    )
    parser.add_argument(
        "--database", default="casework_bench", help="name prefix of the per-size databases"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep a size's database and keyring from an earlier run when it matches (seed, size)",
    )
    parser.add_argument(
        "--generate-only", action="store_true", help="prepare the databases, measure nothing"
    )
    parser.add_argument(
        "--instance-root",
        type=Path,
        default=Path("instance") / "bench",
        help="where each database's keyring and facts are kept",
    )
    parser.add_argument(
        "--broker-url",
        default=os.environ.get("CASEWORK_BENCH_BROKER_URL", "redis://127.0.0.1:6379/7"),
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the JSON here")
    return parser.parse_args(argv)


def _suite_runner(name: str) -> Callable[[BenchContext], list[Figure]]:
    module = importlib.import_module(f"bench.{name}")
    runner: Callable[[BenchContext], list[Figure]] = module.run
    return runner


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 0 when every target is met, 1 otherwise."""
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    sizes = arguments.sizes or (QUICK_SIZES if arguments.quick else DEFAULT_SIZES)
    figures: list[Figure] = []
    growth: list[dict[str, object]] = []
    for cases in sizes:
        started = time.perf_counter()
        prepared = prepare_size(
            arguments.admin_url,
            f"{arguments.database}_{cases}",
            arguments.instance_root,
            cases,
            arguments.seed,
            reuse=arguments.reuse,
        )
        if prepared.generation is not None:
            report = prepared.generation
            rate = report.cases_added / report.seconds
            growth.append(
                {"cases": cases, "seconds": round(report.seconds, 1), "per_second": round(rate)}
            )
            print(
                f"# {cases:,} cases: generated in {report.seconds:.0f} s ({rate:,.0f}/s)",
                flush=True,
            )
        else:
            print(f"# {cases:,} cases: reusing {prepared.context.database_url}", flush=True)
        if arguments.generate_only:
            continue
        context = replace(
            prepared.context,
            broker_url=arguments.broker_url,
            quick=arguments.quick,
            largest=cases == max(sizes),
        )
        for suite in arguments.only:
            suite_started = time.perf_counter()
            measured = _suite_runner(suite)(context)
            figures.extend(measured)
            print(
                f"# {cases:,} cases: {suite} done in {time.perf_counter() - suite_started:.0f} s",
                flush=True,
            )
            print(render_table(measured), flush=True)
        print(f"# {cases:,} cases: size done in {time.perf_counter() - started:.0f} s", flush=True)
    now = datetime.now(UTC)
    print("\n" + render_table(figures))
    meta: dict[str, object] = {
        "measured_at": now.isoformat(),
        "sizes": list(sizes),
        "seed": arguments.seed,
        "quick": arguments.quick,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.platform(),
        },
        "generation": growth,
    }
    document = render_json(figures, meta)
    print(document)
    if arguments.json is not None:
        arguments.json.write_text(document + "\n", encoding="utf-8")
    missed = [figure for figure in figures if figure.met is False]
    print(json.dumps({"targets_missed": [f"{f.name} @ {f.cases}" for f in missed]}))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
