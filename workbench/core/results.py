"""How outcomes are worded for the model: every result is text it can read and recover from."""

from __future__ import annotations

from typing import Any

from pydantic_core import PydanticSerializationError, to_json

from workbench.core.durations import setting_seconds
from workbench.core.tools import ToolFailed

MAX_RESULT_CHARS = 64_000


class JunkResultError(TypeError):
    """A tool returned something that cannot be sent to a model."""


def result_text(value: Any) -> str:
    """The text a model receives for a tool's return value (JSON unless it is already a string)."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = to_json(value).decode()
        except PydanticSerializationError as exc:
            raise JunkResultError(
                f"returned a {type(value).__name__} that cannot be sent to the model ({exc})"
            ) from None
    if len(text) > MAX_RESULT_CHARS:
        cut = len(text) - MAX_RESULT_CHARS
        text = text[:MAX_RESULT_CHARS] + f"\n… [{cut} more characters cut by workbench]"
    return text


def timeout_text(tool: str, timeout_s: float) -> str:
    return f"Error: tool '{tool}' timed out after {setting_seconds(timeout_s)}"


def raised_text(tool: str, exc: BaseException) -> str:
    detail = str(exc).strip()
    if isinstance(exc, ToolFailed):
        return f"Error: tool '{tool}' failed: {detail or 'no message'}"
    kind = type(exc).__name__
    return (
        f"Error: tool '{tool}' raised {kind}: {detail}"
        if detail
        else f"Error: tool '{tool}' raised {kind}"
    )


def cancelled_text(tool: str, started: bool) -> str:
    when = "before it finished" if started else "before it started"
    return f"Error: tool '{tool}' was cancelled {when} (the run was cancelled)"


def unknown_tool_text(tool: str, available: list[str], why: str | None = None) -> str:
    names = ", ".join(available) if available else "none"
    if why is not None:  # its source (an MCP server) did not start
        return f"Error: tool '{tool}' is not available: {why}. The tool was not run."
    return f"Error: unknown tool '{tool}'. The tool was not run. Available tools: {names}"


def bad_arguments_text(message: str) -> str:
    return f"Error: {message}. The tool was not run; call it again with corrected arguments."


def unparsable_arguments_text(tool: str, why: str, raw: str | None) -> str:
    shown = (raw or "")[:200]
    return (
        f"Error: the arguments for tool '{tool}' are not a valid JSON object ({why}); "
        f"received: {shown!r}. The tool was not run."
    )
