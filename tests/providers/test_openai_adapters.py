"""Both OpenAI adapters, through the real openai SDK against the loopback emulator.

What is common to Chat Completions and Responses is tested here once per API; what differs lives in
test_openai_chat.py and test_openai_responses.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.providers.openai_support import (
    KINDS,
    WEATHER,
    OpenAIProvider,
    batches,
    complete,
    converse,
    make_provider,
    request,
    streamed_text,
)
from tests.providers.support import collect, sent_bodies
from workbench.core.messages import AssistantMessage, Message, ToolCall, ToolSpec, UserMessage
from workbench.core.provider import ProviderError
from workbench.core.settings import EmissionSettings
from workbench.emulator.convert import Reply, ReplyCall
from workbench.emulator.server import EmulatorServer, Misbehaviour

Make = Callable[..., OpenAIProvider]


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
async def make(emulator: EmulatorServer, kind: str) -> AsyncIterator[Make]:
    made: list[OpenAIProvider] = []

    def build(**kw: Any) -> OpenAIProvider:
        provider = make_provider(emulator, kind, **kw)
        made.append(provider)
        return provider

    yield build
    for provider in made:
        await provider.aclose()


async def test_plain_answer_streams_text_in_pieces(make: Make, tools: list[ToolSpec]) -> None:
    events = await collect(make(), request("hello there", tools))
    done = complete(events)
    assert done.message.tool_calls == []
    assert done.message.text.startswith("I'm the workbench's built-in scripted model")
    assert streamed_text(events) == done.message.text
    assert len(events) > 3  # several text deltas, not one blob
    assert done.stop_reason == "stop"
    assert done.usage.input_tokens > 0
    assert done.usage.output_tokens > 0


async def test_three_calls_in_one_response(
    make: Make, tools: list[ToolSpec], emulator: EmulatorServer
) -> None:
    done = complete(await collect(make(), request(WEATHER, tools)))
    calls = done.message.tool_calls
    assert [(c.name, c.arguments) for c in calls] == [
        ("get_weather", {"city": "Paris"}),
        ("get_weather", {"city": "Tokyo"}),
        ("get_time", {"timezone": "Europe/London"}),
    ]
    assert len({c.id for c in calls}) == 3
    assert done.stop_reason == "tool_calls"
    body = sent_bodies(emulator)[0]
    assert body["parallel_tool_calls"] is True
    assert body["tool_choice"] == "auto"


async def test_dependent_batches_are_answered_and_accepted(
    make: Make, tools: list[ToolSpec], emulator: EmulatorServer
) -> None:
    prompt = 'read_file(path="a.py") then run_linter(path="a.py"), run_linter(path="b.py")'
    history = await converse(make(), prompt, tools)
    assert batches(history) == [["read_file"], ["run_linter", "run_linter"]]
    final = history[-1]
    assert isinstance(final, AssistantMessage)
    assert final.text
    assert len(emulator.requests) == 3  # every follow-up passed the emulator's validation


async def test_parallel_off_gives_one_call_per_response(
    make: Make, tools: list[ToolSpec], emulator: EmulatorServer
) -> None:
    history = await converse(make(), WEATHER, tools, EmissionSettings(parallel=False))
    assert batches(history) == [["get_weather"], ["get_weather"], ["get_time"]]
    assert all(body["parallel_tool_calls"] is False for body in sent_bodies(emulator))


@pytest.mark.parametrize(("mode", "choice"), [("NONE", "none"), ("ANY", "required")])
async def test_function_calling_mode_maps_to_tool_choice(
    make: Make, tools: list[ToolSpec], emulator: EmulatorServer, mode: Any, choice: str
) -> None:
    emission = EmissionSettings(function_calling_mode=mode)
    done = complete(await collect(make(), request("hello there", tools, emission)))
    assert sent_bodies(emulator)[0]["tool_choice"] == choice
    if mode == "NONE":
        assert done.message.tool_calls == []
    else:
        assert [c.name for c in done.message.tool_calls] == ["get_date"]


async def test_knobs_are_not_sent_without_tools(make: Make, emulator: EmulatorServer) -> None:
    done = complete(await collect(make(), request("hello there", [])))
    assert done.message.text
    body = sent_bodies(emulator)[0]
    assert "parallel_tool_calls" not in body
    assert "tool_choice" not in body


async def test_malformed_arguments_become_a_parse_error_and_echo_back(
    make: Make, tools: list[ToolSpec], emulator: EmulatorServer
) -> None:
    emulator.script(
        Reply.of(
            ReplyCall("get_weather", '{"city": "Par'),
            ReplyCall("get_time", "[1, 2]"),
        ),
        Reply.of("Sorry, let me stop there."),
    )
    provider = make()
    history = await converse(provider, WEATHER, tools)
    first = history[1]
    assert isinstance(first, AssistantMessage)
    broken, not_object = first.tool_calls
    assert broken.arguments is None
    assert broken.raw_arguments == '{"city": "Par'
    assert broken.parse_error is not None and "invalid JSON" in broken.parse_error
    assert not_object.arguments is None
    assert not_object.parse_error == "arguments must be a JSON object, not list"
    assert len(emulator.requests) == 2  # the raw arguments echoed back were accepted


async def test_unknown_tool_name_passes_through(
    make: Make, tools: list[ToolSpec], emulator: EmulatorServer
) -> None:
    emulator.script(Reply.of(ReplyCall.of("launch_rocket", {"target": "moon"})))
    done = complete(await collect(make(), request(WEATHER, tools)))
    assert [(c.name, c.arguments) for c in done.message.tool_calls] == [
        ("launch_rocket", {"target": "moon"})
    ]


async def test_unicode_and_escapes_split_across_fragments_survive(
    make: Make, tools: list[ToolSpec], emulator: EmulatorServer
) -> None:
    city = 'Zürich "quoted" back\\slash\nnew line ✓ 😀 \u00e9'
    emulator.script(
        Reply.of(
            ReplyCall("get_weather", '{"city": "Z\\u00fcrich \\ud83d\\ude00 \\"q\\""}'),
            ReplyCall.of("get_weather", {"city": city}),
        )
    )
    done = complete(await collect(make(), request(WEATHER, tools)))
    assert [c.arguments for c in done.message.tool_calls] == [
        {"city": 'Zürich 😀 "q"'},
        {"city": city},
    ]


async def test_text_before_and_between_calls(
    make: Make, tools: list[ToolSpec], emulator: EmulatorServer
) -> None:
    emulator.script(
        Reply.of(
            "Let me look. ",
            ReplyCall.of("get_weather", {"city": "Paris"}),
            "And also the time. ",
            ReplyCall.of("get_time", {"timezone": "Asia/Tokyo"}),
            ReplyCall.of("get_date", {}),
        )
    )
    events = await collect(make(), request(WEATHER, tools))
    done = complete(events)
    assert done.message.text == "Let me look. And also the time. "
    assert streamed_text(events) == done.message.text
    assert [c.name for c in done.message.tool_calls] == ["get_weather", "get_time", "get_date"]


# -- errors ---------------------------------------------------------------------------------------


def _one_line(error: ProviderError) -> None:
    assert error.message
    assert "\n" not in error.message
    assert len(error.message) <= 300


@pytest.mark.parametrize(
    ("status", "kind_", "attempts", "words"),
    [
        (401, "auth", 1, "rejected the API key (401)"),
        (403, "auth", 1, "rejected the API key (403)"),
        (404, "not_found", 1, "model 'gpt-emulated' was not found (404)"),
        (400, "bad_request", 1, "refused the request (400): The request is invalid."),
        (429, "rate_limit", 3, "rate limited (429) after 3 attempts"),
        (500, "server", 3, "failed (500) after 3 attempts"),
        (503, "server", 3, "failed (503) after 3 attempts"),
    ],
)
async def test_http_errors_become_provider_errors(
    make: Make,
    tools: list[ToolSpec],
    emulator: EmulatorServer,
    status: int,
    kind_: str,
    attempts: int,
    words: str,
) -> None:
    emulator.misbehave(Misbehaviour(status=status, times=-1, retry_after_ms=1))
    with pytest.raises(ProviderError) as caught:
        await collect(make(max_retries=2), request(WEATHER, tools))
    assert caught.value.kind == kind_
    assert caught.value.status == status
    assert words in caught.value.message
    assert len(emulator.requests) == attempts  # the SDK's own retries, and no more
    _one_line(caught.value)


async def test_rate_limit_then_success_is_invisible(
    make: Make, tools: list[ToolSpec], emulator: EmulatorServer
) -> None:
    emulator.misbehave(Misbehaviour(status=429, times=2, retry_after_ms=1))
    done = complete(await collect(make(max_retries=2), request(WEATHER, tools)))
    assert len(done.message.tool_calls) == 3
    assert len(emulator.requests) == 3


async def test_error_event_inside_the_stream(
    make: Make, tools: list[ToolSpec], emulator: EmulatorServer
) -> None:
    emulator.misbehave(Misbehaviour(error_event_after=4))
    with pytest.raises(ProviderError) as caught:
        await collect(make(), request(WEATHER, tools))
    assert caught.value.kind == "stream"
    assert "reported an error mid-stream" in caught.value.message
    assert "The server had an error" in caught.value.message
    _one_line(caught.value)


async def test_emulator_refuses_a_follow_up_with_a_missing_result(
    make: Make, tools: list[ToolSpec], kind: str
) -> None:
    call = ToolCall(id="call_lost", name="get_weather", arguments={"city": "Paris"})
    history: list[Message] = [
        UserMessage(content=WEATHER),
        AssistantMessage(tool_calls=[call]),
        UserMessage(content="and now?"),
    ]
    with pytest.raises(ProviderError) as caught:
        await collect(make(), request(history, tools))
    assert caught.value.kind == "bad_request"
    assert caught.value.status == 400
    expected = "did not have response messages" if kind == "openai-chat" else "No tool output found"
    assert expected in caught.value.message
    assert "call_lost" in caught.value.message


def test_preflight_warns_about_required_tool_choice(make: Make, tools: list[ToolSpec]) -> None:
    warnings = make().preflight(request("hi", tools, EmissionSettings(function_calling_mode="ANY")))
    assert any("tool_choice 'required'" in w for w in warnings)
    assert make().preflight(request("hi", tools)) == []


def test_preflight_warns_that_compatible_servers_may_ignore_the_knob(
    make: Make, tools: list[ToolSpec]
) -> None:
    warnings = make().preflight(request("hi", tools, EmissionSettings(parallel=False)))
    assert any("may ignore it" in w for w in warnings)
