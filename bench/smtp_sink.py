"""A local SMTP server in its own process: writes each accepted message's Message-ID, one a line.

`python -m bench.smtp_sink PORT FILE` runs until SIGTERM. Reading FILE tells which messages
arrived and how often; nothing else of the message is kept.
"""

from __future__ import annotations

import signal
import sys
import threading
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import IO, Any

from aiosmtpd.controller import Controller


class RecordingHandler:
    """Accepts every message and appends its Message-ID to the record file."""

    def __init__(self, record: IO[str]) -> None:
        self.record = record
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Record the Message-ID (flushed at once, so a reader sees it) and accept."""
        headers = BytesHeaderParser().parsebytes(envelope.content)
        with self.lock:
            self.record.write(f"{headers.get('Message-ID', '-')}\n")
            self.record.flush()
        return "250 Message accepted"


def main(arguments: list[str]) -> None:
    """Serve on 127.0.0.1:PORT until SIGTERM or SIGINT."""
    port, path = int(arguments[0]), Path(arguments[1])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with path.open("a", encoding="ascii") as record:
        controller = Controller(RecordingHandler(record), hostname="127.0.0.1", port=port)
        controller.start()
        try:
            stop.wait()
        finally:
            controller.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
