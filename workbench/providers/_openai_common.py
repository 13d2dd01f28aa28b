"""What the two OpenAI adapters share: the async client, knob mapping, argument parsing, preflight.

Only ``openai_chat`` and ``openai_responses`` import this module (it imports the openai SDK).
"""

from __future__ import annotations

import json
from typing import Literal
from urllib.parse import urlsplit

from workbench.core.messages import ToolCall
from workbench.core.provider import ModelRequest, ProviderError
from workbench.core.settings import FunctionCallingMode
from workbench.providers._shared import parse_call as parse_call

try:
    import httpx2
    import openai
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ProviderError(
        "config", "the openai package is not installed: pip install openai"
    ) from exc

OPENAI_HOST = "api.openai.com"

ToolChoice = Literal["auto", "required", "none"]

_TOOL_CHOICE: dict[FunctionCallingMode, ToolChoice] = {
    "AUTO": "auto",
    "ANY": "required",
    "NONE": "none",
}


def make_client(
    *, api_key: str, base_url: str | None, max_retries: int, timeout_s: float
) -> openai.AsyncOpenAI:
    """The official async client; retries are the SDK's own (429, 5xx, connection errors)."""
    return openai.AsyncOpenAI(
        api_key=api_key,
        base_url=base_url,
        max_retries=max_retries,
        timeout=httpx2.Timeout(timeout_s, connect=min(5.0, timeout_s)),
    )


def tool_choice(mode: FunctionCallingMode) -> ToolChoice:
    """AUTO → "auto", ANY → "required", NONE → "none"."""
    return _TOOL_CHOICE[mode]


def echo_arguments(call: ToolCall) -> str:
    """The arguments to echo in the history: what the model sent when it could not be parsed."""
    if call.arguments is None:
        return call.raw_arguments or ""
    return json.dumps(call.arguments, ensure_ascii=False)


def is_openai(base_url: str) -> bool:
    return urlsplit(base_url).hostname == OPENAI_HOST


def preflight(request: ModelRequest, *, base_url: str, knob: str) -> list[str]:
    """Plain-word warnings about knob combinations, shared by Chat Completions and Responses."""
    emission = request.emission
    warnings: list[str] = []
    if not request.tools:
        if not emission.parallel:
            warnings.append(f"{knob}=false is only sent with tools, and there are none")
        return warnings
    if emission.function_calling_mode == "ANY":
        warnings.append(
            "function_calling_mode ANY sends tool_choice 'required': every response must call a "
            "tool, so a turn ends only at the max-turns limit"
        )
    if emission.function_calling_mode == "NONE" and not emission.parallel:
        warnings.append(
            f"function_calling_mode NONE sends tool_choice 'none': no tools are called, so {knob}=false "
            "changes nothing"
        )
    if not emission.parallel and not is_openai(base_url):
        host = urlsplit(base_url).netloc or base_url
        warnings.append(
            f"{knob}=false is sent to {host}, but OpenAI-compatible servers may ignore it; "
            "workbench runs whatever calls come back"
        )
    return warnings
