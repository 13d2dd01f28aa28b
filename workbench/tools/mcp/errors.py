"""What goes wrong with an MCP server, in words a user and a model can act on."""

from __future__ import annotations

import asyncio

import anyio
import httpx2

from workbench.core.tools import ToolFailed


class McpToolError(ToolFailed):
    """The server answered the call with ``isError``: the text is for the model to correct itself."""


class McpServerError(ToolFailed):
    """The server could not run the call: it died, it cannot be reached, or it answered an error."""


def leaf(exc: BaseException) -> BaseException:
    """The one error inside the SDK's nested ``ExceptionGroup``s a user can act on."""
    while isinstance(exc, BaseExceptionGroup):
        inner = list(exc.exceptions)
        useful = [e for e in inner if not isinstance(e, asyncio.CancelledError)]
        exc = (useful or inner)[0]
    return exc


def leaf_text(exc: BaseException) -> str:
    found = leaf(exc)
    text = str(found).strip().splitlines()[0] if str(found).strip() else ""
    return f"{type(found).__name__}: {text}" if text else type(found).__name__


def is_transport_error(exc: BaseException) -> bool:
    if isinstance(exc, BaseExceptionGroup):
        return True  # the transport's task group failed
    return isinstance(
        exc,
        OSError
        | EOFError
        | anyio.ClosedResourceError
        | anyio.BrokenResourceError
        | anyio.EndOfStream
        | httpx2.TransportError,
    )


def exit_words(code: int | None) -> str:
    """How a stdio server's end is said everywhere: ``exited with code 3``, ``was killed by
    signal 9``, or ``exited`` when the code is unknown."""
    if code is None:
        return "exited"
    if code < 0:
        return f"was killed by signal {-code}"
    return f"exited with code {code}"
