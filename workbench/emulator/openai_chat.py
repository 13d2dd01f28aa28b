"""The emulated OpenAI Chat Completions API: ``POST /v1/chat/completions``.

Validates requests as the real API does (roles, echoed tool calls, every ``tool_call_id`` answered,
knobs only with tools) and streams ``chat.completion.chunk`` objects: text deltas, tool-call argument
fragments (``id``/``name`` on the first fragment only, optionally interleaved across calls), the
finish chunk, the usage chunk and ``[DONE]``.
"""

from __future__ import annotations

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
    ReplyText,
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

_TEXT_PARTS = ("text",)
_CALL_KEYS = {"id", "type", "function"}


class OpenAIChatHandler:
    name = "openai-chat"

    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and path.rstrip("/").endswith("/chat/completions")

    async def handle(self, request: EmulatorRequest, ctx: EmulatorContext) -> EmulatorResponse:
        common.check_auth(request)
        body = common.require_object(request.json())
        model = common.require_model(body)
        system, messages = _messages(body.get("messages"))
        tools, strict = _tools(body.get("tools"))
        _check_token_limit(body)
        if not tools:
            for knob in ("parallel_tool_calls", "tool_choice"):
                if body.get(knob) is not None:
                    raise WireError(
                        f"Invalid value for '{knob}': only allowed when 'tools' are specified.",
                        param=knob,
                    )
        emission = EmissionSettings(
            parallel=common.parallel_of(body),
            function_calling_mode=common.mode_of(body.get("tool_choice")) if tools else "NONE",
        )
        if ctx.chat_server == "ollama":
            # Not among the fields Ollama's compatible endpoint reads: accepted, and ignored.
            emission = EmissionSettings(function_calling_mode="AUTO" if tools else "NONE")
            strict = {}
        reply = ctx.reply(system=system, messages=messages, tools=tools, emission=emission)
        reply = common.fit_strict(reply, strict)
        ids = [c.call_id or ctx.new_id("call_") for c in reply.calls]
        usage = _usage(
            estimate_tokens(request.body.decode("utf-8", "replace")), reply_tokens(reply)
        )
        completion_id = ctx.new_id("chatcmpl-")
        if ctx.chat_server == "openai":
            model = served_model(model, "openai")  # Ollama answers with the name it was given
        if body.get("stream") is not True:
            return _whole(completion_id, model, reply, ids, usage)
        stream_options = body.get("stream_options") or {}
        include_usage = isinstance(stream_options, dict) and stream_options.get("include_usage")
        include_usage = include_usage and not ctx.omit_usage
        chunks = _Chunks(completion_id, model)
        events = _stream(chunks, reply, ids, usage if include_usage else None, ctx)
        return EmulatorResponse(headers={"x-request-id": completion_id}, events=events)

    def error_response(self, status: int, message: str) -> EmulatorResponse:
        return common.error_response(status, message)

    def stream_error_event(self, message: str) -> bytes:
        return common.chat_stream_error_event(message)


def make_handler() -> OpenAIChatHandler:
    return OpenAIChatHandler()


# -- request -> neutral ---------------------------------------------------------------------------


def _messages(raw: Any) -> tuple[str, list[Message]]:
    if raw is None:
        raise WireError("Missing required parameter: 'messages'.", param="messages")
    if not isinstance(raw, list) or not raw:
        raise WireError("'messages' must be a non-empty array.", param="messages")
    system: list[str] = []
    out: list[Message] = []
    names: dict[str, str] = {}
    for i, m in enumerate(raw):
        where = f"messages[{i}]"
        if not isinstance(m, dict):
            raise WireError(f"Invalid type for '{where}': expected an object.", param=where)
        match m.get("role"):
            case "system" | "developer":
                system.append(
                    common.text_of(m.get("content"), f"{where}.content", part_types=_TEXT_PARTS)
                )
            case "user":
                content = m.get("content")
                if content is None:
                    raise WireError(f"Missing required parameter: '{where}.content'.", param=where)
                text = common.text_of(content, f"{where}.content", part_types=_TEXT_PARTS)
                out.append(UserMessage(content=text))
            case "assistant":
                message = _assistant(m, i)
                names.update((c.id, c.name) for c in message.tool_calls)
                out.append(message)
            case "tool":
                call_id = m.get("tool_call_id")
                if not isinstance(call_id, str):
                    raise WireError(
                        f"Missing required parameter: '{where}.tool_call_id'.", param=where
                    )
                text = common.text_of(m.get("content"), f"{where}.content", part_types=_TEXT_PARTS)
                result = ToolResult(
                    call_id=call_id, name=names.get(call_id, ""), status="ok", content=text
                )
                if out and isinstance(out[-1], ToolResultsMessage):
                    out[-1].results.append(result)
                else:
                    out.append(ToolResultsMessage(results=[result]))
            case role:
                raise WireError(
                    f"Invalid value: '{role}'. Supported values are: 'system', 'assistant', "
                    "'user', 'function', 'tool', and 'developer'.",
                    param=f"{where}.role",
                )
    try:
        validate_history(out)
    except UnansweredCallsError as exc:
        raise WireError(
            "An assistant message with 'tool_calls' must be followed by tool messages responding "
            "to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
            + ", ".join(exc.call_ids),
            param="messages",
        ) from None
    except UnexpectedResultError:
        raise WireError(
            "Invalid parameter: messages with role 'tool' must be a response to a preceeding "
            "message with 'tool_calls'.",
            param="messages",
        ) from None
    return "\n\n".join(system), out


def _assistant(m: dict[str, Any], i: int) -> AssistantMessage:
    raw_calls = m.get("tool_calls") or []
    if not isinstance(raw_calls, list):
        raise WireError(f"Invalid type for 'messages[{i}].tool_calls': expected an array.")
    calls: list[ToolCall] = []
    for j, tc in enumerate(raw_calls):
        where = f"messages.{i}.tool_calls.{j}"
        if not isinstance(tc, dict):
            raise WireError(f"Invalid type for '{where}': expected an object.", param=where)
        for key in tc:
            if key not in _CALL_KEYS:
                raise WireError(
                    f"Additional properties are not allowed ('{key}' was unexpected) - '{where}'",
                    param=where,
                )
        function = tc.get("function")
        call_id = tc.get("id")
        if not isinstance(call_id, str) or not isinstance(function, dict):
            raise WireError(f"Missing required parameter: '{where}.id' or '{where}.function'.")
        name = function.get("name")
        raw_args = function.get("arguments")
        if not isinstance(name, str) or not isinstance(raw_args, str):
            raise WireError(
                f"Missing required parameter: '{where}.function.name' or "
                f"'{where}.function.arguments'.",
                param=where,
            )
        calls.append(
            ToolCall(
                id=call_id,
                name=name,
                arguments=common.parse_arguments(raw_args),
                raw_arguments=raw_args,
            )
        )
    content = m.get("content")
    if content is None and not calls:
        raise WireError(
            f"Missing required parameter: 'messages[{i}].content'.", param=f"messages[{i}]"
        )
    text = common.text_of(content, f"messages[{i}].content", part_types=("text", "refusal"))
    return AssistantMessage(text=text, tool_calls=calls)


def _check_token_limit(body: dict[str, Any]) -> None:
    for key in ("max_completion_tokens", "max_tokens"):
        value = body.get(key)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 1
        ):
            raise WireError(
                f"Invalid '{key}': integer below minimum value. Expected a value >= 1.", param=key
            )


def _tools(raw: Any) -> tuple[list[ToolSpec], dict[str, dict[str, Any]]]:
    """The tools, and the strict schemas of those sent with ``strict: true``."""
    if raw is None:
        return [], {}
    if not isinstance(raw, list):
        raise WireError("Invalid type for 'tools': expected an array.", param="tools")
    specs: list[ToolSpec] = []
    strict: dict[str, dict[str, Any]] = {}
    for k, tool in enumerate(raw):
        function = tool.get("function") if isinstance(tool, dict) else None
        if (
            not isinstance(tool, dict)
            or tool.get("type") != "function"
            or not isinstance(function, dict)
        ):
            raise WireError(
                f"Invalid value for 'tools[{k}]': expected a function tool.", param=f"tools[{k}]"
            )
        name = function.get("name")
        if not isinstance(name, str) or not name:
            raise WireError(
                f"Missing required parameter: 'tools[{k}].function.name'.",
                param=f"tools[{k}].function.name",
            )
        parameters = function.get("parameters") or {"type": "object", "properties": {}}
        if common.strict_flag(function.get("strict"), f"tools[{k}].function.strict"):
            strict[name] = parameters
            parameters = common.strict_schema(name, parameters, f"tools[{k}].function.parameters")
        specs.append(
            ToolSpec(
                name=name,
                description=str(function.get("description") or ""),
                parameters=parameters,
            )
        )
    return specs, strict


# -- neutral -> wire ------------------------------------------------------------------------------


def _usage(prompt: int, completion: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


class _Chunks:
    """Builds ``chat.completion.chunk`` events sharing one id, model and timestamp."""

    def __init__(self, completion_id: str, model: str) -> None:
        self._base = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_emulated",
            "service_tier": "default",
        }

    def delta(self, delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return sse({**self._base, "choices": [choice], "usage": None})

    def usage(self, usage: dict[str, Any]) -> bytes:
        return sse({**self._base, "choices": [], "usage": usage})


def _call_fragments(index: int, call_id: str, call: ReplyCall) -> list[dict[str, Any]]:
    """The deltas of one call: id, type and name on the first only (the SDK helper concatenates)."""
    first = {
        "index": index,
        "id": call_id,
        "type": "function",
        "function": {"name": call.name, "arguments": ""},
    }
    rest = [{"index": index, "function": {"arguments": f}} for f in split_json(call.arguments)]
    return [first, *rest]


async def _stream(
    chunks: _Chunks,
    reply: Reply,
    ids: list[str],
    usage: dict[str, Any] | None,
    ctx: EmulatorContext,
) -> AsyncIterator[bytes]:
    yield chunks.delta({"role": "assistant", "content": "", "refusal": None})
    calls = reply.calls
    if ctx.whole_chat_calls and calls:
        # Every call whole, all in one chunk, as some compatible servers send them.
        for piece in split_text(reply.text):
            yield chunks.delta({"content": piece})
        whole = [
            {
                "index": k,
                "id": ids[k],
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments},
            }
            for k, c in enumerate(calls)
        ]
        yield chunks.delta({"tool_calls": whole})
    elif ctx.interleave_chat_fragments and len(calls) > 1:
        # Text first, then the calls' fragments round-robin: index order of first appearance is
        # kept (the SDK helper breaks if index 1 shows up before index 0).
        for piece in split_text(reply.text):
            yield chunks.delta({"content": piece})
        lanes = [_call_fragments(k, ids[k], c) for k, c in enumerate(calls)]
        for step in range(max(len(lane) for lane in lanes)):
            for lane in lanes:
                if step < len(lane):
                    yield chunks.delta({"tool_calls": [lane[step]]})
    else:
        k = 0
        for part in reply.parts:
            if isinstance(part, ReplyText):
                for piece in split_text(part.text):
                    yield chunks.delta({"content": piece})
            else:
                for fragment in _call_fragments(k, ids[k], part):
                    yield chunks.delta({"tool_calls": [fragment]})
                k += 1
    yield chunks.delta({}, "tool_calls" if calls else "stop")
    if usage is not None:
        yield chunks.usage(usage)
    yield b"data: [DONE]\n\n"


def _whole(
    completion_id: str, model: str, reply: Reply, ids: list[str], usage: dict[str, Any]
) -> EmulatorResponse:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None, "refusal": None}
    if reply.calls:
        message["tool_calls"] = [
            {"id": i, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for i, c in zip(ids, reply.calls, strict=True)
        ]
    body = {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "tool_calls" if reply.calls else "stop",
            }
        ],
        "usage": usage,
    }
    return EmulatorResponse(body=json.dumps(body).encode())
