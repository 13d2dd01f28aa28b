"""Helpers for the OpenAI adapter tests: building providers against the emulator and running turns.

What is not particular to OpenAI (collecting a stream, reading what was sent) is in ``support``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.providers import support
from workbench.core.messages import (
    AssistantMessage,
    Message,
    ToolResult,
    ToolResultsMessage,
    ToolSpec,
    UserMessage,
)
from workbench.core.provider import (
    CallReady,
    ModelRequest,
    ProviderEvent,
    ResponseComplete,
    TextChunk,
)
from workbench.core.settings import EmissionSettings
from workbench.emulator.server import EmulatorServer
from workbench.providers.openai_chat import OpenAIChatProvider
from workbench.providers.openai_responses import OpenAIResponsesProvider
from workbench.tools.builtin import builtin_tools

OpenAIProvider = OpenAIChatProvider | OpenAIResponsesProvider
KINDS = ["openai-chat", "openai-responses"]
SYSTEM = "You are the workbench test model."
WEATHER = "What's the weather in Paris and Tokyo, and the time in London?"


def make_provider(
    server: EmulatorServer, kind: str, *, base_url: str | None = None, **kw: Any
) -> OpenAIProvider:
    cls = OpenAIChatProvider if kind == "openai-chat" else OpenAIResponsesProvider
    return cls(
        model="gpt-emulated", api_key="test-key", base_url=base_url or server.base_urls[kind], **kw
    )


def specs(tmp_path: Path) -> list[ToolSpec]:
    return [t.spec for t in builtin_tools(tmp_path)]


def request(
    messages: list[Message] | str,
    tools: list[ToolSpec],
    emission: EmissionSettings | None = None,
) -> ModelRequest:
    history: list[Message] = (
        [UserMessage(content=messages)] if isinstance(messages, str) else messages
    )
    return ModelRequest(
        system=SYSTEM, messages=history, tools=tools, emission=emission or EmissionSettings()
    )


def complete(events: list[ProviderEvent]) -> ResponseComplete:
    """The final response, which these adapters must send exactly once."""
    last = support.complete(events)
    assert sum(isinstance(e, ResponseComplete) for e in events) == 1
    return last


def streamed_text(events: list[ProviderEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextChunk))


def ready_calls(events: list[ProviderEvent]) -> list[str]:
    return [e.call.id for e in events if isinstance(e, CallReady)]


def answer(message: AssistantMessage) -> ToolResultsMessage:
    """Answer every call: ok with a small JSON output, or an error result for unparsable arguments."""
    results = [
        ToolResult(
            call_id=call.id,
            name=call.name,
            status="error" if call.parse_error else "ok",
            content=f"error: {call.parse_error}"
            if call.parse_error
            else json.dumps({"tool": call.name, "args": call.arguments}),
        )
        for call in message.tool_calls
    ]
    return ToolResultsMessage(results=results)


async def converse(
    provider: OpenAIProvider,
    prompt: str,
    tools: list[ToolSpec],
    emission: EmissionSettings | None = None,
    *,
    max_round_trips: int = 6,
) -> list[Message]:
    """Run one turn to its end as the agent loop would, answering calls; returns the history."""
    history: list[Message] = [UserMessage(content=prompt)]
    for _ in range(max_round_trips):
        message = complete(
            await support.collect(provider, request(history, tools, emission))
        ).message
        history.append(message)
        if not message.tool_calls:
            return history
        history.append(answer(message))
    raise AssertionError("the turn did not finish")


def batches(history: list[Message]) -> list[list[str]]:
    return [
        [call.name for call in m.tool_calls]
        for m in history
        if isinstance(m, AssistantMessage) and m.tool_calls
    ]
