"""What is particular to the Responses adapter: eager dispatch and the stateless echo."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.providers.openai_support import (
    SYSTEM,
    WEATHER,
    answer,
    complete,
    make_provider,
    ready_calls,
    request,
)
from tests.providers.support import collect, sent_bodies
from workbench.core.messages import Message, ToolSpec, UserMessage
from workbench.core.provider import CallReady, ProviderError, ProviderEvent, ResponseComplete
from workbench.emulator.convert import Reply, ReplyCall
from workbench.emulator.server import EmulatorServer, Misbehaviour
from workbench.providers.openai_responses import OpenAIResponsesProvider


@pytest.fixture
async def responses(emulator: EmulatorServer) -> AsyncIterator[OpenAIResponsesProvider]:
    provider = make_provider(emulator, "openai-responses")
    assert isinstance(provider, OpenAIResponsesProvider)
    yield provider
    await provider.aclose()


async def test_first_call_is_dispatched_while_the_rest_still_streams(
    responses: OpenAIResponsesProvider, tools: list[ToolSpec], emulator: EmulatorServer
) -> None:
    emulator.script(
        Reply.of(
            ReplyCall.of("get_weather", {"city": "Paris"}),
            ReplyCall.of("get_weather", {"city": "Tokyo"}),
            ReplyCall.of("get_time", {"timezone": "Europe/London"}),
        )
    )
    # The server holds the stream right after the first call's item is done: the adapter must
    # announce that call without waiting for the others (or this test times out).
    # (The reasoning item before it is done first; the pause waits for a function call's done.)
    emulator.misbehave(Misbehaviour(pause_after=b'"type": "function_call", "status": "completed"'))
    events: list[ProviderEvent] = []
    async with asyncio.timeout(5):
        async for event in responses.stream(request(WEATHER, tools)):
            events.append(event)
            if len(ready_calls(events)) == 1:
                emulator.release()
    first = events[0]
    assert isinstance(first, CallReady)
    assert first.call.arguments == {"city": "Paris"}
    assert [type(e) for e in events] == [CallReady, CallReady, CallReady, ResponseComplete]
    done = complete(events)
    assert ready_calls(events) == [c.id for c in done.message.tool_calls]
    assert responses.capabilities.eager_dispatch is True


async def test_without_eager_dispatch_calls_come_only_with_the_response(
    emulator: EmulatorServer, tools: list[ToolSpec]
) -> None:
    provider = make_provider(emulator, "openai-responses", eager_dispatch=False)
    try:
        events = await collect(provider, request(WEATHER, tools))
    finally:
        await provider.aclose()
    assert ready_calls(events) == []
    assert len(complete(events).message.tool_calls) == 3
    assert provider.capabilities.eager_dispatch is False


async def test_follow_up_sends_the_whole_conversation_statelessly(
    responses: OpenAIResponsesProvider, tools: list[ToolSpec], emulator: EmulatorServer
) -> None:
    first = complete(await collect(responses, request(WEATHER, tools))).message
    history: list[Message] = [UserMessage(content=WEATHER), first, answer(first)]
    complete(await collect(responses, request(history, tools)))
    body = sent_bodies(emulator)[1]
    assert body["instructions"] == SYSTEM
    assert "previous_response_id" not in body
    kinds = [item.get("type", item.get("role")) for item in body["input"]]
    assert (
        kinds
        == ["user", "reasoning", "assistant"] + ["function_call"] * 3 + ["function_call_output"] * 3
    )
    assert body["store"] is False
    echoed = [item["call_id"] for item in body["input"] if item.get("type") == "function_call"]
    answered = [
        item["call_id"] for item in body["input"] if item.get("type") == "function_call_output"
    ]
    assert echoed == answered == [c.id for c in first.tool_calls]
    assert body["tools"][0] == {
        "type": "function",
        "name": "get_weather",
        "description": tools[0].description,
        "parameters": tools[0].parameters,
        "strict": False,
    }


async def test_emulator_refuses_an_output_for_an_unknown_call(
    responses: OpenAIResponsesProvider, tools: list[ToolSpec], emulator: EmulatorServer
) -> None:
    first = complete(await collect(responses, request(WEATHER, tools))).message
    results = answer(first)
    results.results[0].call_id = "call_invented"
    history: list[Message] = [UserMessage(content=WEATHER), first, results]
    with pytest.raises(ProviderError) as caught:
        await collect(responses, request(history, tools))
    assert caught.value.kind == "bad_request"
    assert "call_invented" in caught.value.message
