"""Real MCP servers for the tests: the SDK-written ``server.py`` as a stdio child process, or serving
Streamable HTTP on 127.0.0.1; and a source connected to either."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from workbench.config.mcp import McpServerConfig
from workbench.core.events import CallFinished, Event
from workbench.core.executor import ToolExecutor
from workbench.core.messages import ToolCall, ToolResult
from workbench.core.settings import ExecutionSettings
from workbench.core.tools import ToolRegistry
from workbench.tools.mcp import McpServerSource

SERVER = str(Path(__file__).with_name("server.py"))

Transport = str  # "stdio" | "http"
MakeConfig = Callable[..., McpServerConfig]


def stdio_config(name: str = "t", *args: str, **fields: Any) -> McpServerConfig:
    return McpServerConfig(name=name, command=sys.executable, args=[SERVER, *args], **fields)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class HttpServer:
    """``server.py --http PORT`` in a child process; ``restart()`` after ``kill()``."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/mcp"
        self._log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self._log.open("ab") as err:
            self.proc = subprocess.Popen(
                [sys.executable, SERVER, "--http", str(self.port)],
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        self._wait_listening()

    def _wait_listening(self) -> None:
        # The child binds when uvicorn is up; connect() is refused until then (bounded: 20 s).
        for _ in range(400):
            assert self.proc is not None and self.proc.poll() is None, "HTTP test server died"
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("the HTTP test server did not start listening")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[HttpServer]:
    server = HttpServer(tmp_path / "http-server.log")
    server.start()
    yield server
    server.kill()


@pytest.fixture(params=["stdio", "http"])
def transport(request: pytest.FixtureRequest) -> Transport:
    value: str = request.param
    return value


@pytest.fixture
def make_config(transport: Transport, request: pytest.FixtureRequest) -> MakeConfig:
    """A config for a server named ``name`` over the parametrised transport."""

    def make(name: str = "t", **fields: Any) -> McpServerConfig:
        if transport == "stdio":
            return stdio_config(name, **fields)
        server: HttpServer = request.getfixturevalue("http_server")
        return McpServerConfig(name=name, url=server.url, **fields)

    return make


@pytest.fixture
async def source(make_config: MakeConfig) -> AsyncIterator[McpServerSource]:
    src = McpServerSource(make_config())
    await src.start()
    yield src
    await src.aclose()


class Harness:
    """An executor over a source's tools, recording every event."""

    def __init__(self, *sources: McpServerSource) -> None:
        self.events: list[Event] = []
        registry = ToolRegistry([t for s in sources for t in s.tools()])
        self.executor = ToolExecutor(registry, emit=self.events.append)
        self._n = 0

    def calls(self, *specs: tuple[str, dict[str, Any]]) -> list[ToolCall]:
        out = []
        for name, args in specs:
            self._n += 1
            out.append(ToolCall(id=f"c{self._n}", name=name, arguments=args))
        return out

    async def run(self, *specs: tuple[str, dict[str, Any]], **settings: Any) -> list[ToolResult]:
        self._n += 1
        return await self.executor.run(
            f"b{self._n}", self.calls(*specs), ExecutionSettings(**settings)
        )

    async def one(self, tool: str, /, **args: Any) -> ToolResult:
        [result] = await self.run((tool, args))
        return result

    def finished(self) -> list[CallFinished]:
        return [e for e in self.events if isinstance(e, CallFinished)]
