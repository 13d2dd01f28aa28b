"""A real MCP server for the tests, written with the SDK: stdio by default, Streamable HTTP with
``--http PORT``. ``--exit-at-start CODE`` exits before the handshake; ``--hang-at-start`` never
answers it. Run as a script (``python tests/mcp/server.py``), never imported by the tests."""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import sys
import time
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, ImageContent, TextContent, Tool, ToolExecution

LONG_NAME = "a_tool_whose_name_is_far_too_long_for_any_provider_to_accept_as_it_is"


class TestServer(MCPServer):
    """Lists ``needs_task`` as a tool that can only run as a task (``execution.taskSupport``)."""

    async def list_tools(self) -> list[Tool]:
        tools = await super().list_tools()
        required = ToolExecution(task_support="required")
        return [
            t.model_copy(update={"execution": required}) if t.name == "needs_task" else t
            for t in tools
        ]


server = TestServer("test-server")
_history: list[str] = []
_inside = 0
_crowd = asyncio.Event()
_cancelled = asyncio.Event()


@server.tool()
async def echo(text: str, times: int = 1) -> str:
    """Return the text, repeated."""
    _history.append("echo")
    return text * times


@server.tool()
async def history() -> str:
    """The names of the tools called so far, in order (this call not included)."""
    return ",".join(_history)


@server.tool()
async def barrier(n: int, wait_s: float = 5.0) -> str:
    """Return 'met' once ``n`` calls are inside at the same time, 'alone' after ``wait_s``."""
    global _inside
    _inside += 1
    if _inside >= n:
        _crowd.set()
    try:
        await asyncio.wait_for(_crowd.wait(), wait_s)
        return "met"
    except TimeoutError:
        return "alone"
    finally:
        _inside -= 1


@server.tool()
async def was_cancelled() -> str:
    """'yes' once a hang() call has been cancelled on this server (waits up to 5 s)."""
    try:
        await asyncio.wait_for(_cancelled.wait(), 5.0)
    except TimeoutError:
        return "no"
    return "yes"


@server.tool()
async def fail(message: str) -> str:
    """Raise (a 2.x server hides the text)."""
    raise ValueError(message)


@server.tool()
async def refuse(message: str) -> CallToolResult:
    """An isError result with a message for the model."""
    return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)


@server.tool()
async def sleep(seconds: float) -> str:
    """Wait, then say how long."""
    await asyncio.sleep(seconds)
    return f"slept {seconds}"


@server.tool()
async def hang() -> str:
    """Never return (until cancelled); leaves a mark in stderr when cancelled."""
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        _cancelled.set()
        print("hang was cancelled", file=sys.stderr, flush=True)
        raise
    return "unreachable"


@server.tool()
async def big(size: int) -> str:
    """A text of ``size`` characters."""
    return "x" * size


@server.tool()
async def crash(code: int = 3, delay: float = 0.0) -> str:
    """Exit the whole server process with ``code`` after ``delay`` seconds."""
    await asyncio.sleep(delay)
    os._exit(code)


@server.tool()
async def pid() -> str:
    """The server's process id (to tell a restarted server from the first)."""
    return str(os.getpid())


@server.tool(structured_output=True)
async def weather(city: str) -> dict[str, Any]:
    """Structured output."""
    return {"city": city, "temp_c": 21}


@server.tool()
async def picture() -> list[TextContent | ImageContent]:
    """A text block and an image block."""
    data = base64.b64encode(b"\x89PNG fake").decode()
    return [
        TextContent(type="text", text="a picture:"),
        ImageContent(type="image", data=data, mime_type="image/png"),
    ]


@server.tool(structured_output=True)
async def chart() -> ImageContent:
    """Only an image, which the SDK also sends as structured content (a copy of the block)."""
    data = base64.b64encode(b"\x89PNG" + b"\0" * 48_000).decode()
    return ImageContent(type="image", data=data, mime_type="image/png")


@server.tool()
async def sandwich() -> list[TextContent | ImageContent]:
    """Text, image, text: the order the model must see them in."""
    data = base64.b64encode(b"\x89PNG fake").decode()
    return [
        TextContent(type="text", text="before"),
        ImageContent(type="image", data=data, mime_type="image/png"),
        TextContent(type="text", text="after"),
    ]


@server.tool(name="files.read")
async def files_read(path: str) -> str:
    """A name with a dot, which no provider accepts."""
    return f"read {path}"


@server.tool(name=LONG_NAME)
async def long_named() -> str:
    """A name longer than 64 characters."""
    return "long"


@server.tool()
async def whoami(ctx: Context) -> str:
    """The client's name and version from the handshake (clientInfo)."""
    params = ctx.session.client_params
    info = params.client_info if params is not None else None
    return f"{info.name} {info.version}" if info is not None else "unknown"


@server.tool()
async def needs_task() -> str:
    """Listed as taskSupport: required."""
    return "ran without a task"


@server.tool()
async def secret_env(name: str) -> str:
    """Print an environment variable to stderr and say whether it is set (the secrets test)."""
    value = os.environ.get(name, "")
    print(f"{name}={value}", file=sys.stderr, flush=True)
    return "set" if value else "unset"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", type=int, default=None)
    parser.add_argument("--exit-at-start", type=int, default=None)
    parser.add_argument("--hang-at-start", action="store_true")
    args = parser.parse_args()
    print("test server starting", file=sys.stderr, flush=True)
    if args.exit_at_start is not None:
        print("refusing to start", file=sys.stderr, flush=True)
        sys.exit(args.exit_at_start)
    if args.hang_at_start:
        time.sleep(3600)
    if args.http is not None:
        server.run("streamable-http", host="127.0.0.1", port=args.http)
    else:
        server.run()


if __name__ == "__main__":
    main()
