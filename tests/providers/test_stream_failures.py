"""A failed stream is named by what it had done, the same way by every adapter and SDK version.

Three situations a user must be able to tell apart: no answer yet (nothing listens, nothing arrives
in time, the connection closes before the first event), a stream that stalled after it had begun,
and a stream cut after it had begun. Each is produced by the emulator on the wire and read through
the real SDK. SDK versions raise different classes for these (anthropic 2.17 wraps a mid-stream
read timeout in the class it raises before any answer), so only the line a user reads is asserted.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.providers.support import closed_port, fail
from workbench.core.provider import Provider
from workbench.emulator.server import EmulatorServer, Misbehaviour
from workbench.providers.anthropic import AnthropicProvider
from workbench.providers.gemini import GeminiProvider
from workbench.providers.openai_chat import OpenAIChatProvider
from workbench.providers.openai_responses import OpenAIResponsesProvider

Make = Callable[..., Provider]

_ADAPTERS: dict[str, tuple[Callable[..., Provider], str]] = {
    "openai-chat": (OpenAIChatProvider, "gpt-emulated"),
    "openai-responses": (OpenAIResponsesProvider, "gpt-emulated"),
    "anthropic": (AnthropicProvider, "claude-test"),
    "gemini": (GeminiProvider, "gemini-test"),
}


@pytest.fixture(params=list(_ADAPTERS))
def vendor(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
async def make(emulator: EmulatorServer, vendor: str) -> AsyncIterator[Make]:
    built: list[Provider] = []

    def build(base_url: str | None = None, **kwargs: Any) -> Provider:
        cls, model = _ADAPTERS[vendor]
        kwargs.setdefault("max_retries", 0)
        provider = cls(
            model=model,
            api_key="test-key",
            base_url=base_url or emulator.base_urls[vendor],
            **kwargs,
        )
        built.append(provider)
        return provider

    yield build
    for provider in built:
        await provider.aclose()


# -- no answer yet ------------------------------------------------------------------------------


async def test_nothing_listening(make: Make, vendor: str, emulator: EmulatorServer) -> None:
    url = emulator.base_urls[vendor].replace(f":{emulator.port}", f":{closed_port()}")
    error = await fail(make(base_url=url), vendor)
    assert error.kind == "connection"
    assert error.message == f"could not connect to {url} — is the server running?"


async def test_no_answer_within_the_timeout(
    make: Make, vendor: str, emulator: EmulatorServer
) -> None:
    emulator.misbehave(Misbehaviour(first_byte_delay_s=1.0))
    error = await fail(make(timeout_s=0.05), vendor)
    assert error.kind == "timeout"
    assert error.message.startswith("no answer from ")
    assert "within 0.05 s (1 attempt, timed out)" in error.message


async def test_closed_before_the_first_event(
    make: Make, vendor: str, emulator: EmulatorServer
) -> None:
    emulator.misbehave(Misbehaviour(drop_after_events=0))
    error = await fail(make(), vendor)
    assert error.kind == "connection"
    assert "closed the connection before answering" in error.message
    assert "is the server running" not in error.message  # it is: it answered with headers


# -- after the stream had begun -----------------------------------------------------------------


async def test_a_stream_that_stalls_after_its_first_event(
    make: Make, vendor: str, emulator: EmulatorServer
) -> None:
    # Held after the first event and never released: the SDK's read timeout fires mid-stream.
    emulator.misbehave(Misbehaviour(pause_after=b""))
    error = await fail(make(timeout_s=0.25), vendor)
    assert error.kind == "timeout"
    assert "stalled: nothing arrived for 0.25 s after 1 event" in error.message
    assert not error.message.startswith("no answer")


async def test_a_stream_cut_after_it_began(
    make: Make, vendor: str, emulator: EmulatorServer
) -> None:
    emulator.misbehave(Misbehaviour(drop_after_events=2))
    error = await fail(make(max_retries=2), vendor)
    assert error.kind == "stream"
    # Two events were sent; an SDK may keep one to itself (Anthropic's ping), so count loosely.
    assert re.search(r"was cut off midway, after [12] events?: peer closed", error.message)
    assert "could not connect" not in error.message and "is the server running" not in error.message
    assert len(emulator.requests) == 1  # a stream that began is never retried
