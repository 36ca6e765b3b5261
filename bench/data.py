"""The benchmark's database: created empty, then grown through `casework.synthetic` to each size."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

import casework.models  # noqa: F401 (registers every table on Base.metadata)
from bench.context import BenchContext
from casework.cases.models import Case
from casework.crypto import BlindIndex, LocalKeyring
from casework.db import Base
from casework.keys.services import Keys
from casework.synthetic.generate import GenerationPlan, GenerationReport, default_workers, generate


def recreate_database(admin_url: str, name: str) -> str:
    """Drop and create a PostgreSQL database with the full schema; return its URL."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return url


def load_keys(instance: Path, now: datetime) -> Keys:
    """Open the instance's keyring, creating it on first use."""
    path = instance / "keyring.json"
    keyring = LocalKeyring.load(path) if path.exists() else LocalKeyring.create(path, now)
    return Keys(keyring, BlindIndex(keyring.blind_index_key))


def case_count(database_url: str) -> int:
    """How many cases the database holds."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(Case)) or 0
    engine.dispose()
    return int(count)


@dataclass(frozen=True)
class PreparedSize:
    """A database ready for one size, and how it was made (None when reused)."""

    context: BenchContext
    generation: GenerationReport | None


def _facts_path(instance: Path) -> Path:
    return instance / "bench.json"


def _reusable(database_url: str, instance: Path, cases: int, seed: int) -> datetime | None:
    """The data's instant if the database and keyring match (size, seed); None otherwise."""
    facts_file = _facts_path(instance)
    if not facts_file.exists() or not (instance / "keyring.json").exists():
        return None
    facts = json.loads(facts_file.read_text(encoding="utf-8"))
    if facts.get("cases") != cases or facts.get("seed") != seed:
        return None
    try:
        if case_count(database_url) < cases:  # benchmarks may add a few cases of their own
            return None
    except OperationalError:
        return None
    return datetime.fromisoformat(facts["now"])


def prepare_size(
    admin_url: str, name: str, instance_root: Path, cases: int, seed: int, *, reuse: bool
) -> PreparedSize:
    """A database named `name` holding `cases` synthetic cases: reused, or made afresh."""
    instance = (instance_root / name).resolve()
    database_url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    now = _reusable(database_url, instance, cases, seed) if reuse else None
    report = None
    if now is None:
        shutil.rmtree(instance, ignore_errors=True)
        instance.mkdir(parents=True)
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        keys = load_keys(instance, now)
        database_url = recreate_database(admin_url, name)
        report = grow_to(database_url, keys, cases, seed, now)
        facts = {"cases": cases, "seed": seed, "now": now.isoformat()}
        _facts_path(instance).write_text(json.dumps(facts), encoding="utf-8")
    else:
        _add_missing_tables_and_indexes(database_url)
    context = BenchContext(database_url, "", instance, cases, seed, False, now)
    return PreparedSize(context, report)


def _add_missing_tables_and_indexes(database_url: str) -> None:
    """Give a reused database the tables and indexes added to the schema since it was made."""
    engine = create_engine(database_url)
    Base.metadata.create_all(engine)
    for table in Base.metadata.sorted_tables:
        for index in table.indexes:
            index.create(engine, checkfirst=True)
    engine.dispose()


def grow_to(
    database_url: str, keys: Keys, cases: int, seed: int, now: datetime
) -> GenerationReport | None:
    """Add synthetic cases until the database holds `cases`; None if it already does."""
    missing = cases - case_count(database_url)
    if missing <= 0:
        return None
    engine = create_engine(database_url)
    plan = GenerationPlan(cases=missing, seed=seed, now=now, workers=default_workers())
    report = generate(engine, keys, plan)
    engine.dispose()
    return report
