"""ScriptedProvider: event order, pacing through an injected clock, ids, usage and cancellation."""

from __future__ import annotations

import asyncio

import pytest

from tests.scripted.helpers import AUTO, specs
from workbench.core.messages import AssistantMessage, Message, ToolCall, UserMessage
from workbench.core.provider import (
    CallReady,
    ModelRequest,
    Provider,
    ProviderEvent,
    ResponseComplete,
    TextChunk,
)
from workbench.core.settings import EmissionSettings
from workbench.providers.scripted import ScriptedProvider

WEATHER = "What's the weather in Tokyo and New York, and the time in Paris?"


class FakeTime:
    """A clock that only moves when the provider sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def request(messages: list[Message], emission: EmissionSettings = AUTO) -> ModelRequest:
    return ModelRequest(system="", messages=messages, tools=specs(), emission=emission)


async def collect(provider: ScriptedProvider, req: ModelRequest) -> list[ProviderEvent]:
    return [event async for event in provider.stream(req)]


async def test_text_then_calls_then_complete() -> None:
    fake = FakeTime()
    provider = ScriptedProvider(ttft_s=0, tokens_per_s=0, clock=fake.clock, sleep=fake.sleep)
    events = await collect(provider, request([UserMessage(content=WEATHER)]))

    kinds = [type(e).__name__ for e in events]
    assert kinds == sorted(kinds, key=["TextChunk", "CallReady", "ResponseComplete"].index)
    assert kinds.count("CallReady") == 3
    done = events[-1]
    assert isinstance(done, ResponseComplete)
    text = "".join(e.text for e in events if isinstance(e, TextChunk))
    assert text == done.message.text
    assert len([e for e in events if isinstance(e, TextChunk)]) > 1  # streamed in pieces
    assert [e.call for e in events if isinstance(e, CallReady)] == done.message.tool_calls
    assert [c.id for c in done.message.tool_calls] == ["call_1_1", "call_1_2", "call_1_3"]
    assert done.stop_reason == "tool_use"
    assert done.usage.input_tokens > 0
    assert done.usage.output_tokens > 0
    assert fake.sleeps == []


async def test_zero_latency_never_sleeps_even_with_the_real_clock() -> None:
    slept: list[float] = []

    async def forbidden_sleep(seconds: float) -> None:
        slept.append(seconds)

    provider = ScriptedProvider(ttft_s=0, tokens_per_s=0, sleep=forbidden_sleep)
    events = await collect(provider, request([UserMessage(content=WEATHER)]))
    assert isinstance(events[-1], ResponseComplete)
    assert slept == []


async def test_pacing_follows_ttft_and_token_rate() -> None:
    fake = FakeTime()
    provider = ScriptedProvider(ttft_s=0.25, tokens_per_s=100, clock=fake.clock, sleep=fake.sleep)
    stamps: list[tuple[str, float]] = []
    async for event in provider.stream(request([UserMessage(content=WEATHER)])):
        stamps.append((type(event).__name__, fake.now - 100.0))

    assert fake.sleeps[0] == pytest.approx(0.25)  # time to first token
    assert stamps[0][1] > 0.25
    call_times = [t for kind, t in stamps if kind == "CallReady"]
    # Each call is announced once its own JSON has streamed: the first is ready well before the last.
    assert call_times == sorted(call_times)
    assert call_times[0] < call_times[-1]
    assert stamps[-1][1] == pytest.approx(sum(fake.sleeps))


async def test_final_answer_streams_text_only() -> None:
    fake = FakeTime()
    provider = ScriptedProvider(ttft_s=0, tokens_per_s=0, clock=fake.clock, sleep=fake.sleep)
    events = await collect(provider, request([UserMessage(content="Tell me a joke")]))
    done = events[-1]
    assert isinstance(done, ResponseComplete)
    assert done.stop_reason == "stop"
    assert done.message.tool_calls == []
    assert not any(isinstance(e, CallReady) for e in events)


async def test_call_ids_follow_the_round_and_never_collide() -> None:
    fake = FakeTime()
    provider = ScriptedProvider(ttft_s=0, tokens_per_s=0, clock=fake.clock, sleep=fake.sleep)
    # Another provider's ids already use the name this round would get.
    history: list[Message] = [
        UserMessage(content="hi"),
        AssistantMessage(tool_calls=[ToolCall(id="call_2_1", name="get_date", arguments={})]),
        UserMessage(content="get_date() and get_date()"),
    ]
    events = await collect(provider, request(history))
    done = events[-1]
    assert isinstance(done, ResponseComplete)
    assert [c.id for c in done.message.tool_calls] == ["call_2_1_2", "call_2_2"]


async def test_same_request_same_events() -> None:
    fake = FakeTime()
    provider = ScriptedProvider(ttft_s=0.1, tokens_per_s=50, clock=fake.clock, sleep=fake.sleep)
    req = request([UserMessage(content=WEATHER)], EmissionSettings(parallel=False))
    assert await collect(provider, req) == await collect(provider, req)


async def test_consumer_may_stop_early() -> None:
    provider = ScriptedProvider(ttft_s=0, tokens_per_s=0)
    stream = provider.stream(request([UserMessage(content=WEATHER)]))
    first = await anext(stream)
    assert isinstance(first, TextChunk)
    await stream.aclose()  # what `break` out of `async for` does


async def test_cancelling_a_waiting_stream_just_stops() -> None:
    never = asyncio.Event()
    started = asyncio.Event()

    async def blocking_sleep(seconds: float) -> None:
        started.set()
        await never.wait()

    provider = ScriptedProvider(ttft_s=5, tokens_per_s=10, sleep=blocking_sleep)
    task = asyncio.create_task(collect(provider, request([UserMessage(content=WEATHER)])))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_is_a_provider_with_every_knob() -> None:
    provider = ScriptedProvider(model="local")
    assert isinstance(provider, Provider)
    assert provider.name == "scripted"
    assert provider.model == "local"
    caps = provider.capabilities
    assert caps.parallel_knob == "parallel_tool_calls"
    assert caps.eager_dispatch
    assert caps.supports_function_calling_mode
    await provider.aclose()


def test_negative_latency_is_refused() -> None:
    with pytest.raises(ValueError, match="ttft_s"):
        ScriptedProvider(ttft_s=-1)
    with pytest.raises(ValueError, match="tokens_per_s"):
        ScriptedProvider(tokens_per_s=-1)
