"""Helpers shared by the adapter tests: requests, running a stream, answering calls, reading what was sent.

Generic over the ``Provider`` protocol, so each vendor's test file keeps only what is particular to it;
the OpenAI-only helpers (built-in tool specs, the JSON ``answer``) live in ``openai_support``.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest

from workbench.core.events import TurnFinished
from workbench.core.loop import AgentLoop
from workbench.core.messages import (
    Message,
    ToolCall,
    ToolResult,
    ToolResultsMessage,
    ToolSpec,
    UserMessage,
)
from workbench.core.provider import (
    ModelRequest,
    Provider,
    ProviderError,
    ProviderEvent,
    ResponseComplete,
)
from workbench.core.settings import EmissionSettings
from workbench.emulator.convert import Reply, ReplyCall
from workbench.emulator.server import EmulatorServer
from workbench.tools.base import ToolRegistry
from workbench.tools.builtin import builtin_tools
from workbench.tools.latency import set_latency_scale


def spec(name: str, *params: str) -> ToolSpec:
    """A tool taking the given string parameters, all required."""
    properties = {p: {"type": "string"} for p in params}
    schema = {"type": "object", "properties": properties, "required": list(params)}
    return ToolSpec(name=name, description=f"{name} tool", parameters=schema)


# Names the emulator's scripted model plans calls for from the prompt.
TOOLS = [
    spec("get_weather", "city"),
    spec("get_time", "timezone"),
    spec("read_file", "path"),
    spec("run_linter", "path"),
]
WEATHER_PROMPT = "What's the weather in Tokyo and Paris, and the time in Paris?"

# One stream every adapter must reassemble: text between calls, escapes and non-ASCII in arguments,
# and (for Gemini) get_weather sharing a chunk with run_linter.
AWKWARD_ARGUMENTS: list[dict[str, Any]] = [
    {"path": 'dir/naïve "quoted" \\ back\\slash\n— 日本語 🌧️'},
    {"path": "ü.py"},
    {"city": "Zürich"},
    {"timezone": "Asia/Tōkyō"},
]
AWKWARD_REPLY = Reply.of(
    "Looking… ",
    ReplyCall.of("read_file", AWKWARD_ARGUMENTS[0]),
    "then the linter ",
    ReplyCall.of("run_linter", AWKWARD_ARGUMENTS[1]),
    ReplyCall.of("get_weather", AWKWARD_ARGUMENTS[2]),
    ReplyCall.of("get_time", AWKWARD_ARGUMENTS[3]),
)


def request(
    messages: list[Message], emission: EmissionSettings | None = None, tools: list[ToolSpec] = TOOLS
) -> ModelRequest:
    return ModelRequest(
        system="You are terse.",
        messages=messages,
        tools=tools,
        emission=emission or EmissionSettings(),
    )


async def collect(provider: Provider, req: ModelRequest) -> list[ProviderEvent]:
    return [event async for event in provider.stream(req)]


def complete(events: list[ProviderEvent]) -> ResponseComplete:
    last = events[-1]
    assert isinstance(last, ResponseComplete)
    return last


def ok_results(calls: list[ToolCall]) -> ToolResultsMessage:
    """An ok result for every call, saying ``<name> done``."""
    return ToolResultsMessage(
        results=[
            ToolResult(call_id=c.id, name=c.name, status="ok", content=f"{c.name} done")
            for c in calls
        ]
    )


async def converse(
    provider: Provider, prompt: str, emission: EmissionSettings | None = None
) -> list[ResponseComplete]:
    """Answer every call with an ok result until the model gives a final answer."""
    messages: list[Message] = [UserMessage(content=prompt)]
    responses: list[ResponseComplete] = []
    for _ in range(8):
        done = complete(await collect(provider, request(list(messages), emission)))
        responses.append(done)
        messages.append(done.message)
        if not done.message.tool_calls:
            return responses
        messages.append(ok_results(done.message.tool_calls))
    raise AssertionError("the model never gave a final answer")


async def loop_turn(provider: Provider, tmp_path: Path, prompt: str) -> TurnFinished:
    """Run one whole turn through the agent loop with the built-in tools at no latency."""
    previous = set_latency_scale(0.0)
    try:
        loop = AgentLoop(provider, ToolRegistry(builtin_tools(tmp_path)))
        async with asyncio.timeout(10):
            events = [event async for event in loop.run(prompt)]
    finally:
        set_latency_scale(previous)
    finished = events[-1]
    assert isinstance(finished, TurnFinished)
    return finished


def sent_body(emulator: EmulatorServer, index: int = -1) -> dict[str, Any]:
    """The JSON body of one request the SDK sent (the last by default)."""
    body: dict[str, Any] = emulator.requests[index].json()
    return body


def sent_bodies(emulator: EmulatorServer) -> list[dict[str, Any]]:
    """The JSON bodies the SDK sent, in order."""
    return [sent_body(emulator, i) for i in range(len(emulator.requests))]


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


# What the error tests send: one tool, a prompt that calls it twice.
FAILURE_TOOLS = [
    ToolSpec(
        name="get_weather",
        description="Weather for a city",
        parameters={
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    )
]
FAILURE_PROMPT = "What's the weather in Paris and Oslo?"


def failure_request() -> ModelRequest:
    return ModelRequest(
        system="",
        messages=[UserMessage(content=FAILURE_PROMPT)],
        tools=FAILURE_TOOLS,
        emission=EmissionSettings(),
    )


async def fail(provider: Provider, vendor: str) -> ProviderError:
    """Stream the failure request and return the one-line ProviderError it must raise."""
    with pytest.raises(ProviderError) as caught:
        async for _ in provider.stream(failure_request()):
            pass
    error = caught.value
    assert error.provider == vendor
    assert error.message and "\n" not in error.message  # one readable line
    return error
