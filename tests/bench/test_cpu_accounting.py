"""The benchmark's CPU accounting keeps the time of processes that exit between two readings."""

from __future__ import annotations

import subprocess
import sys

from bench.servers import cpu_snapshot, cpu_used

# A parent that, when told to, starts a child that burns CPU, reaps it, and says so: what
# gunicorn's master does with a recycled worker, and the postmaster with a closed backend.
PARENT = """
import subprocess, sys
sys.stdin.readline()
burn = "import time\\nend = time.process_time() + 0.4\\nwhile time.process_time() < end: pass"
subprocess.run([sys.executable, "-c", burn], check=True)
print("reaped", flush=True)
sys.stdin.readline()
"""


def test_a_child_reaped_between_readings_still_counts() -> None:
    command = [sys.executable, "-c", PARENT]
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as parent:
        assert parent.stdin is not None and parent.stdout is not None
        before = cpu_snapshot(parent.pid)
        parent.stdin.write("go\n")
        parent.stdin.flush()
        assert parent.stdout.readline().strip() == "reaped"
        after = cpu_snapshot(parent.pid)
        parent.stdin.write("stop\n")
        parent.stdin.flush()
    server, _database = cpu_used(before, after)
    # The child is gone from /proc; its 0.4 s now sit in the parent's cutime.
    assert server >= 0.3
