"""The Anthropic Messages API on the wire: ``POST /v1/messages``, as the ``anthropic`` SDK expects it.

Parses and validates the request the way the real API does (tool_use ids answered in the very next
user message, tool_result blocks first, tool_choice only with tools), turns it into neutral messages for
the planner, and streams the reply with ``event:`` lines (mandatory for the SDK), usage in
``message_start``, text and tool-input JSON split into many deltas, and each block closed before the
next opens.
"""

from __future__ import annotations

import base64
import json
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
from workbench.core.settings import EmissionSettings, FunctionCallingMode
from workbench.emulator.convert import (
    Reply,
    ReplyCall,
    ReplyText,
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

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


class AnthropicHandler:
    """Wire handler for Claude's Messages API (streaming and not)."""

    name = "anthropic"

    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and path.rstrip("/") == "/v1/messages"

    async def handle(self, request: EmulatorRequest, ctx: EmulatorContext) -> EmulatorResponse:
        # The 2.x SDK authenticates with `Authorization: Bearer`; older clients and curl use x-api-key.
        if not (request.headers.get("x-api-key") or request.headers.get("authorization")):
            raise WireError("x-api-key header is required", status=401)
        if "anthropic-version" not in request.headers:
            raise WireError("anthropic-version: header is required")
        body = request.json()
        if not isinstance(body, dict):
            raise WireError("the request body must be a JSON object")
        model = _required(body, "model", str)
        max_tokens = _required(body, "max_tokens", int)
        if max_tokens < 1:
            raise WireError("max_tokens: must be greater than or equal to 1")
        tools = parse_tools(body.get("tools"))
        choice = body.get("tool_choice")
        if ctx.claude_platform != "anthropic":
            _refuse_cloud_keys(choice)
        emission = parse_tool_choice(choice, has_tools=bool(tools))
        thinking = parse_thinking(body.get("thinking"), max_tokens)
        if thinking and isinstance(choice, dict) and choice.get("type") in ("any", "tool"):
            raise WireError("Thinking may not be enabled when tool_choice forces tool use.")
        raw_messages = _required(body, "messages", list)
        messages = parse_messages(raw_messages)
        if thinking:
            _check_thinking_history(raw_messages)
        validate_history(messages)
        system = parse_system(body.get("system"))
        reply = ctx.reply(system=system, messages=messages, tools=tools, emission=emission)
        message_id = ctx.new_id("msg_emu_")
        model = served_model(model, "anthropic")
        call_ids = [part.call_id or ctx.new_id("toolu_emu_") for part in reply.calls]
        input_tokens = estimate_tokens(request.body.decode("utf-8", "replace"))
        if body.get("stream"):
            events = _stream(reply, call_ids, model, message_id, input_tokens, thinking=thinking)
            return EmulatorResponse(headers={"request-id": f"req_{message_id}"}, events=events)
        message = _message_json(reply, call_ids, model, message_id, input_tokens, thinking=thinking)
        return EmulatorResponse(
            headers={"request-id": f"req_{message_id}"}, body=json.dumps(message).encode()
        )

    def error_response(self, status: int, message: str) -> EmulatorResponse:
        error_type = _ERROR_TYPES.get(
            status, "api_error" if status >= 500 else "invalid_request_error"
        )
        body = {"type": "error", "error": {"type": error_type, "message": message}}
        # Never a `retry-after`: the SDK honours it uncapped. The server may add a tiny retry-after-ms.
        return EmulatorResponse(status=status, body=json.dumps(body).encode())

    def stream_error_event(self, message: str) -> bytes:
        # What Claude sends when it is overloaded after the stream began.
        body = {"type": "error", "error": {"type": "overloaded_error", "message": message}}
        return sse(body, event="error")


def make_handler() -> AnthropicHandler:
    return AnthropicHandler()


def _required(body: dict[str, Any], key: str, kind: type) -> Any:
    if key not in body:
        raise WireError(f"{key}: Field required")
    value = body[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise WireError(f"{key}: Input should be a valid {kind.__name__}")
    return value


def parse_system(system: Any) -> str:
    if system is None:
        return ""
    if isinstance(system, str):
        return system
    if isinstance(system, list):
        return "\n".join(b.get("text", "") for b in system if isinstance(b, dict))
    raise WireError("system: Input should be a valid string or a list of text blocks")


def parse_tools(tools: Any) -> list[ToolSpec]:
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise WireError("tools: Input should be a valid list")
    specs: list[ToolSpec] = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
            raise WireError(f"tools.{i}.name: Field required")
        schema = tool.get("input_schema")
        if not isinstance(schema, dict):
            raise WireError(f"tools.{i}.input_schema: Field required")
        if schema.get("type") != "object":
            raise WireError(f"tools.{i}.input_schema.type: Input should be 'object'")
        specs.append(
            ToolSpec(name=tool["name"], description=tool.get("description", ""), parameters=schema)
        )
    return specs


def parse_tool_choice(choice: Any, *, has_tools: bool) -> EmissionSettings:
    """The emission knobs a ``tool_choice`` expresses (parallel is allowed unless disabled)."""
    if choice is None:
        return EmissionSettings(function_calling_mode="AUTO" if has_tools else "NONE")
    if not has_tools:
        raise WireError("tool_choice may only be specified while providing tools")
    if not isinstance(choice, dict):
        raise WireError("tool_choice: Input should be a valid dictionary")
    modes: dict[str, FunctionCallingMode] = {
        "auto": "AUTO",
        "any": "ANY",
        "tool": "ANY",
        "none": "NONE",
    }
    kind = choice.get("type")
    if kind not in modes:
        raise WireError(
            f"tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none', not {kind!r}"
        )
    if kind == "none" and "disable_parallel_tool_use" in choice:
        raise WireError(
            "tool_choice.none.disable_parallel_tool_use: Extra inputs are not permitted"
        )
    disable = choice.get("disable_parallel_tool_use", False)
    if not isinstance(disable, bool):
        raise WireError("tool_choice.disable_parallel_tool_use: Input should be a valid boolean")
    return EmissionSettings(parallel=not disable, function_calling_mode=modes[kind])


_THINKING_TEXT = "Let me work out which tools answer this."
_SIGNATURE_PREFIX = b"emulated-thinking:"


def thinking_signature(message_id: str) -> str:
    """The signature the emulator gives a thinking block (checked when the block is echoed)."""
    return base64.b64encode(_SIGNATURE_PREFIX + message_id.encode()).decode()


def _refuse_cloud_keys(choice: Any) -> None:
    """Claude on Bedrock and Vertex has refused ``disable_parallel_tool_use``, in AWS's shape."""
    if isinstance(choice, dict) and "disable_parallel_tool_use" in choice:
        message = (
            'Malformed input request: #: subject must not be valid against schema {"required":'
            '["messages"]}#/tool_choice: extraneous key [disable_parallel_tool_use] is not '
            "permitted, please reformat your input and try again."
        )
        raise WireError(message, body={"message": message})


def parse_thinking(thinking: Any, max_tokens: int) -> bool:
    """Whether extended thinking is on, refusing a budget the real API refuses."""
    if thinking is None:
        return False
    if not isinstance(thinking, dict) or thinking.get("type") not in ("enabled", "disabled"):
        raise WireError("thinking.type: Input should be 'enabled' or 'disabled'")
    if thinking["type"] == "disabled":
        return False
    budget = thinking.get("budget_tokens")
    if not isinstance(budget, int) or isinstance(budget, bool):
        raise WireError("thinking.enabled.budget_tokens: Field required")
    if budget < 1024:
        raise WireError(
            "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"
        )
    if budget >= max_tokens:
        raise WireError("`max_tokens` must be greater than `thinking.budget_tokens`.")
    return True


def _check_thinking_history(raw: list[Any]) -> None:
    """With thinking on, the last assistant turn that used tools must start with its thinking
    block, echoed with the signature it was given."""
    for i in range(len(raw) - 1, -1, -1):
        message = raw[i]
        if not isinstance(message, dict) or message.get("role") != "assistant":
            continue
        blocks = message.get("content")
        if not isinstance(blocks, list) or not any(
            isinstance(b, dict) and b.get("type") == "tool_use" for b in blocks
        ):
            return
        first = blocks[0] if isinstance(blocks[0], dict) else {}
        if first.get("type") not in ("thinking", "redacted_thinking"):
            raise WireError(
                f"messages.{i}.content.0.type: Expected `thinking` or `redacted_thinking`, but "
                f"found `{first.get('type')}`. When `thinking` is enabled, a final `assistant` "
                "message must start with a thinking block (preceeding the lastmost set of "
                "`tool_use` and `tool_result` blocks). We recommend you include thinking blocks "
                "from previous turns. To avoid this requirement, disable `thinking`."
            )
        signature = first.get("signature")
        if first.get("type") == "thinking" and not _signed(signature):
            raise WireError(f"messages.{i}.content.0: Invalid `signature` in `thinking` block")
        return


def _signed(signature: Any) -> bool:
    if not isinstance(signature, str):
        return False
    try:
        return base64.b64decode(signature, validate=True).startswith(_SIGNATURE_PREFIX)
    except ValueError:
        return False


def parse_messages(raw: list[Any]) -> list[Message]:
    """Wire messages to neutral ones, refusing what the real API refuses about tool use."""
    if not raw:
        raise WireError("messages: at least one message is required")
    out: list[Message] = []
    previous_calls: dict[str, str] = {}  # tool_use id -> name, from the message just before
    for i, message in enumerate(raw):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise WireError(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        blocks = _blocks(message.get("content"), f"messages.{i}.content")
        if message["role"] == "assistant":
            _refuse_unanswered(i - 1, previous_calls)
            assistant = _assistant(blocks, i)
            out.append(assistant)
            previous_calls = {c.id: c.name for c in assistant.tool_calls}
            continue
        results: list[ToolResult] = []
        texts: list[str] = []
        for j, block in enumerate(blocks):
            if block.get("type") == "tool_result":
                if texts:
                    raise WireError(
                        f"messages.{i}.content.{j}: tool_result blocks must come first in the user "
                        "message, before any text"
                    )
                results.append(_tool_result(block, previous_calls, f"messages.{i}.content.{j}"))
            elif block.get("type") == "text":
                texts.append(str(block.get("text", "")))
        answered = {r.call_id for r in results}
        _refuse_unanswered(i - 1, {k: v for k, v in previous_calls.items() if k not in answered})
        previous_calls = {}
        if results:
            out.append(ToolResultsMessage(results=results))
        if texts:
            out.append(UserMessage(content="\n".join(texts)))
    return out


def _blocks(content: Any, where: str) -> list[dict[str, Any]]:
    if isinstance(content, str):
        content = [{"type": "text", "text": content}]
    if not isinstance(content, list) or not all(isinstance(b, dict) for b in content):
        raise WireError(f"{where}: Input should be a valid string or list of content blocks")
    for j, block in enumerate(content):
        if block.get("type") == "text" and not block.get("text"):
            raise WireError(f"{where}.{j}: text content blocks must be non-empty")
    return content


def _assistant(blocks: list[dict[str, Any]], i: int) -> AssistantMessage:
    texts: list[str] = []
    calls: list[ToolCall] = []
    for j, block in enumerate(blocks):
        match block.get("type"):
            case "text":
                texts.append(str(block.get("text", "")))
            case "tool_use":
                if not isinstance(block.get("id"), str) or not isinstance(block.get("name"), str):
                    raise WireError(f"messages.{i}.content.{j}: tool_use blocks need id and name")
                if not isinstance(block.get("input"), dict):
                    raise WireError(
                        f"messages.{i}.content.{j}.input: Input should be a valid dictionary"
                    )
                calls.append(ToolCall(id=block["id"], name=block["name"], arguments=block["input"]))
    return AssistantMessage(text="".join(texts), tool_calls=calls)


def _tool_result(block: dict[str, Any], calls: dict[str, str], where: str) -> ToolResult:
    call_id = block.get("tool_use_id")
    if not isinstance(call_id, str):
        raise WireError(f"{where}.tool_use_id: Field required")
    if call_id not in calls:
        raise WireError(
            f"{where}: unexpected `tool_use_id` found in `tool_result` blocks: {call_id}. Each "
            "`tool_result` block must have a corresponding `tool_use` block in the previous message."
        )
    content = block.get("content", "")
    if isinstance(content, list):
        content = "".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
    status = "error" if block.get("is_error") else "ok"
    return ToolResult(call_id=call_id, name=calls[call_id], status=status, content=str(content))


def _refuse_unanswered(index: int, calls: dict[str, str]) -> None:
    if calls:
        ids = ", ".join(calls)
        raise WireError(
            f"messages.{index}: `tool_use` ids were found without `tool_result` blocks immediately "
            f"after: {ids}. Each `tool_use` block must have a corresponding `tool_result` block in "
            "the next message."
        )


def _message_json(
    reply: Reply,
    call_ids: list[str],
    model: str,
    message_id: str,
    input_tokens: int,
    *,
    thinking: bool = False,
) -> dict[str, Any]:
    ids = iter(call_ids)
    content: list[dict[str, Any]] = []
    if thinking:
        content.append(
            {
                "type": "thinking",
                "thinking": _THINKING_TEXT,
                "signature": thinking_signature(message_id),
            }
        )
    for part in reply.parts:
        if isinstance(part, ReplyText):
            content.append({"type": "text", "text": part.text})
        else:
            content.append(
                {"type": "tool_use", "id": next(ids), "name": part.name, "input": _input(part)}
            )
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": "tool_use" if call_ids else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": reply_tokens(reply)},
    }


def _input(part: ReplyCall) -> Any:
    try:
        return json.loads(part.arguments)
    except json.JSONDecodeError:
        return {}


def _thinking_block(message_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    start = {"type": "thinking", "thinking": "", "signature": ""}
    deltas: list[dict[str, Any]] = [
        {"type": "thinking_delta", "thinking": piece} for piece in split_text(_THINKING_TEXT)
    ]
    deltas.append({"type": "signature_delta", "signature": thinking_signature(message_id)})
    return start, deltas


async def _stream(
    reply: Reply,
    call_ids: list[str],
    model: str,
    message_id: str,
    input_tokens: int,
    *,
    thinking: bool = False,
) -> AsyncIterator[bytes]:
    ids = iter(call_ids)
    yield _event(
        "message_start",
        {
            "type": "message_start",
            "message": {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                # The SDK's stream helper crashes on message_delta if this usage is missing.
                "usage": {
                    "input_tokens": input_tokens,
                    "cache_creation_input_tokens": 0,
                    "cache_read_input_tokens": 0,
                    "output_tokens": 1,
                },
            },
        },
    )
    yield _event("ping", {"type": "ping"})
    parts: list[Any] = ["thinking", *reply.parts] if thinking else list(reply.parts)
    for index, part in enumerate(parts):
        deltas: list[dict[str, Any]]
        if part == "thinking":
            start, deltas = _thinking_block(message_id)
        elif isinstance(part, ReplyText):
            start = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": piece} for piece in split_text(part.text)]
        else:
            start = {"type": "tool_use", "id": next(ids), "name": part.name, "input": {}}
            # The real API opens with an empty fragment, then splits the JSON anywhere.
            pieces = ["", *split_json(part.arguments)]
            deltas = [{"type": "input_json_delta", "partial_json": piece} for piece in pieces]
        yield _event(
            "content_block_start",
            {"type": "content_block_start", "index": index, "content_block": start},
        )
        for delta in deltas:
            yield _event(
                "content_block_delta",
                {"type": "content_block_delta", "index": index, "delta": delta},
            )
        yield _event("content_block_stop", {"type": "content_block_stop", "index": index})
    yield _event(
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use" if call_ids else "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": reply_tokens(reply)},
        },
    )
    yield _event("message_stop", {"type": "message_stop"})


def _event(name: str, data: dict[str, Any]) -> bytes:
    return sse(data, event=name)  # `event:` lines are mandatory: the SDK drops events without one
