"""What Claude refuses, checked before the request: Bedrock and Vertex, tool_choice none, thinking.

Through the real ``anthropic`` SDK against the emulator, which refuses each of these as the real
endpoint does (with its error shape), so a request the adapter would get wrong fails here first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import anthropic
import pytest

from tests.providers.support import (
    WEATHER_PROMPT,
    collect,
    complete,
    ok_results,
    request,
    sent_body,
)
from workbench.core.messages import Message, UserMessage
from workbench.core.provider import ProviderError
from workbench.core.settings import EmissionSettings
from workbench.emulator.server import EmulatorServer
from workbench.providers.anthropic import AnthropicProvider

PARALLEL_OFF = EmissionSettings(parallel=False)


@pytest.fixture
async def bedrock() -> AsyncIterator[EmulatorServer]:
    server = EmulatorServer(claude_platform="bedrock")
    await server.start()
    yield server
    await server.stop()


def _claude(server: EmulatorServer, **kw: object) -> AnthropicProvider:
    return AnthropicProvider(
        model="claude-test",
        api_key="test-key",
        base_url=server.base_urls["anthropic"],
        **kw,  # type: ignore[arg-type]
    )


async def test_claude_on_bedrock_is_never_sent_the_parallel_switch(
    bedrock: EmulatorServer,
) -> None:
    # The emulated Bedrock refuses the key, in AWS's error shape, as Claude on Bedrock has.
    raw = anthropic.AsyncAnthropic(api_key="k", base_url=bedrock.base_urls["anthropic"])
    with pytest.raises(anthropic.BadRequestError, match="extraneous key"):
        await raw.messages.create(
            model="m",
            max_tokens=100,
            messages=[{"role": "user", "content": "hi"}],
            tools=[{"name": "t", "input_schema": {"type": "object"}}],
            tool_choice={"type": "auto", "disable_parallel_tool_use": True},
        )
    await raw.close()
    claude = _claude(bedrock, endpoint="bedrock")
    assert claude.capabilities.parallel_knob is None
    assert "Bedrock" in claude.capabilities.parallel_note
    [note] = [w for w in claude.preflight(request([], PARALLEL_OFF)) if "not sent" in w]
    assert "extraneous key" in note
    done = complete(
        await collect(claude, request([UserMessage(content=WEATHER_PROMPT)], PARALLEL_OFF))
    )
    assert sent_body(bedrock)["tool_choice"] == {"type": "auto"}
    assert done.message.tool_calls  # the request went through
    await claude.aclose()


async def test_tool_choice_none_never_carries_the_parallel_switch(
    emulator: EmulatorServer,
) -> None:
    claude = _claude(emulator)
    none_off = EmissionSettings(parallel=False, function_calling_mode="NONE")
    complete(await collect(claude, request([UserMessage(content=WEATHER_PROMPT)], none_off)))
    assert sent_body(emulator)["tool_choice"] == {"type": "none"}
    await claude.aclose()


async def test_thinking_with_a_forced_tool_choice_is_refused_before_the_request(
    emulator: EmulatorServer,
) -> None:
    claude = _claude(emulator, thinking_budget_tokens=2048)
    forced = EmissionSettings(function_calling_mode="ANY")
    sent_before = len(emulator.requests)
    with pytest.raises(ProviderError, match="Thinking may not be enabled when tool_choice forces"):
        await collect(claude, request([UserMessage(content=WEATHER_PROMPT)], forced))
    assert len(emulator.requests) == sent_before  # nothing reached the API
    # The emulator refuses the same request with Claude's own message.
    raw = anthropic.AsyncAnthropic(api_key="k", base_url=emulator.base_urls["anthropic"])
    with pytest.raises(anthropic.BadRequestError, match="Thinking may not be enabled"):
        await raw.messages.create(
            model="m",
            max_tokens=4096,
            thinking={"type": "enabled", "budget_tokens": 2048},
            messages=[{"role": "user", "content": "hi"}],
            tools=[{"name": "t", "input_schema": {"type": "object"}}],
            tool_choice={"type": "any"},
        )
    await raw.close()
    await claude.aclose()


async def test_a_turn_with_thinking_echoes_the_signed_thinking_block(
    emulator: EmulatorServer,
) -> None:
    """With thinking on, the follow-up must start the assistant turn with its thinking block; the
    emulator refuses it otherwise, so a completed second request proves the echo."""
    claude = _claude(emulator, thinking_budget_tokens=2048)
    history: list[Message] = [UserMessage(content=WEATHER_PROMPT)]
    first = complete(await collect(claude, request(history))).message
    assert sent_body(emulator)["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert first.tool_calls
    history += [first, ok_results(first.tool_calls)]
    complete(await collect(claude, request(history)))
    echoed = sent_body(emulator)["messages"][1]["content"][0]
    assert echoed["type"] == "thinking"
    assert echoed["signature"]
    await claude.aclose()
