"""What the two emulated OpenAI APIs share: the error shape, the auth check, tool_choice and text parts."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator

from workbench.core.settings import FunctionCallingMode
from workbench.core.strict import relaxed, strict_problem, with_nulls
from workbench.emulator.convert import Reply, ReplyCall, ReplyPart, WireError, sse
from workbench.emulator.server import EmulatorRequest, EmulatorResponse

# (type, code) per status, as api.openai.com words them.
_ERROR_KINDS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
}


def error_response(status: int, message: str) -> EmulatorResponse:
    kind, code = _ERROR_KINDS.get(status, ("server_error", None))
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return EmulatorResponse(
        status,
        headers={"x-request-id": "req_emulated"},
        body=json.dumps(body).encode(),
    )


def chat_stream_error_event(message: str) -> bytes:
    return sse({"error": {"message": message, "type": "server_error", "param": None, "code": None}})


def check_auth(request: EmulatorRequest) -> None:
    """Any non-empty bearer key is accepted; none at all is a 401, as the real API answers."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise WireError(
            "You didn't provide an API key. You need to provide your API key in an "
            "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            status=401,
        )


def require_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise WireError("The request body must be a JSON object.")
    return body


def require_model(body: dict[str, Any]) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise WireError("you must provide a model parameter", param="model")
    return model


def mode_of(tool_choice: Any) -> FunctionCallingMode:
    """The neutral mode a ``tool_choice`` asks for (a named function counts as ANY)."""
    match tool_choice:
        case None | "auto":
            return "AUTO"
        case "none":
            return "NONE"
        case "required":
            return "ANY"
        case {"type": "function"}:
            return "ANY"
        case _:
            raise WireError(
                f"Invalid value for 'tool_choice': {json.dumps(tool_choice)}. Supported values "
                "are: 'none', 'auto', 'required', or a named function.",
                param="tool_choice",
            )


def parallel_of(body: dict[str, Any]) -> bool:
    value = body.get("parallel_tool_calls", True)
    if value is None:
        return True
    if not isinstance(value, bool):
        raise WireError(
            "Invalid type for 'parallel_tool_calls': expected a boolean.",
            param="parallel_tool_calls",
        )
    return value


def text_of(content: Any, where: str, *, part_types: tuple[str, ...]) -> str:
    """Message content as text: a string, or a list of text parts of the accepted types."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts: list[str] = []
        for k, part in enumerate(content):
            if not isinstance(part, dict) or part.get("type") not in part_types:
                raise WireError(
                    f"Invalid content part at '{where}[{k}]': expected one of {', '.join(part_types)}.",
                    param=f"{where}[{k}]",
                )
            text = part.get("text")
            if not isinstance(text, str):
                raise WireError(
                    f"Missing required parameter: '{where}[{k}].text'.", param=f"{where}[{k}]"
                )
            texts.append(text)
        return "".join(texts)
    raise WireError(f"Invalid type for '{where}': expected a string or an array.", param=where)


def parse_arguments(raw: str) -> dict[str, Any] | None:
    """Echoed arguments as an object, or None when they are not one (the real APIs accept any string)."""
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def strict_flag(value: Any, where: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise WireError(f"Invalid type for '{where}': expected a boolean.", param=where)
    return value


def strict_schema(name: str, schema: Any, where: str) -> dict[str, Any]:
    """A tool sent with ``strict: true``: refused as api.openai.com refuses a schema that is not in
    strict form; returned relaxed (nullable properties optional) for the planner."""
    problem = strict_problem(schema)
    if problem is not None:
        raise WireError(f"Invalid schema for function '{name}': {problem}", param=where)
    return relaxed(schema)


def fit_strict(reply: Reply, strict: dict[str, dict[str, Any]]) -> Reply:
    """The reply with each strict tool's arguments as strict mode produces them: every property
    present (null for one not given), checked against the schema. Arguments that cannot fit are an
    emulator bug (the real API never sends them), answered with a 500 that says so."""
    if not strict:
        return reply
    parts: list[ReplyPart] = []
    for part in reply.parts:
        if isinstance(part, ReplyCall) and part.name in strict:
            schema = strict[part.name]
            try:
                arguments = json.loads(part.arguments or "{}")
            except ValueError:
                raise WireError(
                    f"the emulated arguments for {part.name} are not JSON, which strict mode "
                    "never produces",
                    status=500,
                ) from None
            arguments = with_nulls(schema, arguments)
            errors = sorted(Draft202012Validator(schema).iter_errors(arguments), key=str)
            if errors:
                raise WireError(
                    f"the emulated arguments for {part.name} do not fit its strict schema: "
                    f"{errors[0].message}",
                    status=500,
                )
            part = ReplyCall(part.name, json.dumps(arguments, ensure_ascii=False), part.call_id)
        parts.append(part)
    return Reply(tuple(parts))
