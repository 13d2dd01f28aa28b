"""Planning for the scripted model: from a neutral conversation to its next response, with no I/O.

A pure function of (system, messages, tools, emission settings), so the in-process ``ScriptedProvider``
and the loopback emulator answer alike. It reads the last user message -- explicit calls such as
``read_file(path="a.py") then run_linter(path="a.py")`` or plain requests such as "the weather in Tokyo
and the time in Paris" -- counts the calls already made since then, and returns the next batch, or a
final answer summarising every result. Same input, same output: nothing here is random or timed.

This module coordinates: reading the prompt is ``scripted.syntax`` (call syntax) and
``scripted.intents`` (plain words); the final answer and help text are ``scripted.summary``. It keeps
the progress over the conversation, the per-batch lead-ins, and the helpers the provider and the
emulator share.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from workbench.core.messages import (
    AssistantMessage,
    Message,
    ToolCall,
    ToolResult,
    ToolResultsMessage,
    ToolSpec,
    Usage,
    UserMessage,
)
from workbench.core.settings import EmissionSettings
from workbench.scripted.intents import TurnPlan, natural_plan
from workbench.scripted.review import review_answer, review_plan
from workbench.scripted.summary import clip, final_answer, help_text, join_words
from workbench.scripted.syntax import (
    PlannedCall,
    Step,
    explicit_stages,
    required_params,
)


@dataclass(frozen=True)
class PlannedResponse:
    """One model response: ``text`` comes first, then ``calls`` (one batch, possibly empty)."""

    text: str
    calls: list[PlannedCall] = field(default_factory=list)


def plan_response(
    system: str, messages: Sequence[Message], tools: Sequence[ToolSpec], emission: EmissionSettings
) -> PlannedResponse:
    """The next response to ``messages``, given the registered ``tools`` and the emission knobs."""
    del system  # the scripted model follows the user's words only
    prompt, since = _current_turn(messages)
    specs: dict[str, ToolSpec] = {}
    for spec in tools:
        specs.setdefault(spec.name, spec)  # registration order; the first of duplicates wins
    made = [call for m in since if isinstance(m, AssistantMessage) for call in m.tool_calls]
    results = [r for m in since if isinstance(m, ToolResultsMessage) for r in m.results]
    plan = _plan_turn(prompt, specs, made, results)
    done = max(len(made), len(results))
    remaining = plan.steps[done:]
    mode = emission.function_calling_mode

    if mode == "NONE":
        return PlannedResponse(_disabled_text(prompt, plan, remaining, results, made, specs))
    if remaining:
        return _next_batch(plan, done, emission.parallel)
    first_response = not any(isinstance(m, AssistantMessage) for m in since)
    if mode == "ANY" and first_response and (forced := _forced_call(specs)) is not None:
        text = (
            f"Tool use is required (function calling mode ANY), so I'm calling {forced.name} first."
        )
        return PlannedResponse(text, [forced])
    if done == 0:
        return PlannedResponse(help_text(prompt, plan.unavailable, specs))
    if (review := review_answer(prompt, specs, made, results)) is not None:
        return PlannedResponse(review)
    return PlannedResponse(final_answer(results, made, plan.steps))


def _plan_turn(
    prompt: str, specs: dict[str, ToolSpec], made: Sequence[ToolCall], results: Sequence[ToolResult]
) -> TurnPlan:
    """Every call the prompt asks for, in stages: explicit call syntax wins over plain words, and a
    review plans its second stage from the diff's result."""
    explicit = explicit_stages(prompt, specs)
    if explicit is not None:
        return TurnPlan(explicit)
    review = review_plan(prompt, specs, made, results)
    if review is not None:
        return review
    return natural_plan(prompt, specs)


def _current_turn(messages: Sequence[Message]) -> tuple[str, list[Message]]:
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if isinstance(message, UserMessage):
            return message.content, list(messages[index + 1 :])
    return "", list(messages)


# --- Responses -------------------------------------------------------------------------------


def _next_batch(plan: TurnPlan, done: int, parallel: bool) -> PlannedResponse:
    stage_index, offset = 0, done
    while offset >= len(plan.stages[stage_index]):
        offset -= len(plan.stages[stage_index])
        stage_index += 1
    stage = plan.stages[stage_index]
    batch = stage[offset:] if parallel else stage[offset : offset + 1]
    text = f"Calling {_describe_steps(batch)}."
    if len(plan.stages) > 1:
        text = f"Step {stage_index + 1} of {len(plan.stages)}: c{text[1:]}"
    if not parallel and len(stage) > 1:
        text += (
            f" (Call {offset + 1} of {len(stage)}: parallel calls are off, so one per response.)"
        )
    if done == 0 and plan.unavailable:
        text += f" No {join_words(plan.unavailable)} tool is registered, so I skip that part."
    return PlannedResponse(text, [step.call for step in batch])


def _describe_steps(steps: Sequence[Step]) -> str:
    """ "get_weather for Tokyo and New York, and `read_file(path="a.py")`": grouped by tool."""
    groups: dict[str, list[Step]] = {}
    for step in steps:
        groups.setdefault(step.call.name, []).append(step)
    parts: list[str] = []
    for name, group in groups.items():
        if all(step.explicit for step in group):
            parts.extend(f"`{_call_syntax(step.call)}`" for step in group)
        elif all(step.subject for step in group):
            parts.append(f"{name} for {join_words([str(step.subject) for step in group])}")
        else:
            parts.append(name if len(group) == 1 else f"{name} ×{len(group)}")
    return join_words(parts)


def _call_syntax(call: PlannedCall) -> str:
    """The call written back as syntax, short enough for a lead-in."""
    args = ", ".join(
        f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in call.arguments.items()
    )
    return clip(f"{call.name}({args})", 80).replace("`", "'")


def _disabled_text(
    prompt: str,
    plan: TurnPlan,
    remaining: Sequence[Step],
    results: Sequence[ToolResult],
    made: Sequence[ToolCall],
    specs: dict[str, ToolSpec],
) -> str:
    note = "Tool calling is disabled (function calling mode NONE), so I answer without tools."
    if remaining:
        note += f" I would have called {_describe_steps(remaining)}."
    if results:
        return f"{note}\n\n{final_answer(results, made, plan.steps)}"
    if remaining:
        return note
    return f"{note}\n\n{help_text(prompt, plan.unavailable, specs)}"


def _forced_call(specs: dict[str, ToolSpec]) -> PlannedCall | None:
    """A cheap call for mode ANY when the prompt asks for none: get_date, else any satisfiable tool."""
    ordered = sorted(specs.values(), key=lambda s: (s.name != "get_date", bool(required_params(s))))
    for spec in ordered:
        args = _placeholder_args(spec)
        if args is not None:
            return PlannedCall(spec.name, args)
    return None


_PLACEHOLDERS: dict[str, Any] = {
    "string": "",
    "integer": 0,
    "number": 0,
    "boolean": False,
    "array": [],
    "object": {},
}


def _placeholder_args(spec: ToolSpec) -> dict[str, Any] | None:
    properties: dict[str, Any] = spec.parameters.get("properties", {})
    args: dict[str, Any] = {}
    for name in required_params(spec):
        schema = properties.get(name, {})
        if "default" in schema:
            args[name] = schema["default"]
        elif schema.get("enum"):
            args[name] = schema["enum"][0]
        elif schema.get("type") in _PLACEHOLDERS:
            args[name] = _PLACEHOLDERS[schema["type"]]
        else:
            return None
    return args


# --- Helpers the provider and the emulator share -----------------------------------------------


def call_ids(messages: Sequence[Message], count: int) -> list[str]:
    """Ids for the next response's calls: ``call_{round}_{i}``, skipping any already in use."""
    round_trip = 1 + sum(isinstance(m, AssistantMessage) for m in messages)
    used = {c.id for m in messages if isinstance(m, AssistantMessage) for c in m.tool_calls}
    used |= {r.call_id for m in messages if isinstance(m, ToolResultsMessage) for r in m.results}
    ids: list[str] = []
    for index in range(1, count + 1):
        candidate, suffix = f"call_{round_trip}_{index}", 1
        while candidate in used:
            suffix += 1
            candidate = f"call_{round_trip}_{index}_{suffix}"
        used.add(candidate)
        ids.append(candidate)
    return ids


def split_text(text: str, words: int = 3) -> list[str]:
    """``text`` in streaming pieces of a few words each; joined, they give ``text`` back exactly."""
    tokens = re.findall(r"\s+|\S+\s*", text)
    return ["".join(tokens[i : i + words]) for i in range(0, len(tokens), words)]


def estimate_tokens(chars: int) -> int:
    """About four characters per token, the usual rule of thumb for English and JSON."""
    return math.ceil(chars / 4)


def estimate_usage(
    system: str, messages: Sequence[Message], tools: Sequence[ToolSpec], response: PlannedResponse
) -> Usage:
    prompt_chars = len(system) + sum(len(m.model_dump_json()) for m in messages)
    prompt_chars += sum(len(spec.model_dump_json()) for spec in tools)
    output_chars = len(response.text) + sum(len(call_json(c)) for c in response.calls)
    return Usage(
        input_tokens=estimate_tokens(prompt_chars), output_tokens=estimate_tokens(output_chars)
    )


def call_json(call: PlannedCall) -> str:
    """The call as a model would stream it: name plus its JSON arguments."""
    return call.name + json.dumps(call.arguments, ensure_ascii=False)


__all__ = [
    "PlannedCall",
    "PlannedResponse",
    "call_ids",
    "call_json",
    "estimate_tokens",
    "estimate_usage",
    "plan_response",
    "split_text",
]
