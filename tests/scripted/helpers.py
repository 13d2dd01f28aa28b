"""A small registry named like the built-ins, and a driver that plays whole turns against the planner."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from workbench.core.messages import (
    AssistantMessage,
    CallStatus,
    Message,
    ToolCall,
    ToolResult,
    ToolResultsMessage,
    ToolSpec,
    UserMessage,
)
from workbench.core.settings import EmissionSettings
from workbench.scripted.plan import PlannedResponse, call_ids, plan_response
from workbench.tools.base import Tool, ToolArgumentsError, ToolRegistry, tool


@tool
def get_weather(city: str) -> dict[str, Any]:
    """Weather for a city."""
    return {"city": city, "temp_c": 18, "conditions": "partly cloudy"}


@tool
def get_time(timezone: str) -> dict[str, Any]:
    """Local time in an IANA zone or city."""
    return {"timezone": timezone, "time": "14:05:09", "date": "2026-03-01"}


@tool
def get_date() -> dict[str, Any]:
    """Today's date."""
    return {"date": "2026-03-01", "weekday": "Sunday"}


@tool
def read_file(path: str) -> dict[str, Any]:
    """Read a text file."""
    return {"path": path, "bytes": 12, "content": f"# {path}\nprint(1)\n"}


@tool
def list_files(dir: str = ".") -> dict[str, Any]:
    """List a directory."""
    return {
        "dir": dir,
        "entries": [{"name": "src", "type": "dir"}, {"name": "a.py", "type": "file"}],
    }


@tool
def search_code(pattern: str) -> dict[str, Any]:
    """Search the workspace."""
    return {"pattern": pattern, "matches": ["a.py:1:# TODO"]}


@tool
def run_linter(path: str) -> dict[str, Any]:
    """Lint a file."""
    return {"path": path, "issues": 2, "by_code": {"E501": 2}}


@tool
def fail(message: str = "boom") -> dict[str, Any]:
    """Always fail."""
    raise RuntimeError(message)


@tool
def hang() -> dict[str, Any]:
    """Never returns (the driver reports a timeout)."""
    raise AssertionError("the driver never runs hang")


@tool
def sleep(ms: int) -> dict[str, Any]:
    """Wait."""
    return {"slept_ms": ms}


BUILTIN_LIKE: list[Tool] = [
    get_weather,
    get_time,
    get_date,
    read_file,
    list_files,
    search_code,
    run_linter,
    fail,
    hang,
    sleep,
]


def registry(*extra: Tool, only: tuple[str, ...] | None = None) -> ToolRegistry:
    tools = [t for t in BUILTIN_LIKE if only is None or t.name in only]
    return ToolRegistry([*tools, *extra])


def specs(*extra: Tool, only: tuple[str, ...] | None = None) -> list[ToolSpec]:
    return registry(*extra, only=only).specs()


AUTO = EmissionSettings()
SERIAL = EmissionSettings(parallel=False)

Outcome = Callable[[ToolCall], tuple[CallStatus, str]]


def run_tool(reg: ToolRegistry) -> Outcome:
    """What a minimal executor would answer: the tool's JSON, or an error; ``hang`` times out."""

    def outcome(call: ToolCall) -> tuple[CallStatus, str]:
        if call.name == "hang":
            return "timeout", "tool 'hang' timed out after 0.5 s"
        found = reg.get(call.name)
        if found is None:
            return "error", f"unknown tool '{call.name}'"
        try:
            return "ok", json.dumps(found.invoke(**found.validate(call.arguments)))
        except (ToolArgumentsError, RuntimeError) as exc:
            return "error", f"{type(exc).__name__}: {exc}"

    return outcome


def respond(
    messages: list[Message], tool_specs: list[ToolSpec], emission: EmissionSettings
) -> AssistantMessage:
    """Plan the next response and append it, with ids, the way the scripted provider does."""
    planned: PlannedResponse = plan_response("", messages, tool_specs, emission)
    ids = call_ids(messages, len(planned.calls))
    message = AssistantMessage(
        text=planned.text,
        tool_calls=[
            ToolCall(id=i, name=c.name, arguments=c.arguments)
            for i, c in zip(ids, planned.calls, strict=True)
        ],
    )
    messages.append(message)
    return message


def answer(messages: list[Message], message: AssistantMessage, outcome: Outcome) -> None:
    results = []
    for call in message.tool_calls:
        status, content = outcome(call)
        results.append(ToolResult(call_id=call.id, name=call.name, status=status, content=content))
    messages.append(ToolResultsMessage(results=results))


def drive(
    prompt: str,
    *,
    reg: ToolRegistry | None = None,
    emission: EmissionSettings = AUTO,
    history: list[Message] | None = None,
    max_rounds: int = 20,
) -> tuple[list[AssistantMessage], list[Message]]:
    """Play one turn to its final text answer; returns the responses and the whole conversation."""
    reg = reg or registry()
    messages: list[Message] = [*(history or []), UserMessage(content=prompt)]
    responses: list[AssistantMessage] = []
    for _ in range(max_rounds):
        message = respond(messages, reg.specs(), emission)
        responses.append(message)
        if not message.tool_calls:
            return responses, messages
        answer(messages, message, run_tool(reg))
    raise AssertionError(f"no final answer after {max_rounds} responses")


def batches(responses: list[AssistantMessage]) -> list[list[tuple[str, dict[str, Any] | None]]]:
    """The (name, arguments) of each response's calls, responses without calls left out."""
    return [[(c.name, c.arguments) for c in r.tool_calls] for r in responses if r.tool_calls]


def first(
    prompt: str, tool_specs: list[ToolSpec] | None = None, emission: EmissionSettings = AUTO
) -> PlannedResponse:
    """The planner's first response to a fresh prompt."""
    return plan_response("", [UserMessage(content=prompt)], tool_specs or specs(), emission)


def calls_of(planned: PlannedResponse) -> list[tuple[str, dict[str, Any]]]:
    return [(c.name, c.arguments) for c in planned.calls]
