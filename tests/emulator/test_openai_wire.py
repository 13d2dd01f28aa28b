"""The emulated OpenAI APIs at the HTTP level: what they refuse, as the real APIs refuse it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from workbench.core.messages import (
    AssistantMessage,
    ToolCall,
    ToolResult,
    ToolResultsMessage,
    UserMessage,
)
from workbench.core.settings import EmissionSettings
from workbench.emulator.convert import (
    Reply,
    ReplyCall,
    UnansweredCallsError,
    UnexpectedResultError,
    split_json,
    validate_history,
)
from workbench.emulator.server import EmulatorServer

AUTH = {"authorization": "Bearer test-key"}
TOOL = {
    "type": "function",
    "function": {"name": "get_date", "description": "Today", "parameters": {"type": "object"}},
}
FLAT_TOOL = {"type": "function", "name": "get_date", "parameters": {"type": "object"}}
CALL = {"id": "call_1", "type": "function", "function": {"name": "get_date", "arguments": "{}"}}


@pytest.fixture
async def client(emulator: EmulatorServer) -> AsyncIterator[httpx2.AsyncClient]:
    base = emulator.base_urls["openai-chat"]
    async with httpx2.AsyncClient(base_url=base, headers=AUTH) as c:
        yield c


async def _refused(client: httpx2.AsyncClient, path: str, body: dict[str, Any]) -> str:
    response = await client.post(path, json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert set(error) == {"message", "type", "param", "code"}
    message: str = error["message"]
    return message


async def test_a_request_without_a_key_is_401(emulator: EmulatorServer) -> None:
    async with httpx2.AsyncClient(base_url=emulator.base_urls["openai-chat"]) as bare:
        response = await bare.post("/chat/completions", json={"model": "m", "messages": []})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


async def test_chat_knobs_need_tools(client: httpx2.AsyncClient) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    message = await _refused(client, "/chat/completions", {**body, "parallel_tool_calls": False})
    assert "only allowed when 'tools' are specified" in message


async def test_chat_refuses_index_keys_in_echoed_calls(client: httpx2.AsyncClient) -> None:
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": "date?"},
            {"role": "assistant", "content": None, "tool_calls": [{**CALL, "index": 0}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "today"},
        ],
        "tools": [TOOL],
    }
    assert "'index' was unexpected" in await _refused(client, "/chat/completions", body)


async def test_chat_refuses_a_tool_message_without_its_call(client: httpx2.AsyncClient) -> None:
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": "date?"},
            {"role": "tool", "tool_call_id": "call_9", "content": "today"},
        ],
    }
    message = await _refused(client, "/chat/completions", body)
    assert "must be a response to a preceeding message with 'tool_calls'" in message


async def test_chat_answers_without_streaming_too(
    client: httpx2.AsyncClient, emulator: EmulatorServer
) -> None:
    emulator.script(Reply.of("Here.", ReplyCall.of("get_date", {})))
    body = {"model": "m", "messages": [{"role": "user", "content": "date?"}], "tools": [TOOL]}
    response = await client.post("/chat/completions", json=body)
    choice = response.json()["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] == "Here."
    assert choice["message"]["tool_calls"][0]["function"]["name"] == "get_date"


async def test_responses_refuses_a_stored_conversation(client: httpx2.AsyncClient) -> None:
    body = {"model": "m", "input": "hi", "previous_response_id": "resp_1"}
    assert "not found" in await _refused(client, "/responses", body)


async def test_responses_refuses_a_call_without_output(client: httpx2.AsyncClient) -> None:
    body = {
        "model": "m",
        "input": [
            {"role": "user", "content": "date?"},
            {"type": "function_call", "call_id": "call_1", "name": "get_date", "arguments": "{}"},
            {"role": "user", "content": "well?"},
        ],
        "tools": [FLAT_TOOL],
    }
    assert (
        await _refused(client, "/responses", body)
        == "No tool output found for function call call_1."
    )


async def test_responses_answers_without_streaming_too(
    client: httpx2.AsyncClient, emulator: EmulatorServer
) -> None:
    emulator.script(Reply.of(ReplyCall.of("get_date", {}, call_id="call_fixed")))
    body = {"model": "m", "input": "date?", "tools": [FLAT_TOOL]}
    output = (await client.post("/responses", json=body)).json()["output"]
    assert [(item["type"], item["call_id"]) for item in output] == [("function_call", "call_fixed")]


def test_json_is_split_inside_strings_and_escapes() -> None:
    text = json.dumps({"city": 'Zürich "x" \\ ✓'}, ensure_ascii=False)
    fragments = split_json(text)
    assert "".join(fragments) == text
    assert len(fragments) >= 5
    assert any(f.endswith("\\") for f in fragments)  # an escape cut in two


def test_knobs_cut_the_reply_as_the_real_apis_do() -> None:
    reply = Reply.of("a", ReplyCall.of("x", {}), "b", ReplyCall.of("y", {}))
    assert reply.within(EmissionSettings(parallel=False)) == Reply.of("a", ReplyCall.of("x", {}))
    assert reply.within(EmissionSettings(function_calling_mode="NONE")) == Reply.of("a", "b")
    assert reply.within(EmissionSettings()) == reply


def test_history_validation_names_the_offending_calls() -> None:
    call = ToolCall(id="c1", name="x", arguments={})
    with pytest.raises(UnansweredCallsError) as unanswered:
        validate_history([UserMessage(content="q"), AssistantMessage(tool_calls=[call])])
    assert unanswered.value.call_ids == ["c1"]
    stray = ToolResultsMessage(
        results=[ToolResult(call_id="c2", name="x", status="ok", content="")]
    )
    with pytest.raises(UnexpectedResultError) as unexpected:
        validate_history([UserMessage(content="q"), AssistantMessage(tool_calls=[call]), stray])
    assert unexpected.value.call_id == "c2"
