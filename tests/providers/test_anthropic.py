"""The Claude adapter through the real ``anthropic`` SDK against the loopback emulator.

What a user would notice: answers and tool calls arrive intact (however the stream splits them), the
parallel and mode knobs reach the API, calls start before the response ends, and follow-up requests
carry results in the shape Claude accepts (the emulator refuses anything else with a 400).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.providers.support import (
    AWKWARD_ARGUMENTS,
    AWKWARD_REPLY,
    WEATHER_PROMPT,
    collect,
    complete,
    converse,
    loop_turn,
    request,
    sent_body,
)
from workbench.core.messages import (
    AssistantMessage,
    Message,
    ToolCall,
    ToolResult,
    ToolResultsMessage,
    UserMessage,
)
from workbench.core.provider import (
    CallReady,
    ProviderEvent,
    ResponseComplete,
    TextChunk,
)
from workbench.core.settings import EmissionSettings, FunctionCallingMode
from workbench.emulator.convert import Reply, ReplyCall
from workbench.emulator.server import EmulatorServer, Misbehaviour
from workbench.providers.anthropic import AnthropicProvider


@pytest.fixture
async def claude(emulator: EmulatorServer) -> AsyncIterator[AnthropicProvider]:
    provider = AnthropicProvider(
        model="claude-test", api_key="test-key", base_url=emulator.base_urls["anthropic"]
    )
    yield provider
    await provider.aclose()


async def test_plain_answer_streams_text_and_usage(
    claude: AnthropicProvider, emulator: EmulatorServer
) -> None:
    emulator.script(Reply.of("Hello there, nice to meet you."))
    events = await collect(claude, request([UserMessage(content="hi")]))
    done = complete(events)
    chunks = [e.text for e in events if isinstance(e, TextChunk)]
    assert len(chunks) > 1  # streamed, not delivered at the end
    assert "".join(chunks) == done.message.text == "Hello there, nice to meet you."
    assert done.message.tool_calls == []
    assert done.stop_reason == "end_turn"
    assert done.usage.input_tokens > 0 and done.usage.output_tokens > 0
    # The 2.x SDK authenticates with a bearer token; the emulator accepts it.
    assert emulator.requests[0].headers["authorization"] == "Bearer test-key"


async def test_three_calls_in_one_response_then_a_final_answer(
    claude: AnthropicProvider, emulator: EmulatorServer
) -> None:
    responses = await converse(claude, WEATHER_PROMPT)
    first = responses[0].message
    assert [(c.name, c.arguments) for c in first.tool_calls] == [
        ("get_weather", {"city": "Tokyo"}),
        ("get_weather", {"city": "Paris"}),
        ("get_time", {"timezone": "Europe/Paris"}),
    ]
    assert responses[0].stop_reason == "tool_use"
    assert len(responses) == 2 and responses[1].message.text
    assert sent_body(emulator, 0)["tool_choice"] == {
        "type": "auto",
        "disable_parallel_tool_use": False,
    }
    # All three results went back in ONE user message, tool_result blocks only.
    follow_up = sent_body(emulator, 1)["messages"]
    assert [m["role"] for m in follow_up] == ["user", "assistant", "user"]
    assert [b["type"] for b in follow_up[2]["content"]] == ["tool_result"] * 3
    assert [b["tool_use_id"] for b in follow_up[2]["content"]] == [c.id for c in first.tool_calls]


async def test_dependent_batches_over_several_round_trips(
    claude: AnthropicProvider, emulator: EmulatorServer
) -> None:
    prompt = 'read_file(path="a.py") then run_linter(path="a.py"), run_linter(path="b.py")'
    responses = await converse(claude, prompt)
    batches = [[c.name for c in r.message.tool_calls] for r in responses]
    assert batches == [["read_file"], ["run_linter", "run_linter"], []]
    # The emulator validated both follow-ups (every tool_use answered in the next message).
    assert len(emulator.requests) == 3


async def test_parallel_off_sends_the_knob_and_gets_one_call_per_response(
    claude: AnthropicProvider, emulator: EmulatorServer
) -> None:
    responses = await converse(claude, WEATHER_PROMPT, EmissionSettings(parallel=False))
    assert [len(r.message.tool_calls) for r in responses] == [1, 1, 1, 0]
    for sent in emulator.requests:
        assert sent.json()["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}


@pytest.mark.parametrize(
    ("mode", "choice"),
    [
        ("NONE", {"type": "none"}),
        ("ANY", {"type": "any", "disable_parallel_tool_use": False}),
    ],
)
async def test_function_calling_mode_maps_to_tool_choice(
    claude: AnthropicProvider,
    emulator: EmulatorServer,
    mode: FunctionCallingMode,
    choice: dict[str, Any],
) -> None:
    emission = EmissionSettings(function_calling_mode=mode)
    done = complete(await collect(claude, request([UserMessage(content="hello")], emission)))
    assert sent_body(emulator)["tool_choice"] == choice
    if mode == "NONE":
        assert done.message.tool_calls == []
    else:
        assert len(done.message.tool_calls) == 1  # tool use was required


async def test_no_tools_sends_no_tool_choice(
    claude: AnthropicProvider, emulator: EmulatorServer
) -> None:
    await collect(claude, request([UserMessage(content="hello")], tools=[]))
    body = sent_body(emulator)
    assert "tools" not in body and "tool_choice" not in body


async def test_awkward_stream_text_between_calls_unicode_and_escapes(
    claude: AnthropicProvider, emulator: EmulatorServer
) -> None:
    emulator.script(AWKWARD_REPLY)
    events = await collect(claude, request([UserMessage(content="go")]))
    done = complete(events)
    assert done.message.text == "Looking… then the linter "
    assert [c.arguments for c in done.message.tool_calls] == AWKWARD_ARGUMENTS
    # Text, then a call, then more text: the order the model streamed is kept for the echo.
    content = done.message.provider_data and done.message.provider_data["content"]
    assert [b["type"] for b in content or []] == [
        "text",
        "tool_use",
        "text",
        "tool_use",
        "tool_use",
        "tool_use",
    ]


async def test_calls_are_announced_before_the_rest_of_the_response_streams(
    claude: AnthropicProvider, emulator: EmulatorServer
) -> None:
    emulator.script(
        Reply.of(
            ReplyCall.of("get_weather", {"city": "Paris"}),
            ReplyCall.of("get_weather", {"city": "Oslo"}),
        )
    )
    # The server holds the stream right after the first tool_use block closes.
    emulator.misbehave(Misbehaviour(pause_after=b"event: content_block_stop"))
    seen: list[ProviderEvent] = []
    async with asyncio.timeout(5):
        async for event in claude.stream(request([UserMessage(content="go")])):
            seen.append(event)
            if isinstance(event, CallReady) and event.call.arguments == {"city": "Paris"}:
                # Only reachable if the call was announced while the stream was still held.
                assert not any(isinstance(e, ResponseComplete) for e in seen)
                emulator.release()
    kinds = [type(e).__name__ for e in seen]
    assert kinds == ["CallReady", "CallReady", "ResponseComplete"]


async def test_without_eager_dispatch_calls_come_only_with_the_response(
    emulator: EmulatorServer,
) -> None:
    provider = AnthropicProvider(
        model="claude-test",
        api_key="k",
        base_url=emulator.base_urls["anthropic"],
        eager_dispatch=False,
    )
    try:
        assert provider.capabilities.eager_dispatch is False
        events = await collect(provider, request([UserMessage(content=WEATHER_PROMPT)]))
    finally:
        await provider.aclose()
    assert not any(isinstance(e, CallReady) for e in events)
    assert len(complete(events).message.tool_calls) == 3


async def test_malformed_arguments_become_a_parse_error_not_an_exception(
    claude: AnthropicProvider, emulator: EmulatorServer
) -> None:
    emulator.script(
        Reply.of(
            ReplyCall("get_weather", '{"city": "Par'),
            ReplyCall("get_time", "[1, 2]"),
            ReplyCall("no_such_tool", '{"x": 1}'),
        )
    )
    calls = complete(await collect(claude, request([UserMessage(content="go")]))).message.tool_calls
    broken, listed, unknown = calls
    assert broken.arguments is None and broken.raw_arguments == '{"city": "Par'
    assert broken.parse_error and "invalid JSON" in broken.parse_error
    assert listed.arguments is None and listed.parse_error and "JSON object" in listed.parse_error
    # An unknown tool passes through: the executor answers it.
    assert (unknown.name, unknown.arguments) == ("no_such_tool", {"x": 1})


async def test_error_results_are_flagged_and_missing_ones_are_answered(
    claude: AnthropicProvider, emulator: EmulatorServer
) -> None:
    calls = [
        ToolCall(id="toolu_a", name="get_weather", arguments={"city": "Paris"}),
        ToolCall(id="toolu_b", name="get_time", arguments={"timezone": "Europe/Paris"}),
    ]
    history: list[Message] = [
        UserMessage(content="first try"),
        UserMessage(content=WEATHER_PROMPT),  # a failed turn left two user messages in a row
        AssistantMessage(text="Checking.", tool_calls=calls),
        ToolResultsMessage(
            results=[
                ToolResult(
                    call_id="toolu_a", name="get_weather", status="timeout", content="timed out"
                )
            ]
        ),
    ]
    await collect(claude, request(history))
    messages = sent_body(emulator)["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert [b["text"] for b in messages[0]["content"]] == ["first try", WEATHER_PROMPT]
    results = messages[2]["content"]
    assert [(r["tool_use_id"], r.get("is_error", False)) for r in results] == [
        ("toolu_a", True),
        ("toolu_b", True),  # never answered by the core: sent as an error so the API accepts it
    ]


async def test_preflight_and_capabilities_speak_plainly(claude: AnthropicProvider) -> None:
    assert claude.capabilities.parallel_knob == "tool_choice.disable_parallel_tool_use"
    none_off = request([], EmissionSettings(parallel=False, function_calling_mode="NONE"))
    assert any("does not apply" in w for w in claude.preflight(none_off))
    assert claude.preflight(request([])) == []


async def test_a_whole_turn_through_the_agent_loop(
    claude: AnthropicProvider, emulator: EmulatorServer, tmp_path: Path
) -> None:
    finished = await loop_turn(claude, tmp_path, WEATHER_PROMPT)
    assert finished.status == "completed" and finished.stats.calls == 3
    assert "Tokyo" in finished.text
    results = json.dumps(sent_body(emulator)["messages"][-1])
    assert "tool_result" in results
