"""A real SMTP server for tests (aiosmtpd), counting messages by Message-ID."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmtpSink:
    """Counts accepted messages; can stall the first N conversations before DATA."""

    stall_first: int = 0
    stall_seconds: float = 30.0
    messages: list[EmailMessage] = field(default_factory=list)
    stalled: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stalls: int = 0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        """Accept the recipient, stalling the first conversations (a worker is killed then)."""
        with self._lock:
            stall = self._stalls < self.stall_first
            self._stalls += 1 if stall else 0
        if stall:
            self.stalled.set()
            await asyncio.sleep(self.stall_seconds)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Accept and count a message."""
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type,unused-ignore]
        return "250 Message accepted"

    def ids(self) -> Counter[str]:
        """How many times each Message-ID arrived."""
        with self._lock:
            return Counter(str(m["Message-ID"]) for m in self.messages)

    def bodies(self) -> list[str]:
        """Every text and HTML part received."""
        with self._lock:
            return [
                part.get_content()
                for m in self.messages
                for part in m.walk()
                if part.get_content_maintype() == "text"
            ]


@contextmanager
def smtp_server(sink: SmtpSink) -> Iterator[int]:
    """Run the sink on a free port; yield the port."""
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
