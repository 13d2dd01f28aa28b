"""Servers that die, will not start, or come back: what the calls and the source say."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from tests.mcp.conftest import Harness, HttpServer, stdio_config
from workbench.config.mcp import McpServerConfig
from workbench.core.settings import ExecutionSettings
from workbench.core.tools import ToolSourceError
from workbench.tools.mcp import McpServerSource, server_log_path


async def test_a_stdio_server_that_crashes_mid_call_fails_the_calls_in_flight_and_restarts() -> (
    None
):
    src = McpServerSource(stdio_config())
    await src.start()
    try:
        h = Harness(src)
        first_pid = (await h.one("t__pid")).content
        crash, sleeping = await h.run(
            ("t__crash", {"code": 3, "delay": 0.2}), ("t__sleep", {"seconds": 30})
        )
        for result in (crash, sleeping):
            assert result.status == "error"
            assert "MCP server 't' exited with code 3" in result.content
        assert src.state == "failed"
        assert src.reason is not None and "exited with code 3" in src.reason
        again = await h.one("t__pid")
        assert again.status == "ok" and again.content != first_pid
        assert (src.state, src.restarts) == ("connected", 1)
    finally:
        await src.aclose()
    log = server_log_path("t").read_text()
    assert "disconnected (exit code 3)" in log


async def test_a_stdio_server_that_exits_while_idle_is_restarted_by_the_next_call() -> None:
    src = McpServerSource(stdio_config())
    states: list[str] = []
    src._on_state = lambda s: states.append(s.state)
    await src.start()
    try:
        h = Harness(src)
        conn = src._conn
        assert conn is not None and conn.process is not None
        conn.process.kill()
        await conn.gone.wait()
        assert src.state == "failed"
        assert (await h.one("t__echo", text="back")).content == "back"
        assert states[-3:] == ["failed", "reconnecting", "connected"]
    finally:
        await src.aclose()


async def test_an_http_server_that_dies_mid_call_and_comes_back(http_server: HttpServer) -> None:
    src = McpServerSource(McpServerConfig(name="web", url=http_server.url))
    await src.start()
    try:
        h = Harness(src)
        batch = h.executor.batch("b1", ExecutionSettings())
        [call] = h.calls(("web__sleep", {"seconds": 30}))
        batch.submit(call)
        await asyncio.sleep(0.3)  # the call is at the server; the outcome does not depend on it
        http_server.kill()
        [result] = await batch.finish()
        assert result.status == "error"
        assert "MCP server 'web' lost the connection" in result.content
        down = await h.one("web__echo", text="x")
        assert down.status == "error" and "cannot be reached" in down.content
        http_server.start()
        up = await h.one("web__echo", text="back")
        assert (up.status, up.content) == ("ok", "back")
    finally:
        await src.aclose()


async def test_a_missing_binary_is_a_one_line_start_error() -> None:
    src = McpServerSource(McpServerConfig(name="files", command="no-such-mcp-server-here"))
    with pytest.raises(ToolSourceError) as info:
        await src.start()
    assert str(info.value) == (
        "MCP server 'files' could not start: command 'no-such-mcp-server-here' not found"
    )
    assert (src.state, src.reason) == ("failed", str(info.value))
    await src.aclose()


async def test_a_server_that_exits_at_once_says_its_code_and_last_words() -> None:
    src = McpServerSource(stdio_config("quits", "--exit-at-start", "4"))
    with pytest.raises(ToolSourceError) as info:
        await src.start()
    message = str(info.value)
    assert "MCP server 'quits' exited with code 4 during start-up: refusing to start" in message
    assert "\n" not in message
    assert str(server_log_path("quits")) in message
    await src.aclose()


async def test_a_server_that_never_answers_the_handshake_times_out() -> None:
    src = McpServerSource(stdio_config("mute", "--hang-at-start", start_timeout_s=0.5))
    with pytest.raises(
        ToolSourceError, match=r"'mute' did not answer the MCP handshake within 0.5 s"
    ):
        await src.start()
    await src.aclose()  # stops the process (the SDK's close, then terminate)
    assert src.state == "failed"  # and keeps saying why
    assert src.reason is not None and "handshake" in src.reason


async def test_an_http_endpoint_nobody_serves_is_a_start_error() -> None:
    from tests.mcp.conftest import free_port

    url = f"http://127.0.0.1:{free_port()}/mcp"
    src = McpServerSource(McpServerConfig(name="web", url=url))
    with pytest.raises(ToolSourceError, match=rf"'web' cannot be reached at {url}"):
        await src.start()
    await src.aclose()


async def test_server_stderr_goes_to_its_log_file_not_the_terminal(
    capfd: pytest.CaptureFixture[str],
) -> None:
    src = McpServerSource(stdio_config())
    await src.start()
    await src.aclose()
    out, err = capfd.readouterr()
    assert "test server starting" not in out + err
    assert "test server starting" in server_log_path("t").read_text()


async def test_the_child_gets_only_its_env_and_the_basics(tmp_path: Path) -> None:
    src = McpServerSource(
        McpServerConfig(
            name="envy",
            command=sys.executable,
            args=[str(Path(__file__).with_name("server.py"))],
            env={"GIVEN": "yes-given"},
        )
    )
    await src.start()
    try:
        h = Harness(src)
        assert (await h.one("envy__secret_env", name="GIVEN")).content == "set"
        assert (await h.one("envy__secret_env", name="XDG_STATE_HOME")).content == "unset"
    finally:
        await src.aclose()


async def test_a_server_that_keeps_dying_is_restarted_after_a_growing_bounded_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def record(delay: float, *args: object) -> None:
        if delay >= 0.5:  # the backoff's waits, not the SDK's polling
            waits.append(delay)
            delay = 0
        await real_sleep(delay)

    # Every asyncio.sleep in this process: the SDK's own are short, the backoff's 0.5 s and more.
    monkeypatch.setattr(asyncio, "sleep", record)
    src = McpServerSource(stdio_config())
    await src.start()
    try:
        h = Harness(src)
        for _ in range(7):  # the first restart is at once, then the waits grow to the cap
            result = await h.one("t__crash", code=9)
            assert result.status == "error" and "exited with code 9" in result.content
        assert (await h.one("t__echo", text="alive")).content == "alive"
    finally:
        await src.aclose()
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert src.restarts == 7


async def test_an_unset_var_is_a_start_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WB_NOT_SET_ANYWHERE", raising=False)
    src = McpServerSource(stdio_config("needy", env={"KEY": "${WB_NOT_SET_ANYWHERE}"}))
    with pytest.raises(ToolSourceError) as info:
        await src.start()
    assert str(info.value) == (
        "MCP server 'needy': env.KEY uses ${WB_NOT_SET_ANYWHERE}, which is not set in the environment"
    )
    await src.aclose()


async def test_a_big_server_log_is_rotated_when_the_server_starts() -> None:
    log = server_log_path("t")
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("old line\n" * 500_000)  # 4.5 MB
    src = McpServerSource(stdio_config())
    await src.start()
    await src.aclose()
    assert "test server starting" in log.read_text()
    assert "old line" not in log.read_text()
    assert log.with_suffix(".log.1").read_text().startswith("old line")


async def test_an_http_endpoint_that_never_answers_the_handshake_times_out() -> None:
    stalled = asyncio.Event()

    async def accept_and_say_nothing(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await reader.read(1)
        stalled.set()
        await asyncio.Event().wait()  # until the test's server closes

    server = await asyncio.start_server(accept_and_say_nothing, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        src = McpServerSource(
            McpServerConfig(name="mute", url=f"http://127.0.0.1:{port}/mcp", start_timeout_s=0.5)
        )
        with pytest.raises(ToolSourceError, match=r"'mute' did not answer the MCP handshake"):
            await src.start()
        assert stalled.is_set()
        await src.aclose()
    finally:
        server.close()


async def test_a_killed_server_is_said_to_be_killed_the_same_way_everywhere() -> None:
    src = McpServerSource(stdio_config())
    await src.start()
    try:
        h = Harness(src)
        conn = src._conn
        assert conn is not None and conn.process is not None
        conn.process.kill()  # idle: the source notices by itself
        await conn.gone.wait()
        assert src.reason == (
            "MCP server 't' was killed by signal 9; the next call to it starts it again"
        )
        batch = h.executor.batch("b1", ExecutionSettings())
        [call] = h.calls(("t__hang", {}))
        batch.submit(call)
        assert (await h.one("t__echo", text="up")).content == "up"  # restarted, hang is inside
        conn = src._conn
        assert conn is not None and conn.process is not None
        conn.process.kill()  # mid-call
        [result] = await batch.finish()
        assert result.content == (
            "Error: tool 't__hang' failed: MCP server 't' was killed by signal 9; "
            "the next call to it starts it again"
        )
    finally:
        await src.aclose()
