"""The Gemini API on the wire: ``POST /{v1beta|v1}/models/{model}:streamGenerateContent?alt=sse``.

Parses the request as google-genai sends it (camelCase at the top, declarations as given), validates
the follow-up turns as the real API does (one function response per call, right after the call turn,
and the thought signature of the current turn echoed back), and streams ``data: `` lines only, CRLF
separated, with calls arriving whole: the first call of a batch alone, later ones two to a chunk.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
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
    ReplyText,
    WireError,
    estimate_tokens,
    reply_tokens,
    split_text,
    sse,
    validate_history,
)
from workbench.emulator.server import EmulatorContext, EmulatorRequest, EmulatorResponse

_PATH = re.compile(
    r"^/(v1|v1beta|v1alpha)/models/([^/:]+):(streamGenerateContent|generateContent)$"
)
_STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
# Gemini has no parallel switch; a model that reads this in its system instruction makes one call.
_ONE_CALL = re.compile(r"at most one function( call)? per (response|turn)", re.IGNORECASE)
_SEPARATOR = "\r\n\r\n"  # what Gemini sends; the SDK also accepts "\n\n"


class GeminiHandler:
    """Wire handler for the Gemini API (google-genai's ``generate_content[_stream]``)."""

    name = "gemini"

    def __init__(self, *, call_ids: bool = False) -> None:
        self.call_ids = call_ids
        """Give planner calls an ``id``. Off by default: Gemini's ids are optional and often absent."""
        self._signatures: set[bytes] = set()

    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and _PATH.match(path) is not None

    async def handle(self, request: EmulatorRequest, ctx: EmulatorContext) -> EmulatorResponse:
        match = _PATH.match(request.path)
        assert match is not None  # matches() said so
        model, method = match.group(2), match.group(3)
        if not (request.headers.get("x-goog-api-key") or request.query.get("key")):
            raise WireError(
                "Method doesn't allow unregistered callers (callers without established identity). "
                "Please use API Key or other form of API consumer identity to call this API.",
                status=403,
            )
        streaming = method == "streamGenerateContent"
        if streaming and request.query.get("alt") != "sse":
            raise WireError("this emulator streams Server-Sent Events only: add ?alt=sse")
        body = request.json()
        if not isinstance(body, dict):
            raise WireError("Invalid JSON payload received. Expected an object.")
        contents = _field(body, "contents")
        if not isinstance(contents, list) or not contents:
            raise WireError("* GenerateContentRequest.contents: contents is not specified")
        tools = parse_tools(_field(body, "tools"))
        emission, allowed = parse_tool_config(_field(body, "toolConfig"), has_tools=bool(tools))
        system = parse_system(_field(body, "systemInstruction"))
        emission = emission.model_copy(update={"parallel": not _ONE_CALL.search(system)})
        messages = parse_contents(contents)
        validate_history(messages)
        self._check_signatures(contents)
        if allowed:
            tools = [t for t in tools if t.name in allowed]
        reply = ctx.reply(system=system, messages=messages, tools=tools, emission=emission)
        response_id = ctx.new_id("gresp_emu_")
        answer = _Answer(
            reply=reply,
            model=model,
            response_id=response_id,
            call_ids=[
                part.call_id or (ctx.new_id("fc_emu_") if self.call_ids else None)
                for part in reply.calls
            ],
            signature=self._issue_signature(response_id) if reply.calls else None,
            prompt_tokens=estimate_tokens(request.body.decode("utf-8", "replace")),
            omit_usage=ctx.omit_usage,
        )
        if streaming:
            return EmulatorResponse(events=_stream(answer))
        return EmulatorResponse(body=json.dumps(answer.whole()).encode())

    def error_response(self, status: int, message: str) -> EmulatorResponse:
        body = {"error": {"code": status, "message": message, "status": _status(status)}}
        return EmulatorResponse(status=status, body=json.dumps(body).encode())

    def stream_error_event(self, message: str) -> bytes:
        # Gemini reports a failure after the stream began as one more data line holding an error.
        body = {"error": {"code": 503, "message": message, "status": "UNAVAILABLE"}}
        return sse(body, separator=_SEPARATOR)

    def _issue_signature(self, response_id: str) -> bytes:
        # Bytes whose standard base64 has '+' and '/', so a client that re-encodes URL-safe (as
        # google-genai does) only passes if the comparison is on the decoded bytes.
        signature = b"\xfb\xef\xbe\xff" + response_id.encode()
        self._signatures.add(signature)
        return signature

    def _check_signatures(self, contents: list[Any]) -> None:
        """The model turns of the current turn must echo the thought signature of their first call."""
        start = 0
        for i, content in enumerate(contents):
            if content.get("role", "user") == "user" and any(
                "text" in part for part in content.get("parts", [])
            ):
                start = i + 1  # the current turn begins after the last user text
        for content in contents[start:]:
            if content.get("role") != "model":
                continue
            calls = [
                (pos, p) for pos, p in enumerate(content["parts"]) if _field(p, "functionCall")
            ]
            if not calls:
                continue
            position, first = calls[0]
            raw = _field(first, "thoughtSignature")
            if raw is None:
                name = _field(first, "functionCall").get("name", "")
                raise WireError(
                    "Function call is missing a thought_signature in functionCall parts. This is "
                    "required for tools to work correctly, and missing thought_signature may lead to "
                    f"degraded model performance. Additional data, function call `default_api:{name}` "
                    f", position {position + 1}. Please refer to "
                    "https://ai.google.dev/gemini-api/docs/thought-signatures for more details."
                )
            if decode_signature(raw) not in self._signatures:
                raise WireError("Corrupted thought signature.")


def make_handler(*, call_ids: bool = False) -> GeminiHandler:
    return GeminiHandler(call_ids=call_ids)


def decode_signature(value: Any) -> bytes | None:
    """A base64 signature's bytes, whichever alphabet the client used; None if it is not base64."""
    if not isinstance(value, str):
        return None
    text = value.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def _field(data: Any, camel: str) -> Any:
    """A request field by its camelCase name or its snake_case one (the SDK sends both kinds)."""
    if not isinstance(data, dict):
        return None
    if camel in data:
        return data[camel]
    return data.get(re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), camel))


def _status(code: int) -> str:
    return _STATUSES.get(code, "INTERNAL" if code >= 500 else "FAILED_PRECONDITION")


def parse_system(instruction: Any) -> str:
    if instruction is None:
        return ""
    if isinstance(instruction, str):
        return instruction
    parts = _field(instruction, "parts")
    if not isinstance(parts, list):
        raise WireError("* GenerateContentRequest.system_instruction: parts is not specified")
    return "\n".join(str(p.get("text", "")) for p in parts if isinstance(p, dict))


def parse_tools(tools: Any) -> list[ToolSpec]:
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise WireError("* GenerateContentRequest.tools: must be a list")
    specs: list[ToolSpec] = []
    for i, tool in enumerate(tools):
        declarations = _field(tool, "functionDeclarations") or []
        for j, decl in enumerate(declarations):
            name = _field(decl, "name")
            if not isinstance(name, str) or not name:
                raise WireError(
                    f"* GenerateContentRequest.tools[{i}].function_declarations[{j}].name: "
                    "[FIELD_INVALID] Invalid function name."
                )
            schema = _field(decl, "parametersJsonSchema") or _field(decl, "parameters") or {}
            description = _field(decl, "description") or ""
            specs.append(ToolSpec(name=name, description=description, parameters=schema))
    return specs


def parse_tool_config(config: Any, *, has_tools: bool) -> tuple[EmissionSettings, set[str]]:
    """The function-calling mode (parallel is settled from the system instruction) and allowed names."""
    modes: dict[str, FunctionCallingMode] = {
        "AUTO": "AUTO",
        "MODE_UNSPECIFIED": "AUTO",
        "VALIDATED": "AUTO",
        "ANY": "ANY",
        "NONE": "NONE",
    }
    calling = _field(config, "functionCallingConfig") or {}
    raw_mode = _field(calling, "mode") or "AUTO"
    if raw_mode not in modes:
        raise WireError(
            "Invalid value at 'tool_config.function_calling_config.mode' "
            f'(type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode), "{raw_mode}"'
        )
    mode = modes[raw_mode] if has_tools else "NONE"
    allowed = set(_field(calling, "allowedFunctionNames") or [])
    return EmissionSettings(function_calling_mode=mode), allowed


def parse_contents(contents: list[Any]) -> list[Message]:
    """Wire contents to neutral messages, matching responses to calls by id, else by name and order."""
    out: list[Message] = []
    pending: list[tuple[str, str | None, str]] = []  # (neutral id, wire id, name)
    previous = ""  # the kind of the previous turn: user, function (responses) or model
    for i, content in enumerate(contents):
        parts = _field(content, "parts")
        if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
            raise WireError(
                f"* GenerateContentRequest.contents[{i}].parts: contents.parts must not be empty"
            )
        role = content.get("role") or "user"
        if role == "model":
            message = _model_message(parts, i)
            if message.tool_calls and previous not in ("user", "function"):
                raise WireError(
                    "Please ensure that function call turn comes immediately after a user turn or "
                    "after a function response turn."
                )
            out.append(message)
            pending = [
                (c.id, None if c.id.startswith("pos:") else c.id, c.name)
                for c in message.tool_calls
            ]
            previous = "model"
        elif role in ("user", "function"):
            results, texts = _user_parts(parts, pending, i)
            pending = []
            if results:
                out.append(ToolResultsMessage(results=results))
            if texts:
                out.append(UserMessage(content="\n".join(texts)))
            previous = "function" if results else "user"
        else:
            raise WireError(f"Please use a valid role: user, model. (got {role!r})")
    return out


def _model_message(parts: list[dict[str, Any]], i: int) -> AssistantMessage:
    texts: list[str] = []
    calls: list[ToolCall] = []
    for k, part in enumerate(parts):
        fc = _field(part, "functionCall")
        if fc is not None:
            name = fc.get("name")
            if not isinstance(name, str) or not name:
                raise WireError(
                    f"* GenerateContentRequest.contents[{i}].parts[{k}].function_call.name: "
                    "[FIELD_INVALID] Invalid function name."
                )
            args = fc.get("args") or {}
            call_id = fc.get("id") or f"pos:{i}:{k}"  # neutral stand-in for an absent id
            calls.append(ToolCall(id=call_id, name=name, arguments=args))
        elif "text" in part and not part.get("thought"):
            texts.append(str(part["text"]))
    return AssistantMessage(text="".join(texts), tool_calls=calls)


def _user_parts(
    parts: list[dict[str, Any]], pending: list[tuple[str, str | None, str]], i: int
) -> tuple[list[ToolResult], list[str]]:
    results: list[ToolResult] = []
    texts: list[str] = []
    open_calls = list(pending)
    for part in parts:
        fr = _field(part, "functionResponse")
        if fr is None:
            if "text" in part:
                texts.append(str(part["text"]))
            continue
        if not pending:
            raise WireError(
                "Please ensure that function response turn comes immediately after a function call turn."
            )
        wire_id, name = fr.get("id"), fr.get("name")
        match_ = next(
            (c for c in open_calls if (c[1] == wire_id if wire_id else c[2] == name)), None
        )
        if match_ is None:
            raise WireError(
                f"* GenerateContentRequest.contents[{i}]: function response "
                f"{name!r} (id {wire_id!r}) does not answer any function call of the previous turn."
            )
        open_calls.remove(match_)
        response = fr.get("response")
        if not isinstance(response, dict):
            raise WireError(
                f"* GenerateContentRequest.contents[{i}].function_response.response: must be an object"
            )
        status = "error" if "error" in response and "output" not in response else "ok"
        value = response.get("error" if status == "error" else "output", response)
        content = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        results.append(
            ToolResult(call_id=match_[0], name=match_[2], status=status, content=content)
        )
    if results and open_calls:
        raise WireError(
            "Please ensure that the number of function response parts is equal to the number of "
            "function call parts of the function call turn."
        )
    return results, texts


@dataclass(frozen=True)
class _Answer:
    """One reply, ready to send as chunks or as a whole response."""

    reply: Reply
    model: str
    response_id: str
    call_ids: list[str | None]
    signature: bytes | None
    prompt_tokens: int
    omit_usage: bool = False

    def chunks(self) -> list[list[dict[str, Any]]]:
        """The parts of each chunk: text in word-sized pieces; calls whole, first alone then in pairs."""
        chunks: list[list[dict[str, Any]]] = []
        ids = iter(self.call_ids)
        run = 0  # position within the current run of consecutive calls
        first_call = True
        for part in self.reply.parts:
            if isinstance(part, ReplyText):
                chunks.extend([{"text": piece}] for piece in split_text(part.text))
                run = 0
                continue
            fc: dict[str, Any] = {"name": part.name, "args": _args(part.arguments)}
            call_id = next(ids)
            if call_id is not None:
                fc["id"] = call_id
            wire: dict[str, Any] = {"functionCall": fc}
            if first_call and self.signature is not None:
                # Gemini 3 signs only the first call of a parallel batch; it must come back unchanged.
                wire["thoughtSignature"] = base64.b64encode(self.signature).decode()
                first_call = False
            if run % 2 == 1:
                chunks[-1].append(wire)  # second of a pair: shares the chunk
            else:
                chunks.append([wire])
            run += 1
        return chunks or [[{"text": ""}]]

    def envelope(
        self, parts: list[dict[str, Any]], output_tokens: int, last: bool
    ) -> dict[str, Any]:
        candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
        if last:
            candidate["finishReason"] = "STOP"
        envelope: dict[str, Any] = {"candidates": [candidate]}
        if not self.omit_usage:
            # A running total, not a delta: clients keep the last one.
            envelope["usageMetadata"] = {
                "promptTokenCount": self.prompt_tokens,
                "candidatesTokenCount": output_tokens,
                "totalTokenCount": self.prompt_tokens + output_tokens,
            }
        # A stable name comes back as it was asked for (``gemini-2.5-flash``), as Gemini does.
        return {**envelope, "modelVersion": self.model, "responseId": self.response_id}

    def whole(self) -> dict[str, Any]:
        parts = [p for chunk in self.chunks() for p in chunk]
        merged: list[dict[str, Any]] = []
        for part in parts:
            if merged and set(part) == {"text"} and set(merged[-1]) == {"text"}:
                merged[-1] = {"text": merged[-1]["text"] + part["text"]}
            else:
                merged.append(part)
        return self.envelope(merged, reply_tokens(self.reply), last=True)


def _args(arguments: str) -> dict[str, Any]:
    # Gemini sends arguments as an object, never as text, so malformed JSON cannot be expressed.
    try:
        value = json.loads(arguments)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


async def _stream(answer: _Answer) -> AsyncIterator[bytes]:
    chunks = answer.chunks()
    total = reply_tokens(answer.reply)
    for n, parts in enumerate(chunks, start=1):
        tokens = max(1, total * n // len(chunks))
        yield sse(answer.envelope(parts, tokens, last=n == len(chunks)), separator=_SEPARATOR)
