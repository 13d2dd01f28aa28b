"""How Gemini failures reach the user: one ProviderError of the right kind, with one readable line.

google-genai never retries on its own; the adapter configures HttpRetryOptions so 429 and 5xx get the
same treatment as with the other SDKs (tiny delays here). Transport failures (no answer, a stall, a
cut) are tested for every adapter in ``test_stream_failures``. The last tests check that the emulator
refuses what the Gemini API refuses, in Gemini's error shape.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from tests.providers.support import FAILURE_PROMPT, collect, fail, failure_request
from workbench.core.provider import ProviderErrorKind
from workbench.emulator.server import EmulatorServer, Misbehaviour
from workbench.providers.gemini import GeminiProvider


def _provider(base_url: str, **kwargs: Any) -> GeminiProvider:
    kwargs.setdefault("retry_initial_delay_s", 0.001)
    return GeminiProvider(model="gemini-test", api_key="test-key", base_url=base_url, **kwargs)


@pytest.fixture
async def gemini(emulator: EmulatorServer) -> AsyncIterator[GeminiProvider]:
    provider = _provider(emulator.base_urls["gemini"])
    yield provider
    await provider.aclose()


@pytest.mark.parametrize(
    ("status", "kind", "words"),
    [
        (401, "auth", "GEMINI_API_KEY"),
        (403, "auth", "GEMINI_API_KEY"),
        (404, "not_found", "model 'gemini-test' was not found (404)"),
        (400, "bad_request", "The request is invalid."),
    ],
)
async def test_client_errors_are_not_retried_and_say_what_to_fix(
    gemini: GeminiProvider,
    emulator: EmulatorServer,
    status: int,
    kind: ProviderErrorKind,
    words: str,
) -> None:
    emulator.misbehave(Misbehaviour(status=status))
    error = await fail(gemini, "gemini")
    assert (error.kind, error.status) == (kind, status)
    assert words in error.message
    assert len(emulator.requests) == 1


async def test_rate_limit_is_retried_then_reported(
    gemini: GeminiProvider, emulator: EmulatorServer
) -> None:
    emulator.misbehave(Misbehaviour(status=429, times=-1))
    error = await fail(gemini, "gemini")
    assert error.kind == "rate_limit"
    assert error.message.startswith("rate limited (429) after 3 attempts")
    assert len(emulator.requests) == 3


async def test_a_passing_server_error_is_invisible(
    gemini: GeminiProvider, emulator: EmulatorServer
) -> None:
    emulator.misbehave(Misbehaviour(status=503, times=1))
    events = await collect(gemini, failure_request())
    assert events
    assert len(emulator.requests) == 2


@pytest.mark.parametrize("status", [500, 503])
async def test_server_errors_after_retries(
    gemini: GeminiProvider, emulator: EmulatorServer, status: int
) -> None:
    emulator.misbehave(Misbehaviour(status=status, times=-1))
    error = await fail(gemini, "gemini")
    assert (error.kind, error.status) == ("server", status)
    assert f"({status}) after 3 attempts" in error.message
    assert len(emulator.requests) == 3


async def test_an_error_chunk_inside_the_stream(
    gemini: GeminiProvider, emulator: EmulatorServer
) -> None:
    emulator.misbehave(Misbehaviour(error_event_after=2))
    error = await fail(gemini, "gemini")
    assert (error.kind, error.status) == ("server", 503)
    assert "mid-stream" in error.message


async def _drain(client: genai.Client, contents: list[types.Content]) -> None:
    stream = await client.aio.models.generate_content_stream(model="gemini-test", contents=contents)
    async for _ in stream:
        pass


async def test_emulator_refuses_a_call_without_its_response(emulator: EmulatorServer) -> None:
    client = genai.Client(
        api_key="k",
        http_options=types.HttpOptions(base_url=emulator.base_urls["gemini"], api_version="v1beta"),
    )
    contents = [
        types.Content(role="user", parts=[types.Part(text=FAILURE_PROMPT)]),
        types.Content(
            role="model",
            parts=[
                types.Part(
                    function_call=types.FunctionCall(name="get_weather", args={"city": "Paris"})
                ),
                types.Part(
                    function_call=types.FunctionCall(name="get_weather", args={"city": "Oslo"})
                ),
            ],
        ),
        types.Content(
            role="user",
            parts=[
                types.Part(
                    function_response=types.FunctionResponse(
                        name="get_weather", response={"output": "sunny"}
                    )
                )
            ],
        ),
    ]
    try:
        with pytest.raises(genai_errors.ClientError) as caught:
            await _drain(client, contents)
    finally:
        await client.aio.aclose()
    error = caught.value
    assert (error.code, error.status) == (400, "INVALID_ARGUMENT")
    assert "number of function response parts" in str(error.message)


async def test_emulator_wants_data_lines_only(emulator: EmulatorServer) -> None:
    # The SDK breaks on any line that is not `data: `; every event the emulator sends is one.
    client = genai.Client(
        api_key="k",
        http_options=types.HttpOptions(base_url=emulator.base_urls["gemini"], api_version="v1"),
    )
    try:
        stream = await client.aio.models.generate_content_stream(model="gemini-test", contents="hi")
        texts = [chunk.text async for chunk in stream]
    finally:
        await client.aio.aclose()
    assert "".join(t or "" for t in texts)
    assert emulator.requests[-1].path == "/v1/models/gemini-test:streamGenerateContent"
