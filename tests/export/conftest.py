"""Export fixtures: varied recorded sessions (made once per module) and a loopback OTLP receiver."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.export.sessions import varied
from workbench.tools.latency import set_latency_scale


@pytest.fixture(scope="session")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    previous = set_latency_scale(0.0)
    try:
        return asyncio.run(varied(tmp_path_factory.mktemp("sessions")))
    finally:
        set_latency_scale(previous)


@dataclass
class Receiver:
    """What a loopback OTLP/HTTP collector was sent, and how it answers."""

    url: str
    status: int = 200
    body: bytes = b""
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    answer: threading.Event = field(default_factory=threading.Event)
    """Cleared, the receiver holds every request until it is set (a collector that hangs)."""
    delay_s: float = 0.0
    """How long each answer takes (a slow collector)."""

    def __post_init__(self) -> None:
        self.answer.set()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    port = server.server_address[1]
    state = Receiver(url=f"http://127.0.0.1:{port}")
    server.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        state: Receiver = self.server.state  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        state.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        state.arrived.set()
        state.answer.wait(30)
        if state.delay_s:
            time.sleep(state.delay_s)
        self.send_response(state.status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(state.body)))
        self.end_headers()
        self.wfile.write(state.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def closed_port() -> str:
    """A loopback URL nothing listens on."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
