"""The agent loop: batches per response, eager dispatch, cancellation, provider errors, history."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import pytest

from workbench.core.events import (
    BatchStarted,
    CallFinished,
    CallStarted,
    ErrorEvent,
    Event,
    ModelResponseFinished,
    Notice,
    SettingsChanged,
    ToolCallEmitted,
    TurnFinished,
)
from workbench.core.loop import AgentLoop, TurnInProgressError
from workbench.core.messages import (
    AssistantMessage,
    ToolCall,
    ToolResultsMessage,
    Usage,
    UserMessage,
)
from workbench.core.provider import (
    CallReady,
    ModelRequest,
    ProviderCapabilities,
    ProviderError,
    ProviderEvent,
    ResponseComplete,
    TextChunk,
)
from workbench.core.settings import EmissionSettings, RunSettings
from workbench.tools.base import ToolRegistry, tool

Script = Callable[[ModelRequest], list[ProviderEvent] | Exception]


class FakeProvider:
    """Replays scripted responses; records what it was asked."""

    name = "fake"
    model = "fake-1"

    def __init__(
        self, responses: list[list[ProviderEvent] | Exception], eager: bool = True
    ) -> None:
        self.responses = list(responses)
        self.requests: list[ModelRequest] = []
        self.capabilities = ProviderCapabilities(
            parallel_knob="parallel_tool_calls", eager_dispatch=eager
        )
        self.gate: asyncio.Event | None = None

    async def stream(self, request: ModelRequest) -> AsyncIterator[ProviderEvent]:
        self.requests.append(request)
        step = self.responses.pop(0)
        if isinstance(step, Exception):
            raise step
        for item in step:
            if isinstance(item, ResponseComplete) and self.gate is not None:
                await self.gate.wait()
            yield item

    async def aclose(self) -> None:
        return None


def response(text: str = "", *calls: ToolCall) -> list[ProviderEvent]:
    items: list[ProviderEvent] = [TextChunk(text)] if text else []
    items += [CallReady(c) for c in calls]
    items.append(
        ResponseComplete(
            AssistantMessage(text=text, tool_calls=list(calls)),
            Usage(input_tokens=10, output_tokens=5),
            "tool_use" if calls else "stop",
        )
    )
    return items


@tool
async def echo(word: str) -> str:
    """Echo a word."""
    return word


@tool
async def hang() -> None:
    """Never returns."""
    await asyncio.Event().wait()


def registry() -> ToolRegistry:
    return ToolRegistry([echo, hang])


def call(cid: str, name: str = "echo", **args: object) -> ToolCall:
    return ToolCall(id=cid, name=name, arguments=dict(args))


async def collect(it: AsyncIterator[Event]) -> list[Event]:
    return [e async for e in it]


async def test_one_batch_per_model_response_and_results_go_back_to_the_model() -> None:
    provider = FakeProvider(
        [
            response("Looking.", call("a", word="x"), call("b", word="y")),
            response("", call("c", word="z")),
            response("All done."),
        ]
    )
    loop = AgentLoop(provider, registry())
    events = await collect(loop.run("go"))
    batches = [e.batch_id for e in events if isinstance(e, BatchStarted)]
    assert batches == ["b1", "b2"]
    finished = next(e for e in events if isinstance(e, TurnFinished))
    assert finished.status == "completed"
    assert finished.text == "All done."
    assert finished.stats.round_trips == 3 and finished.stats.calls == 3
    assert finished.stats.usage.input_tokens == 30
    second = provider.requests[1].messages
    assert isinstance(second[-1], ToolResultsMessage)
    assert [r.content for r in second[-1].results] == ["x", "y"]
    responses = [e for e in events if isinstance(e, ModelResponseFinished)]
    assert [r.batch_id for r in responses] == ["b1", "b2", None]


async def test_eager_dispatch_starts_calls_before_the_response_ends() -> None:
    provider = FakeProvider([response("", call("a", word="x")), response("ok")])
    provider.gate = asyncio.Event()
    loop = AgentLoop(provider, registry())
    seen: list[Event] = []
    async for event in loop.run("go"):
        seen.append(event)
        if isinstance(event, CallFinished):
            provider.gate.set()  # the call finished while the model was still "streaming"
    kinds = [e.type for e in seen]
    assert kinds.index("call_finished") < kinds.index("model_response_finished")
    assert next(e for e in seen if isinstance(e, BatchStarted)).eager


async def test_without_eager_dispatch_calls_wait_for_the_end_of_the_response() -> None:
    provider = FakeProvider([response("", call("a", word="x")), response("ok")], eager=False)
    events = await collect(AgentLoop(provider, registry()).run("go"))
    kinds = [e.type for e in events]
    assert kinds.index("model_response_finished") < kinds.index("call_started")


async def test_cancel_mid_batch_answers_every_call_and_the_next_prompt_works() -> None:
    provider = FakeProvider(
        [response("", call("a", "hang"), call("b", word="y")), response("after")]
    )
    loop = AgentLoop(provider, registry())
    events: list[Event] = []
    async for event in loop.run("go"):
        events.append(event)
        if isinstance(event, CallFinished) and event.call_id == "b":
            loop.cancel()
    finished = next(e for e in events if isinstance(e, TurnFinished))
    assert finished.status == "cancelled"
    statuses = {e.call_id: e.status for e in events if isinstance(e, CallFinished)}
    assert statuses == {"b": "ok", "a": "cancelled"}
    # history is valid: the assistant's calls are all answered
    last = loop.history[-1]
    assert isinstance(last, ToolResultsMessage)
    assert {r.call_id for r in last.results} == {"a", "b"}
    events2 = await collect(loop.run("again"))
    assert next(e for e in events2 if isinstance(e, TurnFinished)).status == "completed"


async def test_leaving_the_iterator_early_cancels_the_turn_deterministically() -> None:
    provider = FakeProvider([response("", call("a", "hang")), response("after")])
    seen: list[Event] = []
    loop = AgentLoop(provider, registry(), sinks=[seen.append])
    async with contextlib.aclosing(loop.run("go")) as events:
        async for event in events:
            if event.type == "call_started":
                break
    assert not loop.busy  # closing the iterator cancelled and drained the turn before returning
    assert any(isinstance(e, TurnFinished) and e.status == "cancelled" for e in seen)


async def test_a_provider_error_ends_the_turn_with_an_error_event_and_the_session_goes_on() -> None:
    provider = FakeProvider(
        [ProviderError("rate_limit", "rate limited (429) after 3 attempts"), response("fine")]
    )
    loop = AgentLoop(provider, registry())
    events = await collect(loop.run("one"))
    error = next(e for e in events if isinstance(e, ErrorEvent))
    assert error.kind == "rate_limit" and "429" in error.message
    assert next(e for e in events if isinstance(e, TurnFinished)).status == "error"
    events = await collect(loop.run("two"))
    assert next(e for e in events if isinstance(e, TurnFinished)).text == "fine"
    assert [type(m) for m in loop.history] == [UserMessage, UserMessage, AssistantMessage]


async def test_max_turns_stops_a_model_that_never_stops_calling_tools() -> None:
    provider = FakeProvider([response("", call(f"c{i}", word="x")) for i in range(3)])
    events = await collect(AgentLoop(provider, registry(), max_turns=3).run("go"))
    finished = next(e for e in events if isinstance(e, TurnFinished))
    assert finished.status == "max_turns"
    assert finished.stats.round_trips == 3


async def test_settings_change_applies_from_the_next_request_and_is_an_event() -> None:
    provider = FakeProvider([response("a"), response("b")])
    loop = AgentLoop(provider, registry())
    await collect(loop.run("one"))
    change = loop.update_settings(
        RunSettings(emission=EmissionSettings(parallel=False)), {"emission.parallel": False}
    )
    assert isinstance(change, SettingsChanged)
    await collect(loop.run("two"))
    assert provider.requests[0].emission.parallel is True
    assert provider.requests[1].emission.parallel is False


async def test_a_second_prompt_while_running_is_refused() -> None:
    provider = FakeProvider([response("", call("a", "hang")), response("x")])
    loop = AgentLoop(provider, registry())
    it = loop.run("one")
    await anext(it)
    with pytest.raises(TurnInProgressError):
        await anext(loop.run("two"))
    await it.aclose()


async def test_tool_call_events_carry_batch_call_tool_and_args() -> None:
    provider = FakeProvider([response("", call("a", word="x")), response("ok")])
    events = await collect(AgentLoop(provider, registry()).run("go"))
    emitted = next(e for e in events if isinstance(e, ToolCallEmitted))
    assert (emitted.batch_id, emitted.call_id, emitted.tool, emitted.args) == (
        "b1",
        "a",
        "echo",
        {"word": "x"},
    )


async def test_a_cancelled_batch_still_counts_in_the_turn_totals() -> None:
    provider = FakeProvider([response("", call("a", "hang"), call("b", word="y"))])
    loop = AgentLoop(provider, registry())
    events: list[Event] = []
    async for event in loop.run("go"):
        events.append(event)
        if isinstance(event, CallFinished) and event.call_id == "b":
            loop.cancel()
    finished = next(e for e in events if isinstance(e, TurnFinished))
    assert finished.stats.batches == 1
    assert finished.stats.calls == 2
    assert finished.stats.tool_time_s > 0


async def test_a_consumer_that_raises_is_detached_and_every_call_still_gets_its_result() -> None:
    seen: list[Event] = []

    def buggy(event: Event) -> None:
        if isinstance(event, CallStarted):
            raise KeyError("oops")
        seen.append(event)

    provider = FakeProvider(
        [response("", call("a", word="x"), call("b", word="y")), response("Done.")]
    )
    events = await collect(AgentLoop(provider, registry(), sinks=[buggy]).run("go"))
    finished = [e for e in events if isinstance(e, CallFinished)]
    assert [(e.call_id, e.status) for e in finished] == [("a", "ok"), ("b", "ok")]
    [notice] = [e for e in events if isinstance(e, Notice)]
    assert "event consumer failed and was detached" in notice.message
    assert "KeyError" in notice.message
    assert not any(isinstance(e, CallStarted | CallFinished) for e in seen), "detached at once"
    turn = next(e for e in events if isinstance(e, TurnFinished))
    assert turn.status == "completed"


async def test_a_thousand_calls_at_once_leave_the_event_loop_turns_for_others() -> None:
    # The app draws on the same loop: handing over a thousand calls (or their events) must not
    # hold it for the whole lot.
    calls = [call(f"c{i}", word="x") for i in range(1000)]
    provider = FakeProvider([response("", *calls), response("Done.")])
    loop = AgentLoop(provider, registry())
    turns_for_others = 0
    done = False

    async def other() -> None:
        nonlocal turns_for_others
        while not done:
            turns_for_others += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(other())
    consumed = 0
    async for _ in loop.run("go"):
        consumed += 1
    done = True
    await task
    assert consumed > 3000
    assert turns_for_others >= 2 * (1000 // 64), "both the dispatch and the consumer yield"


@tool
async def stubborn() -> str:
    """Takes a moment to stop when cancelled, as a tool closing a connection does."""
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        await asyncio.sleep(0.05)
        raise
    return "never"


async def test_cancelling_again_while_a_cancel_cleans_up_still_ends_the_turn() -> None:
    provider = FakeProvider([response("", call("a", "stubborn"), call("b", word="y"))])
    loop = AgentLoop(provider, ToolRegistry([echo, stubborn]))
    events: list[Event] = []
    async for event in loop.run("go"):
        events.append(event)
        if isinstance(event, CallFinished) and event.call_id == "b":
            assert loop.cancel()
            await asyncio.sleep(0.01)  # the cleanup is now waiting for the stubborn call
            assert loop.cancel(), "still cancelling: a second Esc is not an error"
    finished = [e for e in events if isinstance(e, TurnFinished)]
    assert len(finished) == 1 and finished[0].status == "cancelled"
    statuses = {e.call_id: e.status for e in events if isinstance(e, CallFinished)}
    assert statuses == {"a": "cancelled", "b": "ok"}
    assert not loop.cancel(), "nothing is running any more"
