"""A stdio server as a child process workbench owns: spawned with anyio, its pipes handed to the session.

Owning the process (rather than letting the SDK's ``stdio_client`` spawn it) is what gives a user the
exit code when a server goes away, through public API only. The wire is the SDK's: one JSON-RPC
message per line, parsed with ``mcp_types``. Shutdown follows the spec: close stdin, wait, then
SIGTERM the process group and SIGKILL it if it still lives.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TextIO

import anyio
import anyio.abc
import mcp_types
from anyio.streams.text import TextReceiveStream
from mcp.client.stdio import get_default_environment
from mcp.shared.message import SessionMessage

_GRACE_S = 2.0
"""After stdin closes, how long the server may take to exit by itself."""
_TERM_S = 2.0
"""After SIGTERM, how long before SIGKILL."""


async def spawn(
    command: str,
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: str | None,
    stderr: TextIO,
) -> anyio.abc.Process:
    """Start the server in its own process group with only the basic environment plus ``env``.

    Raises ``OSError`` (``FileNotFoundError``, ``PermissionError``) when it cannot be started.
    """
    return await anyio.open_process(
        [command, *args],
        env=get_default_environment() | dict(env),
        cwd=cwd,
        stderr=stderr,
        start_new_session=sys.platform != "win32",
    )


@asynccontextmanager
async def transport(process: anyio.abc.Process) -> AsyncIterator[tuple[Any, Any]]:
    """The session's read and write streams over ``process``'s stdout and stdin; on leaving,
    the process is stopped (every wait bounded, shielded from the caller's cancellation)."""
    read_writer, read_stream = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    write_stream, write_reader = anyio.create_memory_object_stream[SessionMessage](0)
    assert process.stdin is not None and process.stdout is not None
    stdin, stdout = process.stdin, process.stdout

    async def read() -> None:
        with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
            async with read_writer:
                buffer = ""
                async for chunk in TextReceiveStream(stdout, errors="replace"):
                    *lines, buffer = (buffer + chunk).split("\n")
                    for line in lines:
                        if line.strip():
                            await read_writer.send(_parse(line))

    async def write() -> None:
        try:
            async with write_reader:
                async for message in write_reader:
                    data = message.message.model_dump_json(by_alias=True, exclude_unset=True)
                    await stdin.send((data + "\n").encode())
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
            await read_writer.aclose()  # the server stopped reading: the session hears it closed

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(read)
        tasks.start_soon(write)
        try:
            yield read_stream, write_stream
        finally:
            with anyio.CancelScope(shield=True):
                write_stream.close()
                read_stream.close()
                await stop(process)
            tasks.cancel_scope.cancel()


def _parse(line: str) -> SessionMessage | Exception:
    try:
        return SessionMessage(mcp_types.jsonrpc_message_adapter.validate_json(line, by_name=False))
    except ValueError as exc:  # the session reports it; a banner on stdout is not fatal
        return exc


async def stop(process: anyio.abc.Process) -> None:
    """Close stdin, give the server ``_GRACE_S`` to exit, then SIGTERM and SIGKILL its group."""
    assert process.stdin is not None
    with contextlib.suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
        await process.stdin.aclose()
    if await _exited(process, _GRACE_S):
        return
    _signal_group(process, signal.SIGTERM)
    if await _exited(process, _TERM_S):
        return
    _signal_group(process, getattr(signal, "SIGKILL", signal.SIGTERM))
    await _exited(process, _TERM_S)


async def _exited(process: anyio.abc.Process, timeout_s: float) -> bool:
    # returncode, not wait(): wait() also waits for the pipes, which a grandchild may hold open.
    with anyio.move_on_after(timeout_s):
        while process.returncode is None:  # noqa: ASYNC110 - no event tells it
            await anyio.sleep(0.01)
    return process.returncode is not None


def _signal_group(process: anyio.abc.Process, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        if sys.platform == "win32":
            process.send_signal(sig)
        else:
            os.killpg(process.pid, sig)
