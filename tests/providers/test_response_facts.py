"""What every adapter records of a response besides its content: the provider's response id, the
model that answered, and whether usage was reported at all (real SDKs against the emulator)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.providers.openai_support import make_provider
from workbench.core.events import Event, ModelRequestStarted, ModelResponseFinished, TurnFinished
from workbench.core.loop import AgentLoop
from workbench.core.provider import Provider
from workbench.emulator.server import EmulatorServer, Misbehaviour
from workbench.providers.anthropic import AnthropicProvider
from workbench.providers.gemini import GeminiProvider
from workbench.tools.base import ToolRegistry
from workbench.tools.builtin import builtin_tools
from workbench.tools.latency import set_latency_scale

KINDS = ["openai-chat", "openai-responses", "anthropic", "gemini"]

# What each API answers the model asked for with: OpenAI and Anthropic name a dated snapshot.
ANSWERED = {
    "openai-chat": ("gpt-emulated", "gpt-emulated-2025-04-14", "chatcmpl-"),
    "openai-responses": ("gpt-emulated", "gpt-emulated-2025-04-14", "resp_"),
    "anthropic": ("claude-test", "claude-test-20250929", "msg_"),
    "gemini": ("gemini-test", "gemini-test", "gresp_"),
}


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
async def provider(emulator: EmulatorServer, kind: str) -> AsyncIterator[Provider]:
    made: Provider
    if kind in ("openai-chat", "openai-responses"):
        made = make_provider(emulator, kind)
    elif kind == "anthropic":
        made = AnthropicProvider(
            model="claude-test", api_key="test-key", base_url=emulator.base_urls["anthropic"]
        )
    else:
        made = GeminiProvider(
            model="gemini-test", api_key="test-key", base_url=emulator.base_urls["gemini"]
        )
    yield made
    await made.aclose()


async def _turn(provider: Provider, tmp_path: Path, prompt: str) -> list[Event]:
    previous = set_latency_scale(0.0)
    try:
        loop = AgentLoop(provider, ToolRegistry(builtin_tools(tmp_path)))
        async with asyncio.timeout(20):
            return [event async for event in loop.run(prompt)]
    finally:
        set_latency_scale(previous)


def _responses(events: list[Event]) -> list[ModelResponseFinished]:
    return [e for e in events if isinstance(e, ModelResponseFinished)]


def _finished(events: list[Event]) -> TurnFinished:
    last = events[-1]
    assert isinstance(last, TurnFinished)
    assert last.status == "completed", last
    return last


async def test_each_round_trip_records_its_response_id_and_the_model_that_answered(
    provider: Provider, kind: str, tmp_path: Path
) -> None:
    events = await _turn(provider, tmp_path, "get_date(), sleep(ms=5)")
    responses = _responses(events)
    assert len(responses) >= 2  # the calls, then the answer
    asked, answered, id_prefix = ANSWERED[kind]
    for response in responses:
        assert response.response_model == answered
        assert response.response_id is not None and response.response_id.startswith(id_prefix)
    assert len({r.response_id for r in responses}) == len(responses), "one id per response"
    started = [e for e in events if isinstance(e, ModelRequestStarted)]
    assert started and all(e.model == asked for e in started)


async def test_usage_the_provider_sent_is_reported(provider: Provider, tmp_path: Path) -> None:
    events = await _turn(provider, tmp_path, "hello")
    (response,) = _responses(events)
    assert response.usage.reported and response.usage.input_tokens > 0
    usage = _finished(events).stats.usage
    assert usage.reported and usage.input_tokens == response.usage.input_tokens


@pytest.mark.parametrize("kind", ["openai-chat", "openai-responses", "gemini"])
async def test_usage_a_server_left_out_is_recorded_as_not_reported(
    provider: Provider, emulator: EmulatorServer, tmp_path: Path
) -> None:
    emulator.misbehave(Misbehaviour(omit_usage=True))
    events = await _turn(provider, tmp_path, "hello")
    (response,) = _responses(events)
    assert not response.usage.reported
    assert (response.usage.input_tokens, response.usage.output_tokens) == (0, 0)
    assert response.response_id is not None, "the rest of the response is read as before"
    assert not _finished(events).stats.usage.reported
