"""What is particular to the Chat Completions adapter: call assembly, dispatch timing, the echo."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from openai._models import construct_type_unchecked
from openai.types.chat import ChatCompletionChunk

from tests.providers.openai_support import (
    WEATHER,
    answer,
    complete,
    make_provider,
    request,
)
from tests.providers.support import collect, sent_bodies
from workbench.core.messages import Message, ToolSpec, UserMessage
from workbench.core.provider import CallReady, ResponseComplete, TextChunk
from workbench.emulator.convert import Reply, ReplyCall
from workbench.emulator.server import EmulatorServer, Misbehaviour
from workbench.providers.openai_chat import OpenAIChatProvider, _Assembly


@pytest.fixture
async def chat(emulator: EmulatorServer) -> AsyncIterator[OpenAIChatProvider]:
    provider = make_provider(emulator, "openai-chat")
    assert isinstance(provider, OpenAIChatProvider)
    yield provider
    await provider.aclose()


async def test_interleaved_fragments_of_several_calls_assemble_correctly(
    chat: OpenAIChatProvider, tools: list[ToolSpec], emulator: EmulatorServer
) -> None:
    emulator.misbehave(Misbehaviour(interleave_chat_fragments=True))
    emulator.script(
        Reply.of(
            ReplyCall.of("get_weather", {"city": "São Paulo"}),
            ReplyCall.of("get_time", {"timezone": "America/Sao_Paulo"}),
            ReplyCall.of("read_file", {"path": 'docs/ünïcode "name".md'}),
        )
    )
    done = complete(await collect(chat, request(WEATHER, tools)))
    assert [(c.name, c.arguments) for c in done.message.tool_calls] == [
        ("get_weather", {"city": "São Paulo"}),
        ("get_time", {"timezone": "America/Sao_Paulo"}),
        ("read_file", {"path": 'docs/ünïcode "name".md'}),
    ]


async def test_calls_are_announced_only_when_the_response_finishes(
    chat: OpenAIChatProvider, tools: list[ToolSpec], emulator: EmulatorServer
) -> None:
    emulator.script(
        Reply.of(ReplyCall.of("get_date", {}), "trailing words", ReplyCall.of("get_date", {}))
    )
    events = await collect(chat, request(WEATHER, tools))
    kinds = [type(e) for e in events]
    # Every CallReady comes after the last text delta, together, right before the end.
    assert kinds[-3:] == [CallReady, CallReady, ResponseComplete]
    assert TextChunk in kinds[:-3]
    assert chat.capabilities.eager_dispatch is False
    assert chat.capabilities.parallel_knob == "parallel_tool_calls"


async def test_follow_up_echoes_calls_without_index_and_answers_each_id(
    chat: OpenAIChatProvider, tools: list[ToolSpec], emulator: EmulatorServer
) -> None:
    first = complete(await collect(chat, request(WEATHER, tools))).message
    history: list[Message] = [UserMessage(content=WEATHER), first, answer(first)]
    complete(await collect(chat, request(history, tools)))
    messages = sent_bodies(emulator)[1]["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool", "tool", "tool"]
    assistant = messages[2]
    assert all(set(tc) == {"id", "type", "function"} for tc in assistant["tool_calls"])
    assert [m["tool_call_id"] for m in messages[3:]] == [c.id for c in first.tool_calls]


async def test_usage_is_requested_and_reported(
    chat: OpenAIChatProvider, tools: list[ToolSpec], emulator: EmulatorServer
) -> None:
    done = complete(await collect(chat, request(WEATHER, tools)))
    assert sent_bodies(emulator)[0]["stream_options"] == {"include_usage": True}
    assert done.usage.input_tokens > 0
    assert done.usage.output_tokens > 0


def _chunk(delta: dict[str, Any], finish: str | None = None) -> ChatCompletionChunk:
    # Built the way the SDK builds streamed chunks: without validation, so missing keys stay missing.
    return construct_type_unchecked(
        type_=ChatCompletionChunk,
        value={
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        },
    )


def test_whole_calls_without_index_are_told_apart_by_id() -> None:
    """Some compatible servers send each call whole, without ``index``."""
    assembly = _Assembly()
    date = {"id": "a", "type": "function", "function": {"name": "get_date", "arguments": "{}"}}
    time = {"id": "b", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}
    assembly.feed(_chunk({"tool_calls": [date, time]}, finish="tool_calls"))
    done = assembly.finish()[-1]
    assert isinstance(done, ResponseComplete)
    assert [(c.id, c.name) for c in done.message.tool_calls] == [
        ("a", "get_date"),
        ("b", "get_time"),
    ]


def test_repeated_id_and_name_are_not_concatenated_and_missing_ids_are_made() -> None:
    assembly = _Assembly()
    head = {"index": 0, "type": "function", "function": {"name": "get_time", "arguments": ""}}
    again = {"index": 0, "function": {"name": "get_time", "arguments": '{"timezone": "UTC"}'}}
    assembly.feed(_chunk({"tool_calls": [head]}))
    assembly.feed(_chunk({"tool_calls": [again]}))
    events = assembly.finish()
    done = events[-1]
    assert isinstance(done, ResponseComplete)
    [call] = done.message.tool_calls
    assert (call.id, call.name, call.arguments) == ("call_0", "get_time", {"timezone": "UTC"})
    # A stream without finish_reason still announces its calls before it ends.
    assert isinstance(events[0], CallReady)
    assert done.stop_reason == "tool_calls"
