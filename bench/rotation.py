"""KEK rotation over every stored case key: its rate, while gunicorn keeps serving requests.

The rate is set beside the same re-wraps done in memory (no database), and the requests
served during the rotation beside those served just before it, on the same server.
"""

from __future__ import annotations

import statistics
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bench.context import BenchContext
from bench.report import Figure
from bench.servers import free_port, production_env, start_gunicorn
from casework.cases.models import CaseKey
from casework.crypto import LocalKeyring, WrappedKey
from casework.keys.services import keys_pending_rewrap, rewrap_batch

BATCH = 1000
SAMPLE = 20_000


@dataclass
class Probe:
    """Requests sent one after another by a background thread; latencies and failures."""

    url: str
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        """Send requests until told to stop."""
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(self.url, timeout=10) as response:  # noqa: S310  # nosec B310
                    response.read()
                    ok = response.status == 200
            except OSError:
                ok = False
            if ok:
                self.latencies.append(time.perf_counter() - started)
            else:
                self.failures += 1


def _probe_for(url: str, seconds: float | None, until: threading.Event | None = None) -> Probe:
    probe = Probe(url)
    thread = threading.Thread(target=probe.run, daemon=True)
    thread.start()
    if seconds is not None:
        time.sleep(seconds)
        probe.stop.set()
    elif until is not None:
        until.wait()
        probe.stop.set()
    thread.join()
    return probe


def _memory_rate(keyring: LocalKeyring, context: BenchContext) -> float:
    """Re-wraps per second with no database: unwrap with the old KEK, wrap with the new."""
    engine = create_engine(context.database_url)
    with Session(engine) as session:
        rows = session.execute(
            select(CaseKey.case_id, CaseKey.kek_version, CaseKey.wrapped_key).limit(SAMPLE)
        ).all()
    engine.dispose()
    started = time.perf_counter()
    for case_id, version, blob in rows:
        data_key = keyring.unwrap_data_key(case_id, WrappedKey(version, blob))
        keyring.wrap_data_key(case_id, data_key)
    return len(rows) / (time.perf_counter() - started)


def _p99(latencies: list[float]) -> float:
    if len(latencies) < 2:
        return float("nan")
    return statistics.quantiles(latencies, n=100)[98] * 1000


def run(context: BenchContext) -> list[Figure]:
    """Rotate to a new KEK over every case key while probing /readyz on a live server."""
    keyring = LocalKeyring.load(context.instance / "keyring.json")
    port = free_port()
    server = start_gunicorn(
        "rotation-web",
        "casework.wsgi:app",
        port,
        production_env(context),
        context.instance / "logs",
    )
    url = f"http://127.0.0.1:{port}/readyz"
    try:
        before = _probe_for(url, 5.0 if context.quick else 15.0)
        keyring.add_kek_version(datetime.now(UTC))
        memory_rate = _memory_rate(keyring, context)
        done = threading.Event()
        holder: dict[str, Probe] = {}
        thread = threading.Thread(target=lambda: holder.update(probe=_probe_for(url, None, done)))
        thread.start()
        engine = create_engine(context.database_url)
        started = time.perf_counter()
        rotated = 0
        with Session(engine) as session:
            while count := rewrap_batch(session, keyring, BATCH, datetime.now(UTC)):
                session.commit()
                rotated += count
            left = keys_pending_rewrap(session, keyring)
        seconds = time.perf_counter() - started
        done.set()
        thread.join()
        engine.dispose()
        server.check_alive()
    finally:
        server.stop()
    during = holder["probe"]
    rate = rotated / seconds
    served = len(during.latencies) / (len(during.latencies) + during.failures or 1)
    note = (
        f"{rotated:,} keys in {seconds:.0f} s, {left} left; /readyz during rotation: "
        f"{len(during.latencies):,} ok, {during.failures} failed, p99 {_p99(during.latencies):.1f} ms "
        f"(before: p99 {_p99(before.latencies):.1f} ms)"
    )
    return [
        Figure(
            "KEK rotation rate",
            context.cases,
            rate,
            "keys/s",
            "same re-wraps in memory",
            memory_rate,
            "at_least",
            None,
            note,
        ),
        Figure(
            "requests served during rotation",
            context.cases,
            served * 100,
            "%",
            "served before rotation",
            100.0 * len(before.latencies) / max(1, len(before.latencies) + before.failures),
            "at_least",
            1.0,
            note,
        ),
        Figure(
            "/readyz p99 during rotation",
            context.cases,
            _p99(during.latencies),
            "ms",
            "p99 before rotation",
            _p99(before.latencies),
            "at_most",
            None,
            note,
        ),
    ]
