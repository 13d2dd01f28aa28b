"""What the two emulated OpenAI APIs share: the error shape, the auth check, tool_choice and text parts."""

from __future__ import annotations

import json
from typing import Any

from workbench.core.settings import FunctionCallingMode
from workbench.emulator.convert import WireError, sse
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
