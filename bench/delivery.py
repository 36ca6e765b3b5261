"""Notification delivery by real Celery workers to a local SMTP server, against a no-op task.

Alerts are raised through the real service (`raise_alert`: one alert and one outbox row for the
case's lead investigator), handed to the queue by the real relay task and delivered by the real
`outbox.deliver_batch` task (the production default of up to 20 outbox ids per message, each
claimed, sent and recorded on its own) in prefork workers started with the production options,
to an aiosmtpd
server in its own process that records each Message-ID. The clock stops when the server holds
every one of them; each must have arrived exactly once. The baseline queues as many no-op tasks
aside, releases them at once to idle workers of the same Celery app, broker and settings, and
stops when the queue is drained.
Worker memory (RSS of the worker process trees, from /proc) is sampled after a warm-up and at
the end of all runs.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis
from celery import Celery
from flask import Flask
from sqlalchemy import func, select, update

from bench.context import BenchContext
from bench.report import Figure
from bench.seed import assign_lead, bench_app, new_case, new_entity, new_staff
from bench.servers import (
    Service,
    free_port,
    production_env,
    start_celery_worker,
    start_smtp_sink,
    tree_rss_bytes,
)
from casework.boundary import app_keys, now, session
from casework.cases.models import Case
from casework.config import Settings
from casework.identity.models import Role, StaffUser
from casework.notifications.delivery import message_id
from casework.notifications.models import Outbox, OutboxKind, OutboxStatus
from casework.notifications.scans import raise_alert

QUEUE = "celery"
NOOP_TASK = "bench.noop"  # registered by bench/noop_worker.py
STAGING = "bench-noop-staging"
_MOVE_ALL = """
local moved = 0
while redis.call('RPOPLPUSH', KEYS[1], KEYS[2]) do moved = moved + 1 end
return moved
"""
DOMAIN = "bench.casework.test"
WORKERS = 2
CONCURRENCY = 2
CASES = 10
# The bench plays beat, but sends the relay whenever the queue runs low instead of every 5 s,
# so the workers, not the relay's schedule, set the pace.
RELAY_LOW_WATER = 300
RELAY_MIN_GAP_SECONDS = 0.5
RUN_TIMEOUT_SECONDS = 1800.0
DELIVER_BATCH = Settings.outbox_deliver_batch  # the production default the workers run with
_PARKABLE = (OutboxStatus.PENDING, OutboxStatus.QUEUED, OutboxStatus.SENDING)


@dataclass(frozen=True)
class Sizes:
    """Deliveries per measured run, repetitions, and the extra long run for memory (if any)."""

    deliveries: int
    repetitions: int
    memory_deliveries: int | None
    warmup: int


QUICK = Sizes(deliveries=2000, repetitions=3, memory_deliveries=None, warmup=500)
FULL = Sizes(deliveries=5000, repetitions=3, memory_deliveries=100_000, warmup=2000)


@dataclass
class SinkReader:
    """Reads the SMTP sink's record file as it grows."""

    path: Path
    counts: Counter[str] = field(default_factory=Counter)
    _offset: int = 0

    def read(self) -> list[str]:
        """Count and return the Message-IDs written since the last read (whole lines only)."""
        if not self.path.exists():
            return []
        with self.path.open("rb") as handle:
            handle.seek(self._offset)
            chunk = handle.read()
        complete = chunk.rfind(b"\n") + 1
        self._offset += complete
        new = chunk[:complete].decode("ascii").split()
        self.counts.update(new)
        return new


@dataclass
class Memory:
    """RSS of the worker process trees after warm-up and at the end."""

    warm: int | None = None
    end: int | None = None
    delivered: int = 0
    rate: float | None = None  # deliveries per second over the long run, if there was one


def _prepare(app: Flask) -> list[int]:
    """An entity, a supervisor, a lead investigator (the alerts' recipient) and their cases."""
    with app.app_context():
        db, keys, moment = session(), app_keys(), now()
        entity = new_entity(db, moment, "BD")
        code = entity.code.lower()
        boss = new_staff(db, keys, entity, Role.SUPERVISOR, f"{code}.supervisor", moment)
        lead = new_staff(db, keys, entity, Role.INVESTIGATOR, f"{code}.lead", moment)
        supervisor, investigator = db.get(StaffUser, boss.id), db.get(StaffUser, lead.id)
        assert supervisor is not None and investigator is not None
        case_ids = []
        for number in range(CASES):
            case = new_case(db, keys, entity, boss.id, moment, number)
            assign_lead(db, supervisor, case, investigator, moment)
            case_ids.append(case.id)
        db.commit()
        return case_ids


def _raise_alerts(app: Flask, case_ids: list[int], count: int, serial: str) -> list[int]:
    """Raise `count` amber alerts through the real service; return their outbox row ids."""
    with app.app_context():
        db = session()
        cases = [db.get(Case, case_id) for case_id in case_ids]
        alert_ids: list[int] = []
        for number in range(count):
            case = cases[number % len(cases)]
            assert case is not None
            alert_id = raise_alert(db, case, f"bench:{serial}:{number}", "amber", now())
            assert alert_id is not None
            alert_ids.append(alert_id)
            if number % 1000 == 999:
                db.commit()
        db.commit()
        ids: list[int] = []
        for start in range(0, len(alert_ids), 5000):
            chunk = alert_ids[start : start + 5000]
            ids += db.scalars(
                select(Outbox.id).where(Outbox.kind == OutboxKind.ALERT, Outbox.ref_id.in_(chunk))
            )
        db.rollback()
        if len(ids) != count:
            raise RuntimeError(f"{count} alerts raised but {len(ids)} outbox rows written")
        return ids


@contextmanager
def _foreign_rows_parked(app: Flask, case_ids: list[int]) -> Iterator[int]:
    """Set aside other due outbox rows during the runs (their statuses are restored after)."""
    with app.app_context():
        db = session()
        parked = db.execute(
            select(Outbox.id, Outbox.status).where(
                Outbox.status.in_(_PARKABLE),
                (Outbox.case_id.is_(None)) | (Outbox.case_id.not_in(case_ids)),
            )
        ).all()
        for start in range(0, len(parked), 5000):
            ids = [row.id for row in parked[start : start + 5000]]
            db.execute(
                update(Outbox).where(Outbox.id.in_(ids)).values(status=OutboxStatus.CANCELLED)
            )
        db.commit()
    try:
        yield len(parked)
    finally:
        with app.app_context():
            db = session()
            for status in _PARKABLE:
                ids = [row.id for row in parked if row.status is status]
                for start in range(0, len(ids), 5000):
                    db.execute(
                        update(Outbox)
                        .where(Outbox.id.in_(ids[start : start + 5000]))
                        .values(status=status)
                    )
            db.commit()


def _drained(broker: redis.Redis[bytes]) -> bool:
    """No message waits in the queue and none is held unacknowledged by a worker."""
    return int(broker.llen(QUEUE)) == 0 and int(broker.hlen("unacked")) == 0


def _deliver(
    outbox_ids: list[int],
    sink: SinkReader,
    broker: redis.Redis[bytes],
    client: Celery,
    workers: list[Service],
    memory: Memory,
    warmup: int,
) -> float:
    """Relay and deliver the rows; return the seconds until the SMTP server held them all."""
    expected = {message_id(outbox_id, DOMAIN) for outbox_id in outbox_ids}
    started = time.monotonic()
    last_relay = 0.0
    seen: set[str] = set()
    arrived = 0
    while arrived < len(expected):
        moment = time.monotonic()
        if moment - started > RUN_TIMEOUT_SECONDS:
            raise RuntimeError(f"only {arrived} of {len(expected)} deliveries arrived in time")
        for worker in workers:
            worker.check_alive()
        if (
            int(broker.llen(QUEUE)) < RELAY_LOW_WATER
            and moment - last_relay > RELAY_MIN_GAP_SECONDS
        ):
            client.send_task("outbox.relay")
            last_relay = moment
        seen.update(key for key in sink.read() if key in expected)
        arrived = len(seen)
        if memory.warm is None and memory.delivered + arrived >= warmup:
            memory.warm = tree_rss_bytes([w.process.pid for w in workers])
        time.sleep(0.05)
    seconds = time.monotonic() - started
    memory.delivered += arrived
    return seconds


def _noop(count: int, broker: redis.Redis[bytes], client: Celery) -> float:
    """Queue `count` no-op tasks aside, hand them to the idle workers at once, time the drain."""
    with client.producer_or_acquire() as producer:
        for number in range(count):
            client.send_task(NOOP_TASK, args=[number], producer=producer, queue=STAGING)
    if int(broker.llen(STAGING)) != count:
        raise RuntimeError(f"{broker.llen(STAGING)} of {count} no-op tasks reached the broker")
    started = time.monotonic()
    # One script moves them all: pushes inside a script wake the workers blocked on the queue,
    # so the clock measures the workers, not how fast this process can publish.
    broker.eval(_MOVE_ALL, 2, STAGING, QUEUE)  # type: ignore[no-untyped-call]
    settled = 0
    while settled < 2:  # twice in a row: a message being fetched is briefly in neither key
        if time.monotonic() - started > RUN_TIMEOUT_SECONDS:
            raise RuntimeError("the no-op tasks were not consumed in time")
        settled = settled + 1 if _drained(broker) else 0
        time.sleep(0.02)
    broker.delete(STAGING, f"_kombu.binding.{STAGING}", f"_kombu.binding_permanent.{STAGING}")
    return time.monotonic() - started


def _unsent(app: Flask, outbox_ids: list[int]) -> int:
    with app.app_context():
        count = 0
        for start in range(0, len(outbox_ids), 5000):
            count += int(
                session().scalar(
                    select(func.count())
                    .select_from(Outbox)
                    .where(
                        Outbox.id.in_(outbox_ids[start : start + 5000]),
                        Outbox.status != OutboxStatus.SENT,
                    )
                )
                or 0
            )
        session().rollback()
        return count


def _start_workers(app_path: str, env: dict[str, str], log_dir: Path, prefix: str) -> list[Service]:
    return [
        start_celery_worker(f"{prefix}{n}", app_path, env, log_dir, CONCURRENCY)
        for n in range(1, WORKERS + 1)
    ]


def _stop(services: list[Service]) -> None:
    for service in services:
        service.stop()


def run(context: BenchContext) -> list[Figure]:
    """Measure delivery throughput against no-op tasks, and worker memory over the runs."""
    sizes = QUICK if context.quick else FULL
    app = bench_app(context)
    case_ids = _prepare(app)
    broker = redis.Redis.from_url(context.broker_url)
    if not _drained(broker):
        raise RuntimeError(f"the broker queue {QUEUE!r} is not empty: is another worker running?")
    client = Celery("bench", broker=context.broker_url, set_as_current=False)
    client.conf.update(task_serializer="json", accept_content=["json"])
    memory = Memory()
    real: list[float] = []
    base: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-delivery-") as folder, ExitStack() as stack:
        log_dir = Path(folder)
        smtp_port = free_port()
        sink = SinkReader(log_dir / "received.txt")
        stack.callback(start_smtp_sink(smtp_port, sink.path, log_dir).stop)
        env = production_env(
            context,
            CASEWORK_SMTP_HOST="127.0.0.1",
            CASEWORK_SMTP_PORT=str(smtp_port),
            CASEWORK_BASE_URL=f"https://{DOMAIN}",
        )
        parked = stack.enter_context(_foreign_rows_parked(app, case_ids))
        workers = _start_workers("workers.celery_app:celery_app", env, log_dir, "bench-deliver")
        stack.callback(_stop, workers)
        runs = [sizes.deliveries] * sizes.repetitions
        long_run = sizes.memory_deliveries if context.largest else None
        if long_run:  # the memory run happens once, at the run's largest size
            runs.append(long_run)
        delivered: list[int] = []
        for number, count in enumerate(runs):
            outbox_ids = _raise_alerts(app, case_ids, count, f"{time.time_ns()}:{number}")
            seconds = _deliver(outbox_ids, sink, broker, client, workers, memory, sizes.warmup)
            if number < sizes.repetitions:
                real.append(count / seconds)
            else:
                memory.rate = count / seconds
            delivered += outbox_ids
        memory.end = tree_rss_bytes([w.process.pid for w in workers])
        time.sleep(1.0)  # anything sent twice would arrive now
        sink.read()
        unsent = _unsent(app, delivered)
        _stop(workers)
        noop_workers = _start_workers("bench.noop_worker:celery_app", env, log_dir, "bench-noop")
        stack.callback(_stop, noop_workers)
        for _ in range(sizes.repetitions):
            base.append(sizes.deliveries / _noop(sizes.deliveries, broker, client))
    counts = [sink.counts[message_id(i, DOMAIN)] for i in delivered]
    twice = sum(1 for c in counts if c > 1)
    once = (
        f"each of {len(counts):,} arrived exactly once at the SMTP server"
        if not twice and not unsent
        else f"NOT EXACTLY ONCE: {twice} arrived more than once, {unsent} rows not 'sent'"
    )
    return _figures(context, sizes, real, base, memory, once, parked)


def _figures(
    context: BenchContext,
    sizes: Sizes,
    real: list[float],
    base: list[float],
    memory: Memory,
    once: str,
    parked: int,
) -> list[Figure]:
    """Turn the runs into the throughput and memory figures."""
    quick = " (quick: smaller runs)" if context.quick else ""
    setting = (
        f"{WORKERS} workers x prefork {CONCURRENCY}, Redis broker, acks late, prefetch 1; "
        f"deliver messages carry up to {DELIVER_BATCH} outbox ids, no-op messages one task each"
    )
    notes = (
        f"{once}; {parked:,} other due outbox rows set aside during the runs" if parked else once
    )
    assert memory.warm is not None and memory.end is not None
    long_run = (
        f"; the last run of {sizes.memory_deliveries:,} went at {memory.rate:.0f} msg/s"
        if memory.rate is not None and sizes.memory_deliveries and context.largest
        else ""
    )
    return [
        Figure(
            name="delivery: notices to SMTP, throughput",
            cases=context.cases,
            value=float(statistics.median(real)),
            unit="msg/s",
            baseline_name="no-op Celery task, same settings",
            baseline_value=float(statistics.median(base)),
            direction="at_least",
            target=0.5,
            note=f"median of {sizes.repetitions} runs of {sizes.deliveries:,}{quick}; "
            f"{setting}; relay sent when the queue runs low; no-op tasks queued beforehand "
            f"and released at once; {notes}",
        ),
        Figure(
            name="delivery: worker memory (RSS) growth",
            cases=context.cases,
            value=memory.end / 2**20,
            unit="MiB",
            baseline_name="RSS after warm-up",
            baseline_value=memory.warm / 2**20,
            direction="at_most",
            target=1.2,
            note=f"RSS of {WORKERS} worker process trees after {sizes.warmup:,} deliveries and "
            f"after all {memory.delivered:,}{quick}{long_run}",
        ),
    ]
