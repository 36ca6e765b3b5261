"""Static checks in the test command: semgrep rules kept in the repository, and bandit.

Each semgrep rule is shown to fire on a planted leak (so the rule can fail), and the product's
own code must have no finding at all.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PLANTED = Path(__file__).parent / "planted"
RULES = (
    "task-arguments-are-ids-only",
    "no-logging-of-decrypted-fields",
    "cryptography-only-in-crypto-module",
)


def _semgrep(*targets: Path) -> dict[str, object]:
    result = subprocess.run(
        [
            str(BIN / "semgrep"),
            "--metrics=off",
            "--disable-version-check",
            "--config",
            str(ROOT / ".semgrep.yml"),
            "--json",
            *map(str, targets),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.stdout, result.stderr[-2000:]
    report: dict[str, object] = json.loads(result.stdout)
    assert report["errors"] == [], report["errors"]
    return report


@pytest.fixture(scope="module")
def planted_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    # semgrep ignores tests/ by default, so scan a copy of the planted files.
    copy = tmp_path_factory.mktemp("planted")
    for path in PLANTED.glob("*.py"):
        shutil.copy(path, copy / path.name)
    return _semgrep(copy)


@pytest.mark.parametrize("rule", RULES)
def test_each_semgrep_rule_catches_its_planted_leak(
    planted_report: dict[str, object], rule: str
) -> None:
    results = planted_report["results"]
    assert isinstance(results, list)
    assert any(r["check_id"].endswith(rule) for r in results), f"{rule} missed its planted leak"


def test_product_code_has_no_semgrep_finding() -> None:
    report = _semgrep(ROOT / "casework", ROOT / "workers")
    findings = [(r["check_id"], r["path"], r["start"]["line"]) for r in report["results"]]  # type: ignore[attr-defined]
    assert findings == []


def test_bandit_finds_no_medium_or_high_issue() -> None:
    result = subprocess.run(
        [str(BIN / "bandit"), "-q", "-r", "-ll", "-f", "json", "casework", "workers"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    report = json.loads(result.stdout)
    issues = [(i["test_id"], i["filename"], i["line_number"]) for i in report["results"]]
    assert issues == []
