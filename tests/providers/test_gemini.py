"""The Gemini adapter through the real ``google-genai`` SDK against the loopback emulator.

What a user would notice: answers and calls arrive intact (with or without call ids, several per
chunk), "parallel off" works although Gemini has no switch for it, calls start as their chunk arrives,
and follow-ups echo the model turn unchanged (the emulator refuses a missing or altered thought
signature, as Gemini 3 does).
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
    TOOLS,
    WEATHER_PROMPT,
    collect,
    complete,
    converse,
    loop_turn,
    ok_results,
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
    ProviderError,
    ProviderEvent,
    TextChunk,
)
from workbench.core.settings import EmissionSettings, FunctionCallingMode
from workbench.emulator import gemini as gemini_wire
from workbench.emulator.convert import Reply, ReplyCall
from workbench.emulator.server import EmulatorServer, Misbehaviour
from workbench.providers.gemini import ONE_CALL_INSTRUCTION, GeminiProvider


def _provider(base_url: str, **kwargs: Any) -> GeminiProvider:
    return GeminiProvider(model="gemini-test", api_key="test-key", base_url=base_url, **kwargs)


@pytest.fixture
async def gemini(emulator: EmulatorServer) -> AsyncIterator[GeminiProvider]:
    provider = _provider(emulator.base_urls["gemini"])
    yield provider
    await provider.aclose()


async def test_plain_answer_streams_text_and_usage(
    gemini: GeminiProvider, emulator: EmulatorServer
) -> None:
    emulator.script(Reply.of("Hello there, nice to meet you."))
    events = await collect(gemini, request([UserMessage(content="hi")]))
    done = complete(events)
    chunks = [e.text for e in events if isinstance(e, TextChunk)]
    assert len(chunks) > 1
    assert "".join(chunks) == done.message.text == "Hello there, nice to meet you."
    assert done.message.tool_calls == [] and done.stop_reason == "stop"
    assert done.usage.input_tokens > 0 and done.usage.output_tokens > 0
    sent = emulator.requests[0]
    assert sent.path == "/v1beta/models/gemini-test:streamGenerateContent"
    assert sent.query["alt"] == "sse" and sent.headers["x-goog-api-key"] == "test-key"


async def test_usage_is_the_last_running_total_not_a_sum(
    gemini: GeminiProvider, emulator: EmulatorServer
) -> None:
    emulator.script(Reply.of("one two three four five six seven eight nine ten eleven twelve"))
    done = complete(await collect(gemini, request([UserMessage(content="count")])))
    # The emulator reports candidatesTokenCount as a running total; summing would inflate it.
    assert done.usage.output_tokens == len(done.message.text) // 4


async def test_three_calls_without_ids_then_a_final_answer(
    gemini: GeminiProvider, emulator: EmulatorServer
) -> None:
    responses = await converse(gemini, WEATHER_PROMPT)
    first = responses[0].message
    assert [(c.name, c.arguments) for c in first.tool_calls] == [
        ("get_weather", {"city": "Tokyo"}),
        ("get_weather", {"city": "Paris"}),
        ("get_time", {"timezone": "Europe/Paris"}),
    ]
    # Gemini gave no ids: workbench made distinct ones for the core...
    ids = [c.id for c in first.tool_calls]
    assert len(set(ids)) == 3 and all(i.startswith("gemini_call_") for i in ids)
    assert len(responses) == 2 and responses[1].message.text
    # ...and never sent them to the API: responses matched by name and order, one user Content.
    contents = sent_body(emulator, 1)["contents"]
    assert [c["role"] for c in contents] == ["user", "model", "user"]
    responses_sent = [p["functionResponse"] for p in contents[2]["parts"]]
    assert [r["name"] for r in responses_sent] == ["get_weather", "get_weather", "get_time"]
    assert all("id" not in r for r in responses_sent)
    assert all(r["response"] == {"output": f"{r['name']} done"} for r in responses_sent)


async def test_call_ids_are_used_and_echoed_when_gemini_gives_them(
    gemini: GeminiProvider, emulator: EmulatorServer
) -> None:
    emulator.script(
        Reply.of(
            ReplyCall.of("get_weather", {"city": "Paris"}, call_id="fc_A"),
            ReplyCall.of("get_weather", {"city": "Oslo"}, call_id="fc_B"),
        ),
        Reply.of("Done."),
    )
    responses = await converse(gemini, "weather in Paris and Oslo")
    assert [c.id for c in responses[0].message.tool_calls] == ["fc_A", "fc_B"]
    parts = sent_body(emulator, 1)["contents"][2]["parts"]
    assert [p["functionResponse"]["id"] for p in parts] == ["fc_A", "fc_B"]


async def test_thought_signature_round_trips_and_a_changed_one_is_refused(
    gemini: GeminiProvider, emulator: EmulatorServer
) -> None:
    first = complete(await collect(gemini, request([UserMessage(content=WEATHER_PROMPT)])))
    parts = first.message.provider_data and first.message.provider_data["content"]["parts"]
    assert parts and "thought_signature" in parts[1]  # JSON-safe: a base64 string
    follow_up: list[Message] = [
        UserMessage(content=WEATHER_PROMPT),
        first.message,
        ok_results(first.message.tool_calls),
    ]
    await collect(gemini, request(follow_up))  # accepted: echoed unchanged (URL-safe re-encoded)
    echoed = sent_body(emulator)["contents"][1]["parts"][1]
    assert gemini_wire.decode_signature(echoed["thoughtSignature"]) is not None

    for signature, words in (
        ("AAAA", "Corrupted thought signature"),
        (None, "missing a thought_signature"),
    ):
        changed = [dict(p) for p in parts]
        if signature is None:
            del changed[1]["thought_signature"]
        else:
            changed[1]["thought_signature"] = signature
        tampered = first.message.model_copy(
            update={"provider_data": {"content": {"role": "model", "parts": changed}}}
        )
        with pytest.raises(ProviderError) as caught:
            await collect(gemini, request([follow_up[0], tampered, follow_up[2]]))
        assert caught.value.kind == "bad_request" and words in caught.value.message


async def test_dependent_batches_over_several_round_trips(
    gemini: GeminiProvider, emulator: EmulatorServer
) -> None:
    prompt = 'read_file(path="a.py") then run_linter(path="a.py"), run_linter(path="b.py")'
    responses = await converse(gemini, prompt)
    batches = [[c.name for c in r.message.tool_calls] for r in responses]
    assert batches == [["read_file"], ["run_linter", "run_linter"], []]
    assert len(emulator.requests) == 3  # both follow-ups passed the emulator's checks


async def test_parallel_off_is_an_instruction_and_gives_one_call_per_response(
    gemini: GeminiProvider, emulator: EmulatorServer
) -> None:
    emission = EmissionSettings(parallel=False)
    responses = await converse(gemini, WEATHER_PROMPT, emission)
    assert [len(r.message.tool_calls) for r in responses] == [1, 1, 1, 0]
    for sent in emulator.requests:
        body = sent.json()
        system = " ".join(p["text"] for p in body["systemInstruction"]["parts"])
        assert system.startswith("You are terse.") and ONE_CALL_INSTRUCTION in system
        settings = json.dumps({k: v for k, v in body.items() if k != "contents"})
        assert "parallel" not in settings.lower()  # there is no switch to send
    assert gemini.capabilities.parallel_knob is None
    assert "no switch" in gemini.capabilities.parallel_note
    assert any("system instruction" in w for w in gemini.preflight(request([], emission)))


@pytest.mark.parametrize("mode", ["NONE", "ANY", "AUTO"])
async def test_function_calling_mode_is_sent_and_honoured(
    gemini: GeminiProvider, emulator: EmulatorServer, mode: FunctionCallingMode
) -> None:
    emission = EmissionSettings(function_calling_mode=mode)
    done = complete(await collect(gemini, request([UserMessage(content="hello")], emission)))
    body = sent_body(emulator)
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": mode}}
    assert len(done.message.tool_calls) == (1 if mode == "ANY" else 0)


async def test_declarations_only_and_no_config_without_tools(
    gemini: GeminiProvider, emulator: EmulatorServer
) -> None:
    await collect(gemini, request([UserMessage(content=WEATHER_PROMPT)]))
    declarations = sent_body(emulator)["tools"][0]["functionDeclarations"]
    assert [d["name"] for d in declarations] == [t.name for t in TOOLS]
    await collect(gemini, request([UserMessage(content="hello")], tools=[]))
    body = sent_body(emulator)
    assert "tools" not in body and "toolConfig" not in body


async def test_awkward_stream_text_between_calls_unicode_and_many_per_chunk(
    gemini: GeminiProvider, emulator: EmulatorServer
) -> None:
    emulator.script(AWKWARD_REPLY)
    done = complete(await collect(gemini, request([UserMessage(content="go")])))
    assert done.message.text == "Looking… then the linter "
    assert [c.arguments for c in done.message.tool_calls] == AWKWARD_ARGUMENTS
    # The model turn is kept in stream order for the echo, streamed text joined into one part.
    parts = done.message.provider_data and done.message.provider_data["content"]["parts"]
    assert [next(iter(p)) for p in parts or []] == [
        "text",
        "function_call",
        "text",
        "function_call",
        "function_call",
        "function_call",
    ]


async def test_a_call_is_announced_as_its_chunk_arrives(
    gemini: GeminiProvider, emulator: EmulatorServer
) -> None:
    emulator.script(
        Reply.of(
            ReplyCall.of("get_weather", {"city": "Paris"}),
            ReplyCall.of("get_weather", {"city": "Oslo"}),
            ReplyCall.of("get_weather", {"city": "Rome"}),
        )
    )
    # The server holds the stream right after the chunk with the first call.
    emulator.misbehave(Misbehaviour(pause_after=b"functionCall"))
    seen: list[ProviderEvent] = []
    async with asyncio.timeout(5):
        async for event in gemini.stream(request([UserMessage(content="go")])):
            seen.append(event)
            if isinstance(event, CallReady) and event.call.arguments == {"city": "Paris"}:
                assert len(seen) == 1  # announced while the rest was still held back
                emulator.release()
    assert [type(e).__name__ for e in seen] == ["CallReady"] * 3 + ["ResponseComplete"]


async def test_without_eager_dispatch_calls_come_only_with_the_response(
    emulator: EmulatorServer,
) -> None:
    provider = _provider(emulator.base_urls["gemini"], eager_dispatch=False)
    try:
        assert provider.capabilities.eager_dispatch is False
        events = await collect(provider, request([UserMessage(content=WEATHER_PROMPT)]))
    finally:
        await provider.aclose()
    assert not any(isinstance(e, CallReady) for e in events)
    assert len(complete(events).message.tool_calls) == 3


async def test_unknown_tool_passes_through(
    gemini: GeminiProvider, emulator: EmulatorServer
) -> None:
    emulator.script(Reply.of(ReplyCall.of("no_such_tool", {"x": 1})))
    done = complete(await collect(gemini, request([UserMessage(content="go")])))
    assert [(c.name, c.arguments) for c in done.message.tool_calls] == [("no_such_tool", {"x": 1})]


async def test_error_results_missing_results_and_repeated_user_messages(
    gemini: GeminiProvider, emulator: EmulatorServer
) -> None:
    first = complete(await collect(gemini, request([UserMessage(content=WEATHER_PROMPT)])))
    calls = first.message.tool_calls
    history: list[Message] = [
        UserMessage(content="first try"),
        UserMessage(content=WEATHER_PROMPT),  # a failed turn left two user messages in a row
        first.message,
        ToolResultsMessage(
            results=[
                ToolResult(call_id=calls[0].id, name=calls[0].name, status="error", content="boom")
            ]
        ),
    ]
    await collect(gemini, request(history))  # the emulator accepted it
    contents = sent_body(emulator)["contents"]
    assert [c["role"] for c in contents] == ["user", "model", "user"]
    assert [p["text"] for p in contents[0]["parts"]] == ["first try", WEATHER_PROMPT]
    sent = [p["functionResponse"]["response"] for p in contents[2]["parts"]]
    assert sent[0] == {"error": "boom"}
    assert all("error" in r for r in sent[1:])  # never answered by the core: sent as errors


async def test_history_without_provider_data_is_rebuilt(
    gemini: GeminiProvider, emulator: EmulatorServer
) -> None:
    # A turn answered by a provider that kept no Gemini Content (a replayed or switched session).
    history: list[Message] = [
        UserMessage(content="earlier question"),
        AssistantMessage(
            text="Checking.",
            tool_calls=[ToolCall(id="toolu_x", name="get_weather", arguments={"city": "Rome"})],
        ),
        ToolResultsMessage(
            results=[
                ToolResult(call_id="toolu_x", name="get_weather", status="ok", content="sunny")
            ]
        ),
        AssistantMessage(text="Sunny in Rome."),
        UserMessage(content="hello"),
    ]
    await collect(gemini, request(history))
    contents = sent_body(emulator)["contents"]
    assert contents[1]["parts"][1]["functionCall"] == {
        "id": "toolu_x",
        "name": "get_weather",
        "args": {"city": "Rome"},
    }
    assert contents[2]["parts"][0]["functionResponse"]["id"] == "toolu_x"


async def test_a_whole_turn_through_the_agent_loop(
    gemini: GeminiProvider, emulator: EmulatorServer, tmp_path: Path
) -> None:
    finished = await loop_turn(gemini, tmp_path, WEATHER_PROMPT)
    assert finished.status == "completed" and finished.stats.calls == 3
    assert "Tokyo" in finished.text
    assert len(emulator.requests) == 2
