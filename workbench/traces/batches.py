"""Which model response emitted which tool call: the batches of a run.

A round trip is a model span. The calls of its batch are, in this order of trust:

1. ``link``: tool spans linked to that model span (Workbench's own export links each call so);
2. ``call id``: tool spans whose ``gen_ai.tool.call.id`` is one the response emitted (its
   ``gen_ai.output.messages`` tool-call parts, or OpenInference ``llm.output_messages.*.tool_calls``);
3. ``time``: where the trace has no ids, the tool spans that start after that model span ends and
   before the next one starts (one that starts while a response is still open belongs to it).

A call the response emitted that no tool span ran is kept, as a call that did not run. Tool spans
taken by time are paired with the response's emitted calls of the same tool, in order, so they get
the response's call ids and arguments when it has them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from workbench.traces.spans import Span

Method = Literal["link", "call id", "time"]


@dataclass(slots=True)
class Emitted:
    """A tool call as the model's response states it."""

    call_id: str | None
    tool: str
    arguments: Any


@dataclass(slots=True)
class PlannedCall:
    tool: str
    call_id: str
    span: Span | None
    """None: the response emitted it, and no span ran it."""
    arguments: Any
    method: Method | None


@dataclass(slots=True)
class RoundTripPlan:
    model: Span
    emitted: list[Emitted]
    calls: list[PlannedCall] = field(default_factory=list)
    output_messages: Any = None
    """The model span's ``gen_ai.output.messages``, parsed (once: the conversion reads its text)."""


def tool_name(span: Span) -> str:
    name = span.text("gen_ai.tool.name", "tool.name")
    if name:
        return name
    for prefix in ("execute_tool ",):
        if span.name.startswith(prefix):
            return span.name[len(prefix) :]
    return span.name.removesuffix(".tool") or "tool"


def tool_call_id(span: Span) -> str | None:
    return span.text("gen_ai.tool.call.id", "tool_call.id")


def parse_json(value: Any) -> Any:
    """A JSON attribute (messages, arguments) parsed; anything else as it is."""
    if isinstance(value, str) and value[:1] in ("{", "[", '"'):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


_OI_CALL = re.compile(r"^llm\.output_messages\.(\d+)\.message\.tool_calls\.(\d+)\.tool_call\.(.+)$")


def emitted_calls(model: Span, messages: Any = None) -> list[Emitted]:
    """The tool calls a model span says its response emitted, in order (empty when it does not say).
    ``messages``: its ``gen_ai.output.messages`` already parsed."""
    out: list[Emitted] = []
    if messages is None:
        messages = parse_json(model.attributes.get("gen_ai.output.messages"))
    if isinstance(messages, list):
        for message in messages:
            parts = message.get("parts") if isinstance(message, dict) else None
            for part in parts if isinstance(parts, list) else []:
                if isinstance(part, dict) and part.get("type") == "tool_call":
                    call_id = part.get("id")
                    out.append(
                        Emitted(
                            call_id if isinstance(call_id, str) and call_id else None,
                            str(part.get("name") or "tool"),
                            part.get("arguments"),
                        )
                    )
    if out:
        return out
    found: dict[tuple[int, int], dict[str, Any]] = {}
    for key, value in model.attributes.items():
        if key.startswith("llm.output_messages.") and (match := _OI_CALL.match(key)):
            found.setdefault((int(match[1]), int(match[2])), {})[match[3]] = value
    for _, fields in sorted(found.items()):
        call_id = fields.get("id")
        out.append(
            Emitted(
                call_id if isinstance(call_id, str) and call_id else None,
                str(fields.get("function.name") or "tool"),
                fields.get("function.arguments"),
            )
        )
    return out


def plan(models: list[Span], tools: list[Span]) -> tuple[list[RoundTripPlan], Counter[Method]]:
    """Each model span with the calls of its batch; and how many calls each method placed."""
    plans = []
    for model in models:
        messages = parse_json(model.attributes.get("gen_ai.output.messages"))
        plans.append(RoundTripPlan(model, emitted_calls(model, messages), [], messages))
    by_span = {p.model.span_id: p for p in plans}
    by_call_id: dict[str, RoundTripPlan] = {}
    for p in plans:
        for e in p.emitted:
            if e.call_id is not None:
                by_call_id.setdefault(e.call_id, p)
    assigned: dict[str, list[tuple[Span, Method]]] = {p.model.span_id: [] for p in plans}
    for tool in tools:
        target: RoundTripPlan | None = None
        method: Method = "time"
        for _, linked in tool.links:
            if linked in by_span:
                target, method = by_span[linked], "link"
                break
        if target is None and (call_id := tool_call_id(tool)) is not None:
            found = by_call_id.get(call_id)
            if found is not None:
                target, method = found, "call id"
        if target is None:
            target, method = _by_time(plans, tool), "time"
        assigned[target.model.span_id].append((tool, method))
    methods: Counter[Method] = Counter()
    for p in plans:
        _pair(p, assigned[p.model.span_id], methods)
    return plans, methods


def _by_time(plans: list[RoundTripPlan], tool: Span) -> RoundTripPlan:
    # The last response that ended at or before the tool started; failing that (a call started
    # while its response still streamed), the last that had started; failing that, the first.
    chosen: RoundTripPlan | None = None
    for p in plans:
        if p.model.end_ns <= tool.start_ns or (
            chosen is None and p.model.start_ns <= tool.start_ns
        ):
            chosen = p
    if chosen is None:
        started = [p for p in plans if p.model.start_ns <= tool.start_ns]
        chosen = started[-1] if started else plans[0]
    return chosen


def _pair(p: RoundTripPlan, spans: list[tuple[Span, Method]], methods: Counter[Method]) -> None:
    spans.sort(key=lambda item: (item[0].start_ns, item[0].end_ns))
    emitted = list(p.emitted)
    used: set[int] = set()
    by_id = {e.call_id: i for i, e in enumerate(emitted) if e.call_id is not None}
    calls: list[tuple[int, PlannedCall]] = []
    seen_ids: dict[str, int] = {}  # a plain dict: Counter's missing-key hook is Python, per call
    order = len(emitted)
    placed: dict[Method, int] = {}
    for span, method in spans:
        placed[method] = placed.get(method, 0) + 1
        name = tool_name(span)
        call_id = tool_call_id(span)
        slot: int | None = None
        if call_id is not None and call_id in by_id and by_id[call_id] not in used:
            slot = by_id[call_id]
        elif call_id is None:
            slot = next(
                (i for i, e in enumerate(emitted) if i not in used and e.tool == name), None
            )
        arguments: Any = span.attributes.get("gen_ai.tool.call.arguments")
        if arguments is None:
            arguments = span.attributes.get("input.value")
        if slot is not None:
            used.add(slot)
            e = emitted[slot]
            call_id = call_id or e.call_id
            if arguments is None:
                arguments = e.arguments
            position = slot
        else:
            position = order
            order += 1
        if call_id is None:
            call_id = f"span-{span.span_id}"
        seen = seen_ids[call_id] = seen_ids.get(call_id, 0) + 1
        if seen > 1:  # the same id run twice: still two calls, told apart
            call_id = f"{call_id}#{seen}"
        calls.append((position, PlannedCall(name, call_id, span, arguments, method)))
    methods.update(placed)
    for i, e in enumerate(emitted):
        if i not in used:
            call_id = e.call_id or f"{p.model.span_id}-{i}"
            calls.append((i, PlannedCall(e.tool, call_id, None, e.arguments, None)))
    calls.sort(key=lambda item: item[0])
    p.calls = [call for _, call in calls]
