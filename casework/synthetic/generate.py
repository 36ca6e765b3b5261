"""Generate synthetic cases in parallel chunks: reproducible per seed, whatever the chunking.

Each case is drawn from `random.Random(f"{seed}:{index}")`, so a data set of N cases is the
same whether it was built in one run or topped up from a smaller one, with one process or many.
Rows go in with COPY on PostgreSQL. The database should be idle while this runs: ids are
allocated in blocks above the current maximum, and sequences are moved past them at the end.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from multiprocessing.sharedctypes import Synchronized

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session

from casework.cases.clock_models import Extension
from casework.cases.models import Case, Party
from casework.guidance import load_version
from casework.guidance_defaults import DEFAULT_GUIDANCE_VERSION
from casework.keys.services import Keys
from casework.synthetic.population import ensure_entities, entity_weights, synthetic_entity_ids
from casework.synthetic.rows import COLUMNS, EntityPlan, IdBlock, RowBatch, RowBuilder
from casework.synthetic.sinks import sink_for
from casework.synthetic.stories import draw_story

MAX_PARTIES = 4
SEQUENCED_TABLES = ("cases", "parties", "extensions")


@dataclass(frozen=True)
class GenerationPlan:
    """How many cases to add, from which seed, as seen from which instant."""

    cases: int
    seed: int
    now: datetime
    span_days: int = 6 * 365
    workers: int = 2
    chunk: int = 2000


@dataclass(frozen=True)
class IdBases:
    """The first free id of each table whose ids are allocated here."""

    case: int
    party: int
    extension: int
    first_index: int

    def block(self, offset: int) -> IdBlock:
        """The ids of the case `offset` places after the first new one."""
        return IdBlock(
            case_id=self.case + offset,
            first_party_id=self.party + MAX_PARTIES * offset,
            extension_id=self.extension + offset,
        )


@dataclass(frozen=True)
class GenerationReport:
    """What a run added and how long it took."""

    cases_before: int
    cases_added: int
    seconds: float


def _next_id(session: Session, column: object) -> int:
    return int(session.scalar(select(func.coalesce(func.max(column), 0))) or 0) + 1


def _bases(session: Session, plans: list[EntityPlan]) -> IdBases:
    synthetic = session.scalar(
        select(func.count())
        .select_from(Case)
        .where(Case.entity_id.in_(synthetic_entity_ids(plans)))
    )
    return IdBases(
        case=_next_id(session, Case.id),
        party=_next_id(session, Party.id),
        extension=_next_id(session, Extension.id),
        first_index=int(synthetic or 0),
    )


def write_chunk(
    engine: Engine,
    keys: Keys,
    plan: GenerationPlan,
    entities: list[EntityPlan],
    bases: IdBases,
    offsets: range,
) -> None:
    """Draw, encrypt and insert the cases at `offsets`, in one transaction."""
    builder = RowBuilder(keys, load_version(DEFAULT_GUIDANCE_VERSION), plan.now)
    weights = entity_weights()
    batch = RowBatch()
    for offset in offsets:
        index = bases.first_index + offset
        story = draw_story(
            random.Random(f"{plan.seed}:{index}"), index, weights, plan.now, plan.span_days
        )
        builder.add(batch, story, bases.block(offset), entities[story.entity_index])
    with engine.begin() as connection:
        sink = sink_for(connection)
        for table, columns in COLUMNS.items():
            sink.write(table, columns, batch.tables.get(table, []))


def _worker(
    url: str,
    keys: Keys,
    plan: GenerationPlan,
    entities: list[EntityPlan],
    bases: IdBases,
    chunks: list[range],
    done: Synchronized[int],
) -> None:
    engine = create_engine(url)
    for offsets in chunks:
        write_chunk(engine, keys, plan, entities, bases, offsets)
        with done.get_lock():
            done.value += len(offsets)
    engine.dispose()


def _chunks(plan: GenerationPlan) -> list[range]:
    return [
        range(start, min(start + plan.chunk, plan.cases))
        for start in range(0, plan.cases, plan.chunk)
    ]


def generate(
    engine: Engine,
    keys: Keys,
    plan: GenerationPlan,
    progress: Callable[[int, int], None] | None = None,
) -> GenerationReport:
    """Add `plan.cases` synthetic cases (and their whole history) to the database."""
    started = time.perf_counter()
    first_year = (plan.now - timedelta(days=plan.span_days)).year
    with Session(engine) as session:
        entities = ensure_entities(session, plan.now, range(first_year, plan.now.year + 3))
        bases = _bases(session, entities)
        session.commit()
    chunks = _chunks(plan)
    workers = max(1, min(plan.workers, len(chunks)))
    if engine.dialect.name == "sqlite":
        workers = 1  # SQLite has one writer: parallel chunks would only wait on its lock
    if workers == 1:
        for offsets in chunks:
            write_chunk(engine, keys, plan, entities, bases, offsets)
            if progress is not None:
                progress(offsets.stop, plan.cases)
    else:
        _run_forked(engine, keys, plan, entities, bases, chunks, workers, progress)
    _advance_sequences(engine)
    return GenerationReport(bases.first_index, plan.cases, time.perf_counter() - started)


def _run_forked(
    engine: Engine,
    keys: Keys,
    plan: GenerationPlan,
    entities: list[EntityPlan],
    bases: IdBases,
    chunks: list[range],
    workers: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    context = multiprocessing.get_context("fork")
    done = context.Value("q", 0)
    engine.dispose()  # no pooled connection may cross the fork
    url = engine.url.render_as_string(hide_password=False)
    processes = [
        context.Process(
            target=_worker, args=(url, keys, plan, entities, bases, chunks[number::workers], done)
        )
        for number in range(workers)
    ]
    for process in processes:
        process.start()
    while any(process.is_alive() for process in processes):
        time.sleep(2)
        if progress is not None:
            progress(int(done.value), plan.cases)
    failed = [process.exitcode for process in processes if process.exitcode != 0]
    if failed:
        raise RuntimeError(f"{len(failed)} generator process(es) failed (exit codes {failed})")


def _advance_sequences(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        for table in SEQUENCED_TABLES:
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608  # nosec B608 (fixed table names)
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
            )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))


def default_workers() -> int:
    """One generator process per CPU: the database needs a share too, but rarely a full one."""
    return max(1, os.cpu_count() or 1)
