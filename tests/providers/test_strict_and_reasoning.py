"""Strict schemas on both OpenAI APIs, their caveat with parallel calls, and Responses' reasoning items.

Through the real SDK against the emulator, which checks strict schemas as api.openai.com does, fills
in nulls for optional properties as strict mode makes a model do, and sends encrypted reasoning items
it verifies when they come back.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import openai
import pytest

from tests.providers.openai_support import (
    KINDS,
    WEATHER,
    OpenAIProvider,
    answer,
    complete,
    make_provider,
    request,
)
from tests.providers.support import collect, sent_body
from workbench.core.messages import Message, ToolSpec, UserMessage
from workbench.core.provider import CallReady, ProviderError
from workbench.core.settings import EmissionSettings
from workbench.emulator.convert import Reply, ReplyCall
from workbench.emulator.openai_responses import encrypted_reasoning
from workbench.emulator.server import EmulatorServer

Make = Callable[..., OpenAIProvider]

STRICT = EmissionSettings(strict=True)
SERIALIZE = EmissionSettings(strict=True, strict_parallel="serialize")

WEATHER_TOOL = ToolSpec(
    name="get_weather",
    description="Weather for a city",
    parameters={
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "units": {"type": "string", "enum": ["C", "F"], "default": "C"},
        },
        "required": ["city"],
    },
)
FREE_FORM = ToolSpec(
    name="annotate",
    description="Takes any keys",
    parameters={"type": "object", "properties": {}, "additionalProperties": True},
)


@pytest.fixture(params=KINDS)
async def make(request: pytest.FixtureRequest, emulator: EmulatorServer) -> AsyncIterator[Make]:
    made: list[OpenAIProvider] = []

    def build(**kw: Any) -> OpenAIProvider:
        provider = make_provider(emulator, request.param, **kw)
        made.append(provider)
        return provider

    yield build
    for provider in made:
        await provider.aclose()


def _sent_tools(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """name -> {strict, parameters} as sent, in either API's tool shape."""
    out = {}
    for tool in body["tools"]:
        function = tool.get("function", tool)
        out[function["name"]] = {
            "strict": function.get("strict", False),
            "parameters": function["parameters"],
        }
    return out


async def test_strict_schemas_are_sent_in_strict_form_and_optional_nulls_come_back_removed(
    make: Make, emulator: EmulatorServer
) -> None:
    emulator.script(Reply.of(ReplyCall.of("get_weather", {"city": "Oslo"})))
    provider = make()
    events = await collect(provider, request(WEATHER, [WEATHER_TOOL], STRICT))
    sent = _sent_tools(sent_body(emulator))["get_weather"]
    assert sent["strict"] is True
    assert sent["parameters"] == {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "units": {"type": ["string", "null"], "enum": ["C", "F", None]},
        },
        "required": ["city", "units"],
        "additionalProperties": False,
    }
    # The emulator, as strict mode does, sent "units": null; the tool gets what it was written for.
    [call] = complete(events).message.tool_calls
    assert call.arguments == {"city": "Oslo"}
    assert [e.call for e in events if isinstance(e, CallReady)] == [call]


async def test_a_schema_that_cannot_be_strict_is_named_and_sent_non_strict(
    make: Make, emulator: EmulatorServer
) -> None:
    provider = make()
    req = request(WEATHER, [WEATHER_TOOL, FREE_FORM], STRICT)
    [problem] = [w for w in provider.preflight(req) if "annotate" in w]
    assert problem.startswith("tool 'annotate' is sent non-strict: ")
    assert "\n" not in problem
    complete(await collect(provider, req))
    sent = _sent_tools(sent_body(emulator))
    assert sent["annotate"] == {"strict": False, "parameters": FREE_FORM.parameters}
    assert sent["get_weather"]["strict"] is True


async def test_the_emulator_refuses_a_strict_tool_whose_schema_is_not_strict(
    make: Make, emulator: EmulatorServer
) -> None:
    """As the real API does: strict: true with a schema that allows extra keys is a 400."""
    provider = make()
    client = provider._client  # the SDK client, to send a body the adapter would never build
    loose: dict[str, object] = {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    }

    async def send() -> object:
        if provider.name == "openai-chat":
            return await client.chat.completions.create(
                model="m",
                messages=[{"role": "user", "content": "hi"}],
                tools=[
                    {
                        "type": "function",
                        "function": {"name": "w", "parameters": loose, "strict": True},
                    }
                ],
            )
        return await client.responses.create(
            model="m",
            input="hi",
            tools=[{"type": "function", "name": "w", "parameters": loose, "strict": True}],
        )

    with pytest.raises(openai.BadRequestError) as caught:
        await send()
    assert caught.value.status_code == 400
    assert "Invalid schema for function 'w'" in str(caught.value)
    assert "'additionalProperties' is required to be supplied and to be false" in str(caught.value)


async def test_strict_with_parallel_warns_and_sends_both_by_default(
    make: Make, emulator: EmulatorServer, tools: list[ToolSpec]
) -> None:
    provider = make()
    warnings = provider.preflight(request(WEATHER, tools, STRICT))
    [caveat] = [w for w in warnings if w.startswith("strict schemas with parallel calls")]
    assert "warn sends both" in caveat
    done = complete(await collect(provider, request(WEATHER, tools, STRICT)))
    assert sent_body(emulator)["parallel_tool_calls"] is True
    assert len(done.message.tool_calls) > 1  # the emulator honoured parallel


async def test_strict_parallel_serialize_sends_parallel_off_and_says_so(
    make: Make, emulator: EmulatorServer, tools: list[ToolSpec]
) -> None:
    provider = make()
    [caveat] = [
        w
        for w in provider.preflight(request(WEATHER, tools, SERIALIZE))
        if w.startswith("strict schemas with parallel calls")
    ]
    assert "serialize sends parallel_tool_calls: false" in caveat
    done = complete(await collect(provider, request(WEATHER, tools, SERIALIZE)))
    assert sent_body(emulator)["parallel_tool_calls"] is False
    assert len(done.message.tool_calls) == 1
    # Without strict, serialize changes nothing.
    complete(
        await collect(
            provider, request(WEATHER, tools, EmissionSettings(strict_parallel="serialize"))
        )
    )
    assert sent_body(emulator)["parallel_tool_calls"] is True


async def test_a_whole_turn_with_strict_built_in_tools_completes(
    make: Make, emulator: EmulatorServer, tools: list[ToolSpec]
) -> None:
    """Every built-in tool's schema can be made strict, and the follow-ups stay valid."""
    provider = make()
    assert [
        w for w in provider.preflight(request(WEATHER, tools, STRICT)) if "non-strict" in w
    ] == []
    history: list[Message] = [UserMessage(content=WEATHER)]
    for _ in range(4):
        message = complete(await collect(provider, request(history, tools, STRICT))).message
        history.append(message)
        if not message.tool_calls:
            break
        history.append(answer(message))
    assert not history[-1].tool_calls  # type: ignore[union-attr]


# -- reasoning items (Responses) ---------------------------------------------------------------


async def test_responses_asks_for_encrypted_reasoning_and_echoes_it_unchanged(
    emulator: EmulatorServer, tools: list[ToolSpec]
) -> None:
    provider = make_provider(emulator, "openai-responses")
    first = complete(await collect(provider, request(WEATHER, tools))).message
    body = sent_body(emulator)
    assert body["store"] is False
    assert body["include"] == ["reasoning.encrypted_content"]
    assert first.provider_data is not None
    [item] = first.provider_data["reasoning"]
    assert item["type"] == "reasoning"
    assert item["encrypted_content"] == encrypted_reasoning(item["id"])
    history: list[Message] = [UserMessage(content=WEATHER), first, answer(first)]
    complete(await collect(provider, request(history, tools)))
    echoed = sent_body(emulator)["input"]
    kinds = [i.get("type", "message") for i in echoed]
    # The reasoning item goes back first, before the calls it led to, exactly as it came.
    assert kinds[:2] == ["message", "reasoning"]
    assert echoed[1] == item
    n = len(first.tool_calls)
    assert [k for k in kinds[2:] if k != "message"] == ["function_call"] * n + [
        "function_call_output"
    ] * n
    await provider.aclose()


async def test_the_emulator_refuses_reasoning_it_did_not_issue_or_without_its_content(
    emulator: EmulatorServer, tools: list[ToolSpec]
) -> None:
    provider = make_provider(emulator, "openai-responses")
    first = complete(await collect(provider, request(WEATHER, tools))).message
    assert first.provider_data is not None
    [item] = first.provider_data["reasoning"]
    for tampered, expected in (
        ({**item, "encrypted_content": "bm90LW91cnM="}, "could not be verified"),
        ({k: v for k, v in item.items() if k != "encrypted_content"}, "not persisted"),
    ):
        bad = first.model_copy(update={"provider_data": {"reasoning": [tampered]}})
        history: list[Message] = [UserMessage(content=WEATHER), bad, answer(first)]
        with pytest.raises(ProviderError) as caught:
            await collect(provider, request(history, tools))
        assert caught.value.status == 400
        assert expected in caught.value.message
    await provider.aclose()


def test_reasoning_survives_a_session_round_trip(emulator: EmulatorServer) -> None:
    """provider_data is plain JSON, so a recorded reasoning item reloads and echoes the same."""
    from workbench.core.messages import MESSAGES_ADAPTER, AssistantMessage

    message = AssistantMessage(
        provider_data={"reasoning": [{"id": "rs_1", "type": "reasoning", "summary": []}]}
    )
    dumped = json.loads(MESSAGES_ADAPTER.dump_json([message]))
    assert MESSAGES_ADAPTER.validate_python(dumped) == [message]
