"""An HTTP load generator in its own process: N keep-alive connections, closed loop or paced.

`python -m bench.load` reads a JSON spec on stdin and prints a JSON result. Each connection
repeats its own request (method, path, headers, body). Closed loop: a connection sends its next
request as soon as the previous answer is read. Paced (open loop, `rate` requests per second
over all connections): request k of connection i is due at start + (i + k * C) / rate, and its
latency counts from when it was due, so a slow answer also charges the requests queued behind
it (no coordinated omission). Only requests started after the warm-up are measured.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.servers import ROOT


@dataclass(frozen=True)
class Request:
    """One request a connection repeats."""

    method: str
    path: str
    headers: dict[str, str]
    body: str = ""


@dataclass(frozen=True)
class LoadSpec:
    """What to send, how long, and at which rate (None: as fast as answers come back)."""

    port: int
    requests: list[Request]
    duration: float
    warmup: float
    rate: float | None = None
    expect: tuple[int, ...] = (200,)


@dataclass
class LoadResult:
    """Measured requests (count, statuses, throughput, latencies) and all expected answers."""

    completed: int
    total_expected: int
    unexpected: int
    statuses: dict[str, int]
    seconds: float
    latencies_ms: list[float] = field(repr=False)

    @property
    def throughput(self) -> float:
        """Measured requests per second."""
        return self.completed / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        """The latency (ms) below which `fraction` of the measured requests finished."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
        return ordered[index]


def _encode(request: Request) -> bytes:
    body = request.body.encode()
    lines = [f"{request.method} {request.path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in request.headers.items()]
    if body or request.method not in ("GET", "HEAD"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; return its status and whether the connection stays open."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(int(headers.get("content-length", "0")))
    keep = headers.get("connection", "").lower() != "close"
    return status, keep


async def _connection(
    spec: LoadSpec, index: int, start: float, record: list[tuple[float, float, int]]
) -> None:
    loop = asyncio.get_running_loop()
    payload = _encode(spec.requests[index])
    end = start + spec.warmup + spec.duration
    reader, writer = await asyncio.open_connection("127.0.0.1", spec.port)
    count = len(spec.requests)
    k = 0
    try:
        while True:
            if spec.rate is None:
                due = loop.time()
            else:
                due = start + (index + k * count) / spec.rate
                k += 1
                if due > loop.time():
                    await asyncio.sleep(due - loop.time())
            if due >= end:
                return
            writer.write(payload)
            status, keep = await _read_response(reader)
            record.append((due, loop.time(), status))
            if not keep:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", spec.port)
    finally:
        writer.close()


async def _run(spec: LoadSpec) -> LoadResult:
    loop = asyncio.get_running_loop()
    record: list[tuple[float, float, int]] = []
    start = loop.time() + 0.05
    await asyncio.gather(*(_connection(spec, i, start, record) for i in range(len(spec.requests))))
    measured_from = start + spec.warmup
    measured_to = start + spec.warmup + spec.duration
    window = [(due, done, status) for due, done, status in record if due >= measured_from]
    statuses = Counter(str(status) for _, _, status in window)
    last = max((done for _, done, _ in window), default=measured_to)
    return LoadResult(
        completed=len(window),
        total_expected=sum(1 for _, _, status in record if status in spec.expect),
        unexpected=sum(1 for _, _, status in window if status not in spec.expect),
        statuses=dict(statuses),
        seconds=max(last, measured_to) - measured_from,
        latencies_ms=[(done - due) * 1000 for due, done, _ in window],
    )


def _spec_from(data: dict[str, Any]) -> LoadSpec:
    return LoadSpec(
        port=int(data["port"]),
        requests=[Request(**r) for r in data["requests"]],
        duration=float(data["duration"]),
        warmup=float(data["warmup"]),
        rate=None if data.get("rate") is None else float(data["rate"]),
        expect=tuple(data.get("expect", (200,))),
    )


def run_load(spec: LoadSpec) -> LoadResult:
    """Run the load generator as a separate process and return what it measured."""
    document = {
        "port": spec.port,
        "requests": [vars(r) for r in spec.requests],
        "duration": spec.duration,
        "warmup": spec.warmup,
        "rate": spec.rate,
        "expect": list(spec.expect),
    }
    completed = subprocess.run(
        [sys.executable, "-m", "bench.load"],
        input=json.dumps(document).encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=spec.warmup + spec.duration + 120,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"load generator failed: {completed.stderr.decode()[-2000:]}")
    data = json.loads(completed.stdout)
    return LoadResult(
        completed=data["completed"],
        total_expected=data["total_expected"],
        unexpected=data["unexpected"],
        statuses=data["statuses"],
        seconds=data["seconds"],
        latencies_ms=data["latencies_ms"],
    )


def main() -> None:
    """Read a spec on stdin, run it, print the result as JSON."""
    spec = _spec_from(json.loads(sys.stdin.read()))
    began = time.perf_counter()
    result = asyncio.run(_run(spec))
    json.dump(
        {
            "completed": result.completed,
            "total_expected": result.total_expected,
            "unexpected": result.unexpected,
            "statuses": result.statuses,
            "seconds": result.seconds,
            "latencies_ms": result.latencies_ms,
            "wall_seconds": time.perf_counter() - began,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
