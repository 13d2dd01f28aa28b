"""The emulated OpenAI Responses API: ``POST /v1/responses`` (stateless; no stored responses).

Validates the input items as the real API does (every ``function_call`` answered by a
``function_call_output`` with its ``call_id``, no output without its call) and streams the typed event
sequence: ``response.created``, ``response.in_progress``, per output item ``output_item.added`` /
deltas / ``output_item.done``, then ``response.completed`` with the full output and usage.

Like a reasoning model, it answers a request that includes ``reasoning.encrypted_content`` with a
reasoning item first, whose encrypted content must come back unchanged: an echoed reasoning item it
cannot verify, or one without its content while ``store`` is false, is refused as the real API does.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from workbench.core.messages import (
    AssistantMessage,
    Message,
    ToolCall,
    ToolResult,
    ToolResultsMessage,
    ToolSpec,
    UserMessage,
)
from workbench.core.settings import EmissionSettings
from workbench.emulator import openai_common as common
from workbench.emulator.convert import (
    Reply,
    ReplyCall,
    UnansweredCallsError,
    UnexpectedResultError,
    WireError,
    estimate_tokens,
    reply_tokens,
    served_model,
    split_json,
    split_text,
    sse,
    validate_history,
)
from workbench.emulator.server import EmulatorContext, EmulatorRequest, EmulatorResponse

_TEXT_PARTS = ("input_text", "output_text", "text")
_REASONING_PREFIX = b"emulated-reasoning:"


class OpenAIResponsesHandler:
    name = "openai-responses"

    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and path.rstrip("/").endswith("/responses")

    async def handle(self, request: EmulatorRequest, ctx: EmulatorContext) -> EmulatorResponse:
        common.check_auth(request)
        body = common.require_object(request.json())
        model = common.require_model(body)
        previous = body.get("previous_response_id")
        if previous is not None:
            # The emulator stores nothing, like a store=False conversation.
            raise WireError(
                f"Previous response with id '{previous}' not found.",
                param="previous_response_id",
            )
        instructions = body.get("instructions")
        system, messages = _input(body.get("input"), store=body.get("store", True) is not False)
        if isinstance(instructions, str) and instructions:
            system = f"{instructions}\n\n{system}" if system else instructions
        tools, strict = _tools(body.get("tools"))
        emission = EmissionSettings(
            parallel=common.parallel_of(body),
            function_calling_mode=common.mode_of(body.get("tool_choice")) if tools else "NONE",
        )
        reply = ctx.reply(system=system, messages=messages, tools=tools, emission=emission)
        reply = common.fit_strict(reply, strict)
        prompt = estimate_tokens(request.body.decode("utf-8", "replace"))
        builder = _Builder(ctx, body, served_model(model, "openai"), reply, prompt)
        if body.get("stream") is not True:
            return EmulatorResponse(body=json.dumps(builder.final()).encode())
        return EmulatorResponse(
            headers={"x-request-id": builder.response_id}, events=builder.events()
        )

    def error_response(self, status: int, message: str) -> EmulatorResponse:
        return common.error_response(status, message)

    def stream_error_event(self, message: str) -> bytes:
        data = {
            "type": "error",
            "code": "server_error",
            "message": message,
            "param": None,
            "sequence_number": 0,
        }
        return sse(data, event="error")


def make_handler() -> OpenAIResponsesHandler:
    return OpenAIResponsesHandler()


# -- request -> neutral ---------------------------------------------------------------------------


def _input(raw: Any, *, store: bool = True) -> tuple[str, list[Message]]:
    if isinstance(raw, str):
        return "", [UserMessage(content=raw)]
    if not isinstance(raw, list) or not raw:
        raise WireError("Missing required parameter: 'input'.", param="input")
    system: list[str] = []
    out: list[Message] = []
    for i, item in enumerate(raw):
        where = f"input[{i}]"
        if not isinstance(item, dict):
            raise WireError(f"Invalid type for '{where}': expected an object.", param=where)
        kind = item.get("type") or ("message" if "role" in item else None)
        match kind:
            case "message":
                _message(item, where, system, out)
            case "function_call":
                call = _function_call(item, where)
                if out and isinstance(out[-1], AssistantMessage):
                    out[-1].tool_calls.append(call)
                else:
                    out.append(AssistantMessage(tool_calls=[call]))
            case "function_call_output":
                result = _function_call_output(item, where, out)
                if out and isinstance(out[-1], ToolResultsMessage):
                    out[-1].results.append(result)
                else:
                    out.append(ToolResultsMessage(results=[result]))
            case "reasoning":
                _check_reasoning(item, where, store=store)
            case _:
                raise WireError(
                    f"Invalid value: '{kind}'. Supported values are: 'message', 'function_call', "
                    "'function_call_output' and 'reasoning'.",
                    param=f"{where}.type",
                )
    try:
        validate_history(out)
    except UnansweredCallsError as exc:
        raise WireError(
            f"No tool output found for function call {exc.call_ids[0]}.", param="input"
        ) from None
    except UnexpectedResultError as exc:
        raise WireError(
            f"No tool call found for function call output with call_id {exc.call_id}.",
            param="input",
        ) from None
    return "\n\n".join(system), out


def encrypted_reasoning(item_id: str) -> str:
    """The encrypted content the emulator issues for a reasoning item (verifiable when echoed)."""
    return base64.b64encode(_REASONING_PREFIX + item_id.encode()).decode()


def _check_reasoning(item: dict[str, Any], where: str, *, store: bool) -> None:
    item_id = item.get("id")
    content = item.get("encrypted_content")
    if content is None:
        if not store:
            raise WireError(
                f"Item with id '{item_id}' not found. Items are not persisted when `store` is set "
                "to false. Try again with `store` set to true, or remove this item from your input.",
                param=where,
            )
        return
    if not isinstance(item_id, str) or content != encrypted_reasoning(item_id):
        raise WireError(
            f"The encrypted content for item {item_id} could not be verified.",
            param=f"{where}.encrypted_content",
        )


def _message(item: dict[str, Any], where: str, system: list[str], out: list[Message]) -> None:
    text = common.text_of(item.get("content"), f"{where}.content", part_types=_TEXT_PARTS)
    match item.get("role"):
        case "system" | "developer":
            system.append(text)
        case "user":
            out.append(UserMessage(content=text))
        case "assistant":
            if out and isinstance(out[-1], AssistantMessage) and not out[-1].tool_calls:
                out[-1].text += text
            else:
                out.append(AssistantMessage(text=text))
        case role:
            raise WireError(
                f"Invalid value: '{role}'. Supported values are: 'user', 'assistant', 'system', "
                "and 'developer'.",
                param=f"{where}.role",
            )


def _function_call(item: dict[str, Any], where: str) -> ToolCall:
    fields = {k: item.get(k) for k in ("call_id", "name", "arguments")}
    for key, value in fields.items():
        if not isinstance(value, str):
            raise WireError(f"Missing required parameter: '{where}.{key}'.", param=f"{where}.{key}")
    raw = str(fields["arguments"])
    return ToolCall(
        id=str(fields["call_id"]),
        name=str(fields["name"]),
        arguments=common.parse_arguments(raw),
        raw_arguments=raw,
    )


def _function_call_output(item: dict[str, Any], where: str, out: list[Message]) -> ToolResult:
    call_id = item.get("call_id")
    if not isinstance(call_id, str):
        raise WireError(f"Missing required parameter: '{where}.call_id'.", param=f"{where}.call_id")
    output = item.get("output")
    if output is None:
        raise WireError(f"Missing required parameter: '{where}.output'.", param=f"{where}.output")
    text = common.text_of(output, f"{where}.output", part_types=_TEXT_PARTS)
    names = {c.id: c.name for m in out if isinstance(m, AssistantMessage) for c in m.tool_calls}
    return ToolResult(call_id=call_id, name=names.get(call_id, ""), status="ok", content=text)


def _tools(raw: Any) -> tuple[list[ToolSpec], dict[str, dict[str, Any]]]:
    """The function tools, and the strict schemas of those sent with ``strict: true``."""
    if raw is None:
        return [], {}
    if not isinstance(raw, list):
        raise WireError("Invalid type for 'tools': expected an array.", param="tools")
    specs: list[ToolSpec] = []
    strict: dict[str, dict[str, Any]] = {}
    for k, tool in enumerate(raw):
        if not isinstance(tool, dict):
            raise WireError(f"Invalid type for 'tools[{k}]': expected an object.")
        if tool.get("type") != "function":
            continue  # hosted tools (web search and so on): the scripted model never uses them
        name = tool.get("name")
        if not isinstance(name, str) or not name:
            raise WireError(
                f"Missing required parameter: 'tools[{k}].name'.", param=f"tools[{k}].name"
            )
        parameters = tool.get("parameters") or {"type": "object", "properties": {}}
        if common.strict_flag(tool.get("strict"), f"tools[{k}].strict"):
            strict[name] = parameters
            parameters = common.strict_schema(name, parameters, f"tools[{k}].parameters")
        specs.append(
            ToolSpec(
                name=name, description=str(tool.get("description") or ""), parameters=parameters
            )
        )
    return specs, strict


# -- neutral -> wire ------------------------------------------------------------------------------


class _Builder:
    """Builds the event sequence and the final response object for one reply."""

    def __init__(
        self, ctx: EmulatorContext, body: dict[str, Any], model: str, reply: Reply, prompt: int
    ) -> None:
        self.response_id = ctx.new_id("resp_")
        self._ctx = ctx
        self._body = body
        self._model = model
        self._omit_usage = ctx.omit_usage
        self._reply = reply
        self._prompt = prompt
        self._created = int(time.time())
        self._seq = 0
        # Ids are fixed up front so the streamed items and the final output agree.
        self._items = [self._item(part) for part in reply.parts]
        include = body.get("include") or []
        if isinstance(include, list) and "reasoning.encrypted_content" in include:
            reasoning_id = ctx.new_id("rs_")
            self._items.insert(
                0,
                {
                    "id": reasoning_id,
                    "type": "reasoning",
                    "summary": [],
                    "encrypted_content": encrypted_reasoning(reasoning_id),
                },
            )

    def _item(self, part: Any) -> dict[str, Any]:
        if isinstance(part, ReplyCall):
            return {
                "id": self._ctx.new_id("fc_"),
                "type": "function_call",
                "status": "completed",
                "arguments": part.arguments,
                "call_id": part.call_id or self._ctx.new_id("call_"),
                "name": part.name,
            }
        return {
            "id": self._ctx.new_id("msg_"),
            "type": "message",
            "status": "completed",
            "role": "assistant",
            "content": [
                {"type": "output_text", "text": part.text, "annotations": [], "logprobs": []}
            ],
        }

    def _response(self, status: str, output: list[dict[str, Any]], usage: Any) -> dict[str, Any]:
        body = self._body
        return {
            "id": self.response_id,
            "object": "response",
            "created_at": self._created,
            "status": status,
            "background": False,
            "error": None,
            "incomplete_details": None,
            "instructions": body.get("instructions"),
            "max_output_tokens": body.get("max_output_tokens"),
            "max_tool_calls": body.get("max_tool_calls"),
            "model": self._model,
            "output": output,
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "previous_response_id": None,
            "reasoning": {"effort": None, "summary": None},
            "service_tier": "default",
            "store": body.get("store", True),
            "temperature": 1.0,
            "text": {"format": {"type": "text"}, "verbosity": "medium"},
            "tool_choice": body.get("tool_choice", "auto"),
            "tools": body.get("tools") or [],
            "top_p": 1.0,
            "truncation": "disabled",
            "usage": usage,
            "user": None,
            "metadata": {},
        }

    def final(self) -> dict[str, Any]:
        completion = reply_tokens(self._reply)
        usage = {
            "input_tokens": self._prompt,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": completion,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": self._prompt + completion,
        }
        return self._response("completed", self._items, None if self._omit_usage else usage)

    def _event(self, kind: str, **fields: Any) -> bytes:
        data = {"type": kind, **fields, "sequence_number": self._seq}
        self._seq += 1
        return sse(data, event=kind)

    async def events(self) -> AsyncIterator[bytes]:
        yield self._event("response.created", response=self._response("in_progress", [], None))
        yield self._event("response.in_progress", response=self._response("in_progress", [], None))
        for index, item in enumerate(self._items):
            if item["type"] == "reasoning":
                added = {"id": item["id"], "type": "reasoning", "summary": []}
                yield self._event("response.output_item.added", output_index=index, item=added)
                yield self._event("response.output_item.done", output_index=index, item=item)
                continue
            events = self._call_events if item["type"] == "function_call" else self._text_events
            for event in events(index, item):
                yield event
        yield self._event("response.completed", response=self.final())

    def _call_events(self, index: int, item: dict[str, Any]) -> list[bytes]:
        added = {**item, "status": "in_progress", "arguments": ""}
        ref = {"item_id": item["id"], "output_index": index}
        return [
            self._event("response.output_item.added", output_index=index, item=added),
            *(
                self._event("response.function_call_arguments.delta", **ref, delta=fragment)
                for fragment in split_json(item["arguments"])
            ),
            self._event(
                "response.function_call_arguments.done",
                **ref,
                name=item["name"],
                arguments=item["arguments"],
            ),
            self._event("response.output_item.done", output_index=index, item=item),
        ]

    def _text_events(self, index: int, item: dict[str, Any]) -> list[bytes]:
        part = item["content"][0]
        added = {**item, "status": "in_progress", "content": []}
        ref = {"item_id": item["id"], "output_index": index, "content_index": 0}
        empty = {**part, "text": ""}
        return [
            self._event("response.output_item.added", output_index=index, item=added),
            self._event("response.content_part.added", **ref, part=empty),
            *(
                self._event("response.output_text.delta", **ref, delta=piece, logprobs=[])
                for piece in split_text(part["text"])
            ),
            self._event("response.output_text.done", **ref, text=part["text"], logprobs=[]),
            self._event("response.content_part.done", **ref, part=part),
            self._event("response.output_item.done", output_index=index, item=item),
        ]
