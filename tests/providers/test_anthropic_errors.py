"""How Claude failures reach the user: one ProviderError of the right kind, with one readable line.

Each failure is produced by the emulator the way the real API produces it (status codes in Anthropic's
error shape, an ``event: error`` mid-stream) and read through the real SDK, including its own retries.
A stream with no answer, a stall or a cut is tested for every adapter in ``test_stream_failures``. The
last tests check that the emulator refuses what the API refuses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import anthropic
import httpx2
import pytest

from tests.providers.support import FAILURE_PROMPT, collect, fail, failure_request
from workbench.core.provider import ProviderErrorKind
from workbench.emulator.server import EmulatorServer, Misbehaviour
from workbench.providers.anthropic import AnthropicProvider


def _provider(base_url: str, *, max_retries: int = 2, timeout_s: float = 10.0) -> AnthropicProvider:
    return AnthropicProvider(
        model="claude-test",
        api_key="test-key",
        base_url=base_url,
        max_retries=max_retries,
        timeout_s=timeout_s,
    )


@pytest.fixture
async def claude(emulator: EmulatorServer) -> AsyncIterator[AnthropicProvider]:
    provider = _provider(emulator.base_urls["anthropic"])
    yield provider
    await provider.aclose()


@pytest.mark.parametrize(
    ("status", "kind", "words"),
    [
        (401, "auth", "ANTHROPIC_API_KEY"),
        (403, "auth", "ANTHROPIC_API_KEY"),
        (404, "not_found", "model 'claude-test' was not found (404)"),
        (400, "bad_request", "The request is invalid."),
    ],
)
async def test_client_errors_are_not_retried_and_say_what_to_fix(
    claude: AnthropicProvider,
    emulator: EmulatorServer,
    status: int,
    kind: ProviderErrorKind,
    words: str,
) -> None:
    emulator.misbehave(Misbehaviour(status=status))
    error = await fail(claude, "anthropic")
    assert (error.kind, error.status) == (kind, status)
    assert words in error.message
    assert len(emulator.requests) == 1


async def test_rate_limit_is_retried_by_the_sdk_then_reported(
    claude: AnthropicProvider, emulator: EmulatorServer
) -> None:
    emulator.misbehave(Misbehaviour(status=429, times=-1, retry_after_ms=1))
    error = await fail(claude, "anthropic")
    assert error.kind == "rate_limit"
    assert error.message.startswith("rate limited (429) after 3 attempts")
    assert len(emulator.requests) == 3
    # The SDK counts its retries in a header: proof these were its attempts, not ours.
    assert [r.headers["x-stainless-retry-count"] for r in emulator.requests] == ["0", "1", "2"]


async def test_a_passing_rate_limit_is_invisible(
    claude: AnthropicProvider, emulator: EmulatorServer
) -> None:
    emulator.misbehave(Misbehaviour(status=429, times=1, retry_after_ms=1))
    events = await collect(claude, failure_request())
    assert events  # the second attempt answered
    assert len(emulator.requests) == 2


@pytest.mark.parametrize(
    ("status", "words"), [(500, "(500)"), (503, "(503)"), (529, "(529 overloaded)")]
)
async def test_server_errors_after_retries(
    claude: AnthropicProvider, emulator: EmulatorServer, status: int, words: str
) -> None:
    emulator.misbehave(Misbehaviour(status=status, times=-1, retry_after_ms=1))
    error = await fail(claude, "anthropic")
    assert (error.kind, error.status) == ("server", status)
    assert words in error.message and "after 3 attempts" in error.message
    assert len(emulator.requests) == 3


async def test_an_error_event_inside_the_stream(
    claude: AnthropicProvider, emulator: EmulatorServer
) -> None:
    emulator.misbehave(Misbehaviour(error_event_after=2))
    error = await fail(claude, "anthropic")
    # The SDK raises a bare APIStatusError with status 200; the body's type says what happened.
    assert error.kind == "server"
    assert "overloaded_error" in error.message and "mid-stream" in error.message


async def test_emulator_refuses_a_tool_use_without_its_result(emulator: EmulatorServer) -> None:
    client = anthropic.AsyncAnthropic(
        api_key="k", base_url=emulator.base_urls["anthropic"], max_retries=0
    )
    try:
        with pytest.raises(anthropic.BadRequestError) as caught:
            await client.messages.create(
                model="claude-test",
                max_tokens=100,
                tools=[{"name": "get_weather", "input_schema": {"type": "object"}}],
                messages=[
                    {"role": "user", "content": FAILURE_PROMPT},
                    {
                        "role": "assistant",
                        "content": [
                            {
                                "type": "tool_use",
                                "id": "toolu_1",
                                "name": "get_weather",
                                "input": {},
                            },
                            {
                                "type": "tool_use",
                                "id": "toolu_2",
                                "name": "get_weather",
                                "input": {},
                            },
                        ],
                    },
                    {
                        "role": "user",
                        "content": [
                            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"}
                        ],
                    },
                ],
            )
    finally:
        await client.close()
    body = caught.value.body
    assert isinstance(body, dict) and body["type"] == "error"
    assert body["error"]["type"] == "invalid_request_error"
    assert "toolu_2" in body["error"]["message"]


async def test_emulator_refuses_text_before_results_and_unknown_ids(
    emulator: EmulatorServer,
) -> None:
    client = anthropic.AsyncAnthropic(
        api_key="k", base_url=emulator.base_urls["anthropic"], max_retries=0
    )
    assistant = {
        "role": "assistant",
        "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}],
    }
    wrong_order = {
        "role": "user",
        "content": [
            {"type": "text", "text": "here you go"},
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"},
        ],
    }
    unknown = {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "toolu_9", "content": "ok"}],
    }
    try:
        for follow_up, words in ((wrong_order, "must come first"), (unknown, "toolu_9")):
            with pytest.raises(anthropic.BadRequestError) as caught:
                await client.messages.create(
                    model="claude-test",
                    max_tokens=100,
                    tools=[{"name": "get_weather", "input_schema": {"type": "object"}}],
                    messages=[{"role": "user", "content": FAILURE_PROMPT}, assistant, follow_up],  # type: ignore[list-item]
                )
            assert words in str(caught.value.api_message)
    finally:
        await client.close()


async def test_emulator_accepts_x_api_key_and_refuses_no_key(emulator: EmulatorServer) -> None:
    url = f"{emulator.base_urls['anthropic']}/v1/messages"
    body = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
    async with httpx2.AsyncClient() as http:
        keyed = await http.post(
            url, json=body, headers={"x-api-key": "k", "anthropic-version": "2023-06-01"}
        )
        keyless = await http.post(url, json=body, headers={"anthropic-version": "2023-06-01"})
    assert keyed.status_code == 200 and keyed.json()["type"] == "message"
    assert keyless.status_code == 401
    assert keyless.json()["error"]["type"] == "authentication_error"
