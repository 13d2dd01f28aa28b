"""What the two OpenAI adapters share: the async client, knob mapping, argument parsing, preflight.

Only ``openai_chat`` and ``openai_responses`` import this module (it imports the openai SDK).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from workbench.core.capabilities import ProviderRow, strict_parallel_note
from workbench.core.messages import ToolCall
from workbench.core.provider import ModelRequest, ProviderError
from workbench.core.settings import FunctionCallingMode
from workbench.core.strict import StrictSchemaError, strict_arguments_back, to_strict
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


@dataclass(frozen=True, slots=True)
class ToolSchemas:
    """The tools' schemas as one request sends them: strict where asked for and possible."""

    schemas: dict[str, dict[str, Any]]
    """Per tool, the schema sent."""
    strict: frozenset[str]
    """The tools sent with ``strict: true``."""
    problems: tuple[str, ...]
    """One line per tool that could not be made strict and is sent non-strict."""

    @classmethod
    def of(cls, request: ModelRequest) -> ToolSchemas:
        schemas: dict[str, dict[str, Any]] = {}
        strict: set[str] = set()
        problems: list[str] = []
        for spec in request.tools:
            schemas[spec.name] = spec.parameters
            if not request.emission.strict:
                continue
            try:
                schemas[spec.name] = to_strict(spec.parameters)
            except StrictSchemaError as exc:
                problems.append(f"tool '{spec.name}' is sent non-strict: {exc}")
                continue
            strict.add(spec.name)
        return cls(schemas, frozenset(strict), tuple(problems))

    def arguments_back(self, request: ModelRequest, call: ToolCall) -> ToolCall:
        """``call`` with the nulls strict mode made for optional properties removed again."""
        if call.name not in self.strict or call.arguments is None:
            return call
        original = next(s.parameters for s in request.tools if s.name == call.name)
        return call.model_copy(
            update={"arguments": strict_arguments_back(original, call.arguments)}
        )


def preflight(request: ModelRequest, *, row: ProviderRow, knob: str) -> list[str]:
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
    parallel = row.rule("parallel")
    if not emission.wire_parallel and parallel.support == "ignored":
        warnings.append(f"{knob}=false on {row.title}: {parallel.reason}")
    mode = row.rule("mode")
    if emission.function_calling_mode != "AUTO" and mode.support == "ignored":
        warnings.append(f"function_calling_mode on {row.title}: {mode.reason}")
    if emission.strict:
        strict = row.rule("strict")
        if strict.support == "ignored":
            warnings.append(f"strict schemas on {row.title}: {strict.reason}")
        if emission.parallel:
            warnings.append(strict_parallel_note(emission.strict_parallel))
        warnings.extend(ToolSchemas.of(request).problems)
    return warnings
