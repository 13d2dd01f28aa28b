"""After any failure the session goes on: every provider, through its real SDK, against the emulator.

The emulator validates every follow-up request the way the real API does (a call without its result,
a result for an unknown id → 400), so a second turn that completes proves the history stayed valid.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.config import Profile, ProviderType
from workbench.core.events import CallFinished, ErrorEvent, Event, TurnFinished
from workbench.core.loop import AgentLoop
from workbench.emulator.server import EmulatorServer, Misbehaviour
from workbench.providers.factory import build_provider
from workbench.tools.base import ToolRegistry
from workbench.tools.builtin import builtin_tools
from workbench.tools.latency import set_latency_scale

PROVIDERS: list[ProviderType] = ["openai-chat", "openai-responses", "anthropic", "gemini"]


@pytest.fixture(autouse=True)
def _fast_tools() -> Iterator[None]:
    previous = set_latency_scale(0.0)
    yield
    set_latency_scale(previous)


def make_loop(
    kind: ProviderType, emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AgentLoop:
    for var in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.setenv(var, "test-key")
    profile = Profile(name=kind, type=kind, model="emulated", base_url=emulator.base_urls[kind])
    provider = build_provider(profile)
    return AgentLoop(provider, ToolRegistry(builtin_tools(tmp_path)))


async def turn(loop: AgentLoop, prompt: str, *, cancel_on: str | None = None) -> list[Event]:
    events: list[Event] = []
    async with asyncio.timeout(20):
        async for event in loop.run(prompt):
            events.append(event)
            if (
                cancel_on
                and event.type == "call_started"
                and getattr(event, "tool", "") == cancel_on
            ):
                loop.cancel()
    return events


def finished(events: list[Event]) -> TurnFinished:
    last = events[-1]
    assert isinstance(last, TurnFinished)
    return last


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_a_server_error_ends_the_turn_clearly_and_the_next_prompt_works(
    kind: ProviderType, emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = make_loop(kind, emulator, tmp_path, monkeypatch)
    emulator.misbehave(Misbehaviour(status=401, times=1))
    events = await turn(loop, "weather in Tokyo and Paris")
    assert finished(events).status == "error"
    (error,) = [e for e in events if isinstance(e, ErrorEvent)]
    assert error.kind == "auth"
    assert "\n" not in error.message
    events = await turn(loop, "weather in Tokyo and Paris")
    assert finished(events).status == "completed"
    await loop.aclose()


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_a_stream_dropped_mid_response_keeps_the_history_valid(
    kind: ProviderType, emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = make_loop(kind, emulator, tmp_path, monkeypatch)
    events = await turn(loop, "weather in Tokyo")  # a healthy first turn
    assert finished(events).status == "completed"
    emulator.misbehave(Misbehaviour(drop_after_events=3, times=1))
    events = await turn(loop, "weather in Paris and Rome and Oslo and the time in Lima")
    assert finished(events).status == "error"
    assert any(isinstance(e, ErrorEvent) and e.kind in {"stream", "connection"} for e in events)
    events = await turn(loop, "weather in Paris")
    assert finished(events).status == "completed"
    await loop.aclose()


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_cancel_mid_batch_answers_every_call_and_the_api_accepts_the_next_turn(
    kind: ProviderType, emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = make_loop(kind, emulator, tmp_path, monkeypatch)
    events = await turn(loop, "hang(), get_date()", cancel_on="hang")
    assert finished(events).status == "cancelled"
    statuses = {e.tool: e.status for e in events if isinstance(e, CallFinished)}
    assert statuses["hang"] == "cancelled"
    events = await turn(loop, "what's the date?")
    assert finished(events).status == "completed"
    await loop.aclose()
