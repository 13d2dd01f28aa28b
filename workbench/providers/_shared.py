"""Small pieces every adapter needs and none of them owns: no vendor SDK is imported here."""

from __future__ import annotations

import json
from typing import Any

from workbench.core.messages import ToolCall
from workbench.core.provider import ModelRequest


def parse_call(call_id: str, name: str, raw: str) -> ToolCall:
    """A call with parsed arguments, or with ``parse_error`` when they are not a JSON object.

    Malformed arguments never raise: the executor answers them with an error the model can read.
    Empty arguments mean none (servers stream nothing for a call without arguments).
    """
    text = raw if raw.strip() else "{}"
    try:
        value = json.loads(text)
    except ValueError as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        return ToolCall(
            id=call_id, name=name, raw_arguments=raw, parse_error=f"invalid JSON: {reason}"
        )
    if not isinstance(value, dict):
        return ToolCall(
            id=call_id,
            name=name,
            raw_arguments=raw,
            parse_error=f"arguments must be a JSON object, not {type(value).__name__}",
        )
    return ToolCall(id=call_id, name=name, arguments=value)


def wire_name(value: Any) -> str | None:
    """A response id or model name as the server sent it; None when it sent none (or not text).

    Streamed objects are built without validation, so a compatible server's junk can be anything.
    """
    return value if isinstance(value, str) and value else None


def one_line(text: str, limit: int = 300) -> str:
    """An error message as one readable line: whitespace folded, long text cut with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def mode_without_tools(request: ModelRequest) -> list[str]:
    """The warning for a function-calling mode that cannot apply because no tool is registered."""
    mode = request.emission.function_calling_mode
    if request.tools or mode == "AUTO":
        return []
    return [f"Function calling mode {mode} needs tools, and none are registered: it is not sent."]
