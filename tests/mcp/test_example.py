"""The shipped example: its profile loads and its server answers (run with this interpreter)."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.mcp.conftest import Harness
from workbench.config.loader import load_profile_file
from workbench.tools.mcp import McpServerSource

ROOT = Path(__file__).resolve().parents[2]


async def test_the_example_profile_and_server_work_together() -> None:
    [profile] = load_profile_file(ROOT / "examples" / "mcp" / "files.yaml")
    [server] = profile.mcp_servers
    assert (server.name, server.command) == ("files", "python")
    config = server.model_copy(
        update={"command": sys.executable, "args": [str(ROOT / server.args[0])]}
    )
    src = McpServerSource(config, cwd=ROOT)
    await src.start()
    try:
        assert {t.name for t in src.tools()} == {
            "files__read",
            "files__list_dir",
            "files__grep",
            "files__slow_stat",
        }
        h = Harness(src)
        readme, outside, missing = await h.run(
            ("files__read", {"path": "README.md", "max_chars": 11}),
            ("files__read", {"path": "../etc/passwd"}),
            ("files__read", {"path": "nope.txt"}),
        )
        assert (readme.status, readme.content) == ("ok", "# Workbench")
        assert outside.status == "error" and "outside the served folder" in outside.content
        assert missing.status == "error" and "'nope.txt' does not exist" in missing.content
    finally:
        await src.aclose()
