"""A Streamable HTTP server restarted mid-session: it answers 404 for the old session, and the
next call starts a new one (the call the server never ran is sent again, once)."""

from __future__ import annotations

import asyncio

from tests.mcp.conftest import Harness, HttpServer
from workbench.config.mcp import McpServerConfig
from workbench.tools.mcp import McpServerSource


async def test_a_restarted_http_server_gets_a_new_session_and_the_call_goes_through(
    http_server: HttpServer,
) -> None:
    src = McpServerSource(McpServerConfig(name="web", url=http_server.url))
    await src.start()
    try:
        h = Harness(src)
        first = (await h.one("web__pid")).content
        http_server.kill()
        http_server.start()  # same port, new process: it does not know our session
        again = await h.one("web__pid")
        assert again.status == "ok", again.content
        assert again.content != first
        assert (src.state, src.restarts) == ("connected", 1)
        assert (await h.one("web__echo", text="still")).content == "still"
        assert (await h.one("web__history")).content == "echo"  # each call ran once
    finally:
        await src.aclose()


async def test_a_dead_http_server_shows_as_failed_without_waiting_for_a_call(
    http_server: HttpServer,
) -> None:
    failed = asyncio.Event()

    def watch(source: McpServerSource) -> None:
        if source.state == "failed":
            failed.set()

    src = McpServerSource(McpServerConfig(name="web", url=http_server.url), on_state=watch)
    await src.start()
    try:
        http_server.kill()
        await asyncio.wait_for(failed.wait(), 20)  # the session's event stream notices
        assert src.reason is not None and "cannot be reached" in src.reason
        down = await Harness(src).one("web__echo", text="x")
        assert down.status == "error"
        assert "Error: tool 'web__echo' failed: MCP server 'web' cannot be reached" in down.content
        http_server.start()
        up = await Harness(src).one("web__echo", text="back")
        assert (up.status, up.content, src.state) == ("ok", "back", "connected")
    finally:
        await src.aclose()
