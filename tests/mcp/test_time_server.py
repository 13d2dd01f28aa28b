"""A reference server from the package registry, as users run it: ``mcp-server-time`` over stdio."""

from __future__ import annotations

import json
import sys

from tests.mcp.conftest import Harness
from workbench.config.mcp import McpServerConfig
from workbench.tools.mcp import McpServerSource


async def test_mcp_server_time_lists_its_tools_and_answers_a_call() -> None:
    config = McpServerConfig(
        name="time",
        command=sys.executable,
        args=["-m", "mcp_server_time", "--local-timezone", "UTC"],
    )
    src = McpServerSource(config)
    await src.start()
    try:
        names = sorted(t.name for t in src.tools())
        assert names == ["time__convert_time", "time__get_current_time"]
        result = await Harness(src).one("time__get_current_time", timezone="Europe/Paris")
        assert result.status == "ok", result.content
        assert json.loads(result.content)["timezone"] == "Europe/Paris"  # text once, no copy
        bad = await Harness(src).one("time__get_current_time", timezone="Mars/Olympus")
        assert bad.status == "error"
        assert "McpToolError" not in bad.content and "McpServerError" not in bad.content
        assert bad.content.startswith("Error: tool 'time__get_current_time' failed: ")
    finally:
        await src.aclose()
    assert src.state == "closed"
