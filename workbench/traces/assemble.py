"""Spans into agent runs, as they arrive.

A span's role comes from the GenAI semantic conventions (``gen_ai.operation.name``: ``invoke_agent``,
``chat`` / ``text_completion`` / ``generate_content``, ``execute_tool``) or OpenInference
(``openinference.span.kind``: AGENT, LLM, TOOL), never from its name. A run is a top-level agent span
(one with no agent above it) with the model and tool spans beneath it; a trace with no agent span is
one run. Spans of agents nested inside a run are the run's own.

:class:`Assembler` takes spans in any order and any number of pieces (an OTLP exporter sends children
before their parents) and says which traces are ready: their root span has arrived, or nothing came
for a while (then what there is was cut short, and the run says so).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from workbench.traces.spans import Span

Role = Literal["agent", "model", "tool", "other"]

MODEL_OPERATIONS = frozenset({"chat", "text_completion", "generate_content"})
_OPENINFERENCE = {"AGENT": "agent", "LLM": "model", "TOOL": "tool"}

MAX_SPANS = 500_000
"""Most spans held at once (a run's spans wait until the run is complete: ~1-2 KiB each in memory);
past it, input is refused with a message instead of exhausting memory."""


class TooManySpans(ValueError):
    """More spans than :data:`MAX_SPANS` are waiting to be assembled."""


def role(span: Span) -> Role:
    operation = span.attributes.get("gen_ai.operation.name")
    if operation == "invoke_agent":
        return "agent"
    if operation in MODEL_OPERATIONS:
        return "model"
    if operation == "execute_tool":
        return "tool"
    kind = span.attributes.get("openinference.span.kind")
    if isinstance(kind, str):
        return _OPENINFERENCE.get(kind.upper(), "other")  # type: ignore[return-value]
    return "other"


@dataclass(slots=True)
class Run:
    """One agent run: its agent span (the trace's root when it has no agent span; None when that is
    missing too), model and tool spans by start."""

    trace_id: str
    agent: Span | None
    model: list[Span]
    tools: list[Span]
    complete: bool
    problems: list[str] = field(default_factory=list)
    """What the trace did not say, one line each (a missing root, spans cut short)."""

    @property
    def spans(self) -> list[Span]:
        head = [self.agent] if self.agent is not None else []
        return head + self.model + self.tools

    @property
    def start_ns(self) -> int:
        return min(span.start_ns for span in self.spans)

    @property
    def end_ns(self) -> int:
        return max(span.end_ns for span in self.spans)

    @property
    def conversation(self) -> str | None:
        """``gen_ai.conversation.id`` of the run, where its spans carry one."""
        for span in self.spans:
            value = span.attributes.get("gen_ai.conversation.id")
            if isinstance(value, str) and value:
                return value
        return None

    @property
    def key(self) -> str:
        return f"{self.trace_id}:{self.agent.span_id if self.agent is not None else ''}"


def build_runs(spans: Iterable[Span], *, closed: bool = True) -> list[Run]:
    """The runs among one trace's spans, by start. ``closed``: no more spans will come."""
    by_id = {span.span_id: span for span in spans}
    if not by_id:
        return []
    roles = {sid: role(span) for sid, span in by_id.items()}
    trace_id = next(iter(by_id.values())).trace_id
    groups: dict[str | None, tuple[list[Span], list[Span]]] = {}
    for sid, span in by_id.items():
        kind = roles[sid]
        if kind not in ("model", "tool"):
            continue
        owner = _owner(sid, by_id, roles)
        model, tools = groups.setdefault(owner, ([], []))
        (model if kind == "model" else tools).append(span)
    orphans = [s for s in by_id.values() if s.parent_id is not None and s.parent_id not in by_id]
    root = next((s for s in by_id.values() if s.parent_id is None), None)
    has_root = root is not None
    runs: list[Run] = []
    for owner, (model, tools) in groups.items():
        # A trace without an agent span is one run, anchored at its root (LangChain's CHAIN, say).
        agent = by_id[owner] if owner is not None else root
        model.sort(key=lambda s: (s.start_ns, s.end_ns))
        tools.sort(key=lambda s: (s.start_ns, s.end_ns))
        problems: list[str] = []
        complete = True
        if not has_root:
            complete = False
            problems.append(
                f"trace {trace_id}: its root span is not in the input"
                + (" (the trace was cut short)" if closed else " yet")
                + f"; {len(orphans)} span{'s' if len(orphans) != 1 else ''} whose parent is missing"
            )
        if owner is None and any(r == "agent" for r in roles.values()):
            problems.append(
                f"trace {trace_id}: {len(model) + len(tools)} model or tool spans outside any agent"
                " span, read as a run of their own"
            )
        if not model:
            problems.append(
                f"trace {trace_id}: {len(tools)} tool span{'s' if len(tools) != 1 else ''} but no"
                " model span: nothing to hang a batch on, skipped"
            )
            continue
        runs.append(Run(trace_id, agent, model, tools, complete, problems))
    runs.sort(key=lambda run: run.start_ns)
    return runs


def _owner(span_id: str, by_id: dict[str, Span], roles: dict[str, Role]) -> str | None:
    """The top-most agent span above a span (its run), or None."""
    found: str | None = None
    current: str | None = by_id[span_id].parent_id
    steps = 0
    while current is not None and current in by_id and steps < 10_000:
        if roles[current] == "agent":
            found = current
        current = by_id[current].parent_id
        steps += 1
    return found


@dataclass(slots=True)
class _Trace:
    spans: dict[str, Span] = field(default_factory=dict)
    root_seen: bool = False
    last_arrival: float = 0.0


class Assembler:
    """Collects spans by trace as they arrive; says which traces are ready to become runs."""

    def __init__(self, *, max_spans: int = MAX_SPANS) -> None:
        self._traces: dict[str, _Trace] = {}
        self._held = 0
        self._max_spans = max_spans
        self.spans_seen = 0
        self.genai_spans = 0

    @property
    def held(self) -> int:
        return self._held

    def add(self, span: Span, now: float | None = None) -> None:
        if self._held >= self._max_spans:
            raise TooManySpans(
                f"over {self._max_spans:,} spans waiting to be assembled; import fewer at once"
            )
        trace = self._traces.get(span.trace_id)
        if trace is None:
            trace = self._traces[span.trace_id] = _Trace()
        if span.span_id not in trace.spans:
            self._held += 1
        trace.spans[span.span_id] = span
        trace.last_arrival = time.monotonic() if now is None else now
        if span.parent_id is None:
            trace.root_seen = True
        self.spans_seen += 1
        if role(span) != "other":
            self.genai_spans += 1

    def add_all(self, spans: Iterable[Span], now: float | None = None) -> None:
        for span in spans:
            self.add(span, now)

    @property
    def open_traces(self) -> int:
        return len(self._traces)

    def has_root(self, trace_id: str) -> bool:
        trace = self._traces.get(trace_id)
        return trace is not None and trace.root_seen

    def trace_ids(self) -> list[str]:
        return list(self._traces)

    def ready(self, now: float, *, grace_s: float, idle_s: float) -> list[tuple[str, bool]]:
        """Traces to close now, each with whether it is complete: the root came at least
        ``grace_s`` ago (stragglers exported in a later batch still join), or nothing at all came
        for ``idle_s``."""
        out = []
        for trace_id, trace in self._traces.items():
            quiet = now - trace.last_arrival
            if trace.root_seen and quiet >= grace_s:
                out.append((trace_id, True))
            elif quiet >= idle_s:
                out.append((trace_id, False))
        return out

    def snapshot(self, trace_id: str) -> list[Run]:
        """The runs of a trace as it stands (it stays open)."""
        trace = self._traces.get(trace_id)
        return build_runs(trace.spans.values(), closed=False) if trace is not None else []

    def take(self, trace_id: str) -> list[Run]:
        """The runs of a trace, which is then forgotten."""
        trace = self._traces.pop(trace_id, None)
        if trace is None:
            return []
        self._held -= len(trace.spans)
        return build_runs(trace.spans.values(), closed=True)

    def take_all(self) -> list[Run]:
        runs: list[Run] = []
        for trace_id in list(self._traces):
            runs.extend(self.take(trace_id))
        runs.sort(key=lambda run: run.start_ns)
        return runs
