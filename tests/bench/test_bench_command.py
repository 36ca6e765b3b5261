"""`python -m bench` end to end on a small PostgreSQL data set: every figure has its ratio."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support.services import require_postgres

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.postgres
def test_bench_prints_figures_baselines_and_ratios(tmp_path: Path) -> None:
    admin_url = require_postgres()
    name = f"casework_bench_ci_{tmp_path.name[-8:].lower()}"
    out = tmp_path / "bench.json"
    command = [
        sys.executable, "-m", "bench", "--sizes", "400", "--only", "scan,statistics", "--quick",
        "--admin-url", admin_url, "--database", name, "--instance-root", str(tmp_path), "--json",
        str(out),
    ]  # fmt: skip
    try:
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    finally:
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}_400"'))
        engine.dispose()
    assert result.returncode in (0, 1), result.stderr[-3000:]
    assert "# 400 cases: generated" in result.stdout
    document = json.loads(out.read_text(encoding="utf-8"))
    names = {figure["name"] for figure in document["figures"]}
    assert {"deadline scan", "statistics release (system)"} <= names
    for figure in document["figures"]:
        assert figure["cases"] == 400
        assert figure["value"] > 0 and figure["baseline_value"] > 0
        assert figure["ratio"] == round(figure["value"] / figure["baseline_value"], 3)
    missed = json.loads(result.stdout.strip().splitlines()[-1])["targets_missed"]
    assert (result.returncode == 1) == bool(missed)
