"""What is particular to the Chat Completions adapter: call assembly, dispatch timing, the echo."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from openai.types.chat import ChatCompletionChunk

from tests.providers.openai_support import (
    WEATHER,
    answer,
    complete,
    make_provider,
    request,
)
from tests.providers.support import collect, sent_bodies
from workbench.core.events import BatchStarted, TurnFinished
from workbench.core.loop import AgentLoop
from workbench.core.messages import Message, ToolSpec, UserMessage
from workbench.core.provider import CallReady, ProviderEvent, ResponseComplete
from workbench.core.settings import EmissionSettings
from workbench.emulator.convert import Reply, ReplyCall
from workbench.emulator.server import EmulatorServer, Misbehaviour
from workbench.providers.openai_chat import OpenAIChatProvider, _Assembly, _Regrown
from workbench.tools.base import ToolRegistry
from workbench.tools.builtin import builtin_tools


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


# Arguments with every awkward thing a fragment boundary can cut: an escaped quote, a backslash, a
# \u escape (ensure_ascii), a brace inside a string.
_ESCAPED = json.dumps({"path": 'dir/"quoted" \\ é {x}.md'}, ensure_ascii=True)
_THREE = Reply.of(
    "Checking.",
    ReplyCall("read_file", _ESCAPED),
    ReplyCall.of("get_weather", {"city": "São Paulo"}),
    ReplyCall.of("get_time", {"timezone": "America/Sao_Paulo"}),
)


def _eager_trace(events: list[ProviderEvent]) -> list[tuple[str, bool]]:
    """(tool, started eagerly) per announced call, after checking the rule that must never break:
    every call announced equals the call in the final message (its arguments cannot have grown)."""
    done = complete(events)
    final = {c.id: c for c in done.message.tool_calls}
    ready = [e for e in events if isinstance(e, CallReady)]
    assert sorted(e.call.id for e in ready) == sorted(final)
    for event in ready:
        assert event.call == final[event.call.id]
    return [(e.call.name, e.eager) for e in ready]


async def test_in_order_calls_start_as_soon_as_the_next_call_begins(
    chat: OpenAIChatProvider, tools: list[ToolSpec], emulator: EmulatorServer
) -> None:
    emulator.script(_THREE)
    events = await collect(chat, request(WEATHER, tools))
    assert _eager_trace(events) == [("read_file", True), ("get_weather", True), ("get_time", False)]
    # read_file started before get_time's fragments streamed: it is announced ahead of the end.
    kinds = [type(e) for e in events]
    assert kinds.index(CallReady) < len(kinds) - 2
    assert complete(events).message.tool_calls[0].arguments == json.loads(_ESCAPED)
    assert chat.capabilities.eager_dispatch is True


async def test_interleaved_fragments_fall_back_to_the_end_of_the_response(
    chat: OpenAIChatProvider, tools: list[ToolSpec], emulator: EmulatorServer
) -> None:
    emulator.misbehave(Misbehaviour(interleave_chat_fragments=True))
    emulator.script(_THREE)
    events = await collect(chat, request(WEATHER, tools))
    # Every call had only its empty first fragment when the later ones began: none can start early.
    assert _eager_trace(events) == [
        ("read_file", False),
        ("get_weather", False),
        ("get_time", False),
    ]


async def test_whole_calls_in_one_chunk_start_as_each_next_one_is_read(
    chat: OpenAIChatProvider, tools: list[ToolSpec], emulator: EmulatorServer
) -> None:
    emulator.misbehave(Misbehaviour(whole_chat_calls=True))
    emulator.script(_THREE)
    events = await collect(chat, request(WEATHER, tools))
    assert _eager_trace(events) == [("read_file", True), ("get_weather", True), ("get_time", False)]


async def test_split_escapes_never_start_a_call_with_half_its_arguments(
    chat: OpenAIChatProvider, tools: list[ToolSpec], emulator: EmulatorServer
) -> None:
    # Several calls whose arguments are cut inside escapes and braces-in-strings, in order and
    # interleaved: an early start always has the final arguments (checked in _eager_trace).
    tricky = [json.dumps({"path": p}, ensure_ascii=True) for p in ('{"}', "a\\}", 'é"}{')]
    reply = Reply.of(*(ReplyCall("read_file", t) for t in tricky))
    for interleave in (False, True):
        emulator.misbehave(Misbehaviour(interleave_chat_fragments=interleave))
        emulator.script(reply)
        events = await collect(chat, request(WEATHER, tools))
        trace = _eager_trace(events)
        assert [json.loads(t) for t in tricky] == [
            c.arguments for c in complete(events).message.tool_calls
        ]
        assert trace[-1] == ("read_file", False)


async def test_without_eager_dispatch_every_call_starts_at_the_end(
    emulator: EmulatorServer, tools: list[ToolSpec]
) -> None:
    provider = make_provider(emulator, "openai-chat", eager_dispatch=False)
    emulator.script(_THREE)
    events = await collect(provider, request(WEATHER, tools))
    assert [eager for _, eager in _eager_trace(events)] == [False, False, False]
    assert provider.capabilities.eager_dispatch is False
    await provider.aclose()


def test_a_call_whose_arguments_grow_after_it_started_is_a_stream_error() -> None:
    """The rule relies on JSON: more text after a whole object is invalid. A server that sends it
    anyway is refused rather than leaving a started call with arguments that differ."""
    assembly = _Assembly(eager=True)
    first = {
        "index": 0,
        "id": "a",
        "type": "function",
        "function": {"name": "get_date", "arguments": "{}"},
    }
    second = {
        "index": 1,
        "id": "b",
        "type": "function",
        "function": {"name": "get_date", "arguments": ""},
    }
    ready = assembly.feed(_chunk({"tool_calls": [first, second]}))
    assert [type(e) for e in ready] == [CallReady]
    assembly.feed(
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": "  "}}]})
    )  # whitespace
    with pytest.raises(_Regrown):
        assembly.feed(_chunk({"tool_calls": [{"index": 0, "function": {"arguments": ', "x": 1'}}]}))


async def test_the_loop_marks_a_batch_eager_only_when_a_call_started_before_the_end(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    provider = make_provider(emulator, "openai-chat")
    loop = AgentLoop(provider, ToolRegistry(builtin_tools(tmp_path)))
    marks = []
    for interleave in (False, True):
        emulator.misbehave(Misbehaviour(interleave_chat_fragments=interleave))
        emulator.script(_THREE, Reply.of("Done."))
        events = [e async for e in loop.run("go")]
        assert isinstance(events[-1], TurnFinished) and events[-1].status == "completed"
        marks.append([e.eager for e in events if isinstance(e, BatchStarted)])
    assert marks == [[True], [False]]
    await loop.aclose()


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
    # Built as the SDK builds streamed chunks, without validation (the SDK's model_construct builds
    # the nested models too): a key the server left out stays unset (None), it is not refused.
    body: dict[str, Any] = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return ChatCompletionChunk.model_construct(**body)


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


async def test_a_knob_ollama_ignores_is_shown_as_ignored_and_runs_what_comes_back(
    tools: list[ToolSpec],
) -> None:
    """Against an emulated Ollama, which reads neither parallel_tool_calls nor tool_choice."""
    server = EmulatorServer(chat_server="ollama")
    await server.start()
    provider = make_provider(server, "openai-chat", endpoint="ollama")
    try:
        off = EmissionSettings(parallel=False)
        [note] = [w for w in provider.preflight(request(WEATHER, tools, off)) if "Ollama" in w]
        assert note.startswith("parallel_tool_calls=false on Ollama (Chat Completions): sent, but")
        assert provider.capabilities.supports_function_calling_mode is False
        assert "not among the request fields" in provider.capabilities.parallel_note
        done = complete(await collect(provider, request(WEATHER, tools, off)))
        body = sent_bodies(server)[0]
        assert body["parallel_tool_calls"] is False
        assert "max_tokens" in body and "max_completion_tokens" not in body
        assert len(done.message.tool_calls) > 1  # ignored, as the note said
    finally:
        await provider.aclose()
        await server.stop()
