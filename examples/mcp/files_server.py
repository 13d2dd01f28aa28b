"""A small MCP server over stdio, written with the official SDK: read-only tools over a folder.

Try it from the repository root (with the virtualenv active):

    workbench mcp list --profile examples/mcp/files.yaml
    workbench run --profile examples/mcp/files.yaml 'files__read(path="README.md"), files__read(path="pyproject.toml")'

The folder is FILES_ROOT (default: the directory the server starts in). Paths outside it are refused.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

ROOT = Path(os.environ.get("FILES_ROOT", ".")).resolve()
server = MCPServer("files", instructions="Read-only access to one folder.")


def _inside(path: str) -> Path:
    # ToolError: an anticipated failure, whose text the model sees (any other exception reaches
    # it only as "Error executing tool ...").
    target = (ROOT / path).resolve()
    if target != ROOT and ROOT not in target.parents:
        raise ToolError(f"'{path}' is outside the served folder")
    if not target.exists():
        raise ToolError(f"'{path}' does not exist")
    return target


@server.tool()
async def read(path: str, max_chars: int = 20_000) -> str:
    """Read a text file (relative to the served folder)."""
    try:
        text = _inside(path).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ToolError(f"cannot read '{path}': {exc.strerror}") from None
    return text[:max_chars]


@server.tool()
async def list_dir(path: str = ".") -> list[str]:
    """The entries of a folder, folders with a trailing '/'."""
    folder = _inside(path)
    return sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())


@server.tool()
async def grep(pattern: str, path: str = ".", limit: int = 50) -> list[str]:
    """Lines matching a regular expression in the files below a folder, as 'file:line: text'."""
    regex = re.compile(pattern)
    hits: list[str] = []
    for file in sorted(_inside(path).rglob("*")):
        if not file.is_file() or any(part.startswith(".") for part in file.parts):
            continue
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except (UnicodeDecodeError, OSError):
            continue
        for n, line in enumerate(lines, 1):
            if regex.search(line):
                hits.append(f"{file.relative_to(ROOT)}:{n}: {line.strip()[:200]}")
                if len(hits) >= limit:
                    return hits
    return hits


@server.tool()
async def slow_stat(path: str, seconds: float = 1.0) -> str:
    """The size of a file, after a deliberate wait: batches of these show overlap on the timeline."""
    await asyncio.sleep(seconds)
    return f"{path}: {_inside(path).stat().st_size} bytes"


if __name__ == "__main__":
    server.run()
