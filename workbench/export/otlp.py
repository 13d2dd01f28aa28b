"""A session as OpenTelemetry GenAI spans, and as an OTLP JSON-lines file.

With :mod:`workbench.export.otlp_send`, the only modules that import OpenTelemetry (and they are
imported only when exporting). Spans are built by the official SDK with the recorded times and
encoded by the official OTLP encoder. One trace per turn:

- ``invoke_agent workbench`` (INTERNAL, the root): the turn, its status, its usage, the batch settings;
- ``chat {model}`` (CLIENT) per model round trip: provider (from the endpoint: a Groq profile is
  ``groq``), server, model, tokens as reported, finish reason, time to the first chunk; a round trip
  that failed is an error span with ``error.type`` (the provider error's kind, or ``cancelled``);
- ``execute_tool {tool}`` (INTERNAL) per call, from queued to finished, linked to the ``chat`` span
  that emitted it, with the time it waited for a slot and the time it ran.

Attribute names follow the GenAI semantic conventions, written as plain strings (the semconv package
marks them incubating); what no convention covers is under ``workbench.``. A failed call has
``error.type`` = ``error`` | ``timeout`` | ``cancelled`` (cancellation is our choice: no convention
defines it) and status ERROR with its one-line error. Content (arguments, results, prompts, answers,
and the OpenInference ``input.value`` / ``output.value`` / ``llm.*_messages`` Phoenix shows) is only
included with ``include_content``; every string that goes out, content or not (an error message, a
status), is cut to :data:`~workbench.export.spans.CONTENT_LIMIT` characters.

Trace and span ids are derived from the session id and the turn, round trip and call ids, so
exporting a session twice yields the same ids; the spans of a turn that is not complete in the file
(a session still being written, or cut off) get ids of their own, derived from where the file ended,
so a later export of the complete turn is not shadowed by back ends that keep the first copy of an id.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanLimits, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.sdk.trace.sampling import ALWAYS_ON
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags

import workbench
from workbench.export.otlp_json import traces_data
from workbench.export.spans import (
    CONTENT_LIMIT,
    UNFINISHED,
    BatchSpan,
    CallSpan,
    Completed,
    RoundTrip,
    SessionSpans,
    TurnSpan,
    cut,
)
from workbench.gcpolicy import paused

# The SDK and exporter log their failures; we report them ourselves, in one line. Without a handler
# of its own, an unconfigured process would print them through logging's last-resort stderr handler.
logging.getLogger("opentelemetry").addHandler(logging.NullHandler())

SCOPE = "workbench.export"
MESSAGES_LIMIT = 20
"""Most messages (and tool calls) flattened into OpenInference ``llm.*_messages`` attributes of one
span; the JSON in ``input.value`` / ``output.value`` holds all of them (cut like any string)."""
SPAN_ATTRIBUTES = 256
"""The most attributes a span may have: ours (about 30) plus 3 per flattened message and call."""


# -- ids ------------------------------------------------------------------------------------------


def _digest(bits: int, *parts: object) -> int:
    data = "\x1f".join(str(part) for part in parts).encode()
    value = int.from_bytes(hashlib.blake2b(data, digest_size=bits // 8).digest(), "big")
    return value or 1  # all-zero ids are invalid


def trace_id(session_id: str, turn: int) -> int:
    return _digest(128, session_id, "turn", turn)


def agent_span_id(session_id: str, turn: int) -> int:
    return _digest(64, session_id, "turn", turn, "agent")


def chat_span_id(session_id: str, turn: int, round_trip: int) -> int:
    return _digest(64, session_id, "turn", turn, "round_trip", round_trip)


def tool_span_id(session_id: str, batch_id: str, call_id: str) -> int:
    return _digest(64, session_id, "batch", batch_id, "call", call_id)


def id_scope(spans: SessionSpans, turn: TurnSpan) -> str:
    """What a turn's ids are derived from: the session id, and for a turn not complete in the
    events, also where they ended (so each cut of a growing file has ids of its own)."""
    if turn.complete:
        return spans.session_id
    return f"{spans.session_id}\x1fpartial\x1f{round(spans.last_t * 1e6)}"


class _PresetIds(IdGenerator):
    """Hands the SDK the ids we computed for the span about to start (spans are started one at a
    time, by one thread per factory)."""

    def __init__(self) -> None:
        self.trace_id = 1
        self.span_id = 1

    def generate_trace_id(self) -> int:
        return self.trace_id

    def generate_span_id(self) -> int:
        return self.span_id


# -- spans ----------------------------------------------------------------------------------------


def resource_for(spans: SessionSpans) -> Resource:
    attributes: dict[str, Any] = {
        "service.name": "workbench",
        "service.version": workbench.__version__,
        # The SDK would add a random instance id; the session is the instance, and ids stay stable.
        "service.instance.id": spans.session_id,
        "workbench.session.id": spans.session_id,
    }
    if spans.profile_name:
        attributes["workbench.profile.name"] = cut(spans.profile_name)
    if spans.project:
        # Phoenix files the spans under this project instead of "default".
        attributes["openinference.project.name"] = cut(spans.project)
    if not spans.exact_times:
        attributes["workbench.times.approximate"] = True
    return Resource.create(attributes)


def _clean(attributes: dict[str, Any]) -> dict[str, Any]:
    """Every string cut to the limit, wherever it came from (an argument, an error message)."""
    for key, value in attributes.items():
        if isinstance(value, str):
            if len(value) > CONTENT_LIMIT:
                attributes[key] = cut(value)
        elif isinstance(value, list):
            attributes[key] = [cut(v) if isinstance(v, str) else v for v in value]
    return attributes


class SpanFactory:
    """Makes SDK spans from the span model's finished items and hands them to ``processor``.

    ``scope_of(turn number)`` says what the ids of a turn's spans are derived from (see
    :func:`id_scope`); by default the session id (live export, where a turn's calls are sent before
    the turn is known to end).
    """

    def __init__(
        self,
        spans: SessionSpans,
        processor: SpanProcessor,
        *,
        include_content: bool = False,
    ) -> None:
        self.spans = spans
        self.include_content = include_content
        self.scopes: dict[int, str] = {}
        """Turn number -> id scope, for turns whose ids are not the session's plain ones."""
        self._ids = _PresetIds()
        self.provider = TracerProvider(
            resource=resource_for(spans),
            id_generator=self._ids,
            sampler=ALWAYS_ON,
            shutdown_on_exit=False,
            # Room for the flattened OpenInference messages: past the SDK's default of 128, it
            # drops attributes without a word.
            span_limits=SpanLimits(max_span_attributes=SPAN_ATTRIBUTES),
        )
        self.provider.add_span_processor(processor)
        self._tracer = self.provider.get_tracer(SCOPE, workbench.__version__)
        self._turn_settings: dict[int, dict[str, Any]] = {}

    def emit(self, item: Completed) -> None:
        if isinstance(item, CallSpan):
            self._call(item)
        elif isinstance(item, RoundTrip):
            self._round_trip(item)
        elif isinstance(item, BatchSpan):
            self._turn_settings.setdefault(item.turn, item.settings)
        else:
            self._turn(item)

    def shutdown(self) -> None:
        self.provider.shutdown()

    # -- one span each -------------------------------------------------------------------------

    def _sid(self, turn: int) -> str:
        return self.scopes.get(turn, self.spans.session_id)

    def _parent(self, turn: int) -> Context:
        sid = self._sid(turn)
        parent = SpanContext(
            trace_id(sid, turn),
            agent_span_id(sid, turn),
            is_remote=False,
            trace_flags=TraceFlags(TraceFlags.SAMPLED),
        )
        return trace.set_span_in_context(trace.NonRecordingSpan(parent))

    def _start(
        self,
        name: str,
        span_id: int,
        start: float,
        *,
        context: Context,
        kind: SpanKind,
        attributes: dict[str, Any],
        links: Sequence[Link] = (),
        trace_id_: int = 1,
    ) -> trace.Span:
        self._ids.span_id = span_id
        self._ids.trace_id = trace_id_
        return self._tracer.start_span(
            cut(name, 256),
            context=context,
            kind=kind,
            attributes=_clean(attributes),
            links=links,
            start_time=self.spans.unix_ns(start),
        )

    def _served(self, attributes: dict[str, Any], provider: str | None) -> None:
        served = self.spans.served
        if served is not None:
            attributes["gen_ai.provider.name"] = served.provider_name
            if served.server_address is not None:
                attributes["server.address"] = served.server_address
            if served.server_port is not None:
                attributes["server.port"] = served.server_port
        elif provider is not None:
            attributes["gen_ai.provider.name"] = provider

    def _turn(self, turn: TurnSpan) -> None:
        sid = self._sid(turn.number)
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": "workbench",
            "gen_ai.conversation.id": self.spans.session_id,
            "openinference.span.kind": "AGENT",
            "workbench.turn": turn.number,
            "workbench.turn.status": turn.status,
            "workbench.turn.round_trips": len(turn.round_trips),
            "workbench.turn.batches": len(turn.batches),
            "workbench.turn.calls": len(turn.calls),
        }
        if turn.provider is not None:
            self._served(attributes, turn.provider)
            attributes["workbench.provider"] = turn.provider
        if turn.model:
            attributes["gen_ai.request.model"] = turn.model
        usage = turn.usage
        if usage is not None:
            attributes["gen_ai.usage.input_tokens"] = usage[0]
            attributes["gen_ai.usage.output_tokens"] = usage[1]
        if turn.round_trips and turn.round_trips[0].parallel is not None:
            attributes["workbench.emission.parallel"] = turn.round_trips[0].parallel
        settings = self._turn_settings.pop(turn.number, None)
        if settings is None and turn.batches:
            settings = turn.batches[0].settings
        if settings is not None:
            for key in ("concurrent", "max_concurrent", "timeout_s", "retries"):
                value = settings.get(key)
                if isinstance(value, bool | int | float):
                    attributes[f"workbench.batch.{key}"] = value
        if self.include_content:
            attributes["gen_ai.input.messages"] = _messages("user", turn.prompt)
            attributes["input.value"] = turn.prompt
            attributes["input.mime_type"] = "text/plain"
            if turn.text:
                attributes["gen_ai.output.messages"] = _messages("assistant", turn.text)
                attributes["output.value"] = turn.text
                attributes["output.mime_type"] = "text/plain"
        if not turn.complete:
            attributes["workbench.incomplete"] = True
        span = self._start(
            "invoke_agent workbench",
            agent_span_id(sid, turn.number),
            turn.start,
            context=Context(),
            kind=SpanKind.INTERNAL,
            attributes=attributes,
            trace_id_=trace_id(sid, turn.number),
        )
        if turn.status in ("error", "cancelled", "max_turns"):
            span.set_attribute("error.type", turn.error_kind or turn.status)
            message = turn.error or {
                "cancelled": "cancelled",
                "max_turns": "max_turns reached",
            }.get(turn.status, turn.status)
            span.set_status(Status(StatusCode.ERROR, _one_line(message)))
        span.end(self.spans.unix_ns(turn.end if turn.end is not None else self.spans.last_t))

    def _round_trip(self, rt: RoundTrip) -> None:
        sid = self._sid(rt.turn)
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": rt.model,
            "gen_ai.request.stream": True,  # the loop streams every request
            "gen_ai.conversation.id": self.spans.session_id,
            "openinference.span.kind": "LLM",
            "workbench.provider": rt.provider,
            "workbench.round_trip": rt.number,
        }
        self._served(attributes, rt.provider)
        if self.spans.max_tokens is not None:
            attributes["gen_ai.request.max_tokens"] = self.spans.max_tokens
        if rt.input_tokens is not None:
            attributes["gen_ai.usage.input_tokens"] = rt.input_tokens
        if rt.output_tokens is not None:
            attributes["gen_ai.usage.output_tokens"] = rt.output_tokens
        if rt.first_chunk is not None:
            attributes["gen_ai.response.time_to_first_chunk"] = max(0.0, rt.first_chunk - rt.start)
        if rt.stop_reason is not None:
            attributes["gen_ai.response.finish_reasons"] = [rt.stop_reason]
        if rt.response_id is not None:
            attributes["gen_ai.response.id"] = cut(rt.response_id)
        if rt.response_model is not None:
            attributes["gen_ai.response.model"] = cut(rt.response_model)
        if rt.batch_id is not None:
            attributes["workbench.batch.id"] = rt.batch_id
        if rt.parallel is not None:
            attributes["workbench.emission.parallel"] = rt.parallel
        if rt.error_type is not None:
            attributes["error.type"] = rt.error_type
        if not rt.complete:
            attributes["workbench.incomplete"] = True
        if self.include_content:
            self._chat_content(rt, attributes)
        span = self._start(
            f"chat {rt.model}",
            chat_span_id(sid, rt.turn, rt.number),
            rt.start,
            context=self._parent(rt.turn),
            kind=SpanKind.CLIENT,
            attributes=attributes,
        )
        if rt.error_type is not None:
            span.set_status(Status(StatusCode.ERROR, _one_line(rt.error or rt.error_type)))
        span.end(self.spans.unix_ns(rt.end if rt.end is not None else self.spans.last_t))

    def _chat_content(self, rt: RoundTrip, attributes: dict[str, Any]) -> None:
        """What the round trip added to the conversation and what came back, as the GenAI
        conventions' messages and OpenInference's flattened ones (Phoenix shows the latter)."""
        turn = next((t for t in reversed(self.spans.turns) if t.number == rt.turn), None)
        if turn is None:
            return
        previous = [r for r in turn.round_trips if r.number < rt.number]
        inputs: list[dict[str, Any]]
        if not previous:
            inputs = [{"role": "user", "content": turn.prompt}]
        else:
            batch = previous[-1].batch_id
            inputs = [
                {"role": "tool", "content": call.result or "", "tool_call_id": call.call_id}
                for call in turn.calls
                if call.batch_id == batch
            ]
        calls = [call for call in turn.calls if call.round_trip == rt.number]
        text = turn.text if rt is turn.round_trips[-1] and not calls else ""
        output: dict[str, Any] = {"role": "assistant", "content": text}
        if calls:
            output["tool_calls"] = [
                {"id": c.call_id, "name": c.tool, "arguments": _json(c.args)} for c in calls
            ]
        attributes["input.value"] = _json(inputs)
        attributes["input.mime_type"] = "application/json"
        attributes["output.value"] = _json(output)
        attributes["output.mime_type"] = "application/json"
        attributes["gen_ai.input.messages"] = _json(
            [_genai_message(m["role"], m["content"], m.get("tool_call_id")) for m in inputs]
        )
        parts: list[dict[str, Any]] = [{"type": "text", "content": cut(text)}] if text else []
        parts += [
            {"type": "tool_call", "id": c.call_id, "name": c.tool, "arguments": c.args}
            for c in calls
        ]
        attributes["gen_ai.output.messages"] = _json([{"role": "assistant", "parts": parts}])
        for i, message in enumerate(inputs[:MESSAGES_LIMIT]):
            prefix = f"llm.input_messages.{i}.message"
            attributes[f"{prefix}.role"] = message["role"]
            attributes[f"{prefix}.content"] = message["content"]
            if "tool_call_id" in message:
                attributes[f"{prefix}.tool_call_id"] = message["tool_call_id"]
        prefix = "llm.output_messages.0.message"
        attributes[f"{prefix}.role"] = "assistant"
        if text:
            attributes[f"{prefix}.content"] = text
        for k, c in enumerate(calls[:MESSAGES_LIMIT]):
            call_prefix = f"{prefix}.tool_calls.{k}.tool_call"
            attributes[f"{call_prefix}.id"] = c.call_id
            attributes[f"{call_prefix}.function.name"] = c.tool
            attributes[f"{call_prefix}.function.arguments"] = _json(c.args)
        # OpenInference's own instrumentations name the model that answered, when it is known.
        attributes["llm.model_name"] = cut(rt.response_model or rt.model)
        served = self.spans.served
        if served is not None:
            attributes["llm.provider"] = served.provider_name
        if rt.input_tokens is not None:
            attributes["llm.token_count.prompt"] = rt.input_tokens
        if rt.output_tokens is not None:
            attributes["llm.token_count.completion"] = rt.output_tokens

    def _call(self, call: CallSpan) -> None:
        sid = self._sid(call.turn)
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": call.tool,
            "gen_ai.tool.call.id": call.call_id,
            "gen_ai.tool.type": self.spans.tool_kinds.get(call.tool, "function"),
            "openinference.span.kind": "TOOL",
            "tool.name": call.tool,
            "workbench.batch.id": call.batch_id,
            "workbench.call.index": call.index,
            "workbench.call.status": call.status,
            "workbench.call.attempts": len(call.attempts),
            "workbench.call.wait_s": call.wait_s,
            "workbench.call.run_s": call.run_s,
        }
        if self.include_content:
            arguments = _json(call.args)
            attributes["gen_ai.tool.call.arguments"] = arguments
            attributes["input.value"] = arguments
            attributes["input.mime_type"] = "application/json"
            if call.result is not None:
                attributes["gen_ai.tool.call.result"] = call.result
                attributes["output.value"] = call.result
                attributes["output.mime_type"] = "text/plain"
        if call.status == UNFINISHED:
            attributes["workbench.incomplete"] = True
        elif call.status != "ok":
            attributes["error.type"] = call.status
        links: list[Link] = []
        if call.round_trip is not None:
            links.append(
                Link(
                    SpanContext(
                        trace_id(sid, call.turn),
                        chat_span_id(sid, call.turn, call.round_trip),
                        is_remote=False,
                        trace_flags=TraceFlags(TraceFlags.SAMPLED),
                    )
                )
            )
        span = self._start(
            f"execute_tool {call.tool}",
            tool_span_id(sid, call.batch_id, call.call_id),
            call.queued,
            context=self._parent(call.turn),
            kind=SpanKind.INTERNAL,
            attributes=attributes,
            links=links,
        )
        if len(call.attempts) > 1:
            for attempt in call.attempts[:-1]:
                event: dict[str, Any] = {"workbench.attempt": attempt.number}
                if attempt.error is not None:
                    event["error.message"] = _one_line(attempt.error)
                span.add_event("retry", event, timestamp=self.spans.unix_ns(attempt.end))
        if call.status not in ("ok", UNFINISHED):
            span.set_status(Status(StatusCode.ERROR, _one_line(call.error or call.status)))
        span.end(self.spans.unix_ns(call.end))


def _one_line(text: str) -> str:
    """The first line, cut to the limit: status and event messages go out even without content."""
    first = text.strip().splitlines()[0] if text.strip() else text
    return cut(first)


def _json(value: Any) -> str:
    return cut(json.dumps(value, ensure_ascii=False))


def _messages(role: str, text: str) -> str:
    return json.dumps([_genai_message(role, text)], ensure_ascii=False)


def _genai_message(role: str, text: str, call_id: str | None = None) -> dict[str, Any]:
    if call_id is not None:
        part: dict[str, Any] = {"type": "tool_call_response", "id": call_id, "response": cut(text)}
        return {"role": role, "parts": [part]}
    return {"role": role, "parts": [{"type": "text", "content": cut(text)}]}


# -- collecting and encoding ----------------------------------------------------------------------


class Forward(SpanProcessor):
    """Hands every ended span to ``on_end`` (the live export's sender list)."""

    def __init__(self, on_end: Callable[[ReadableSpan], None]) -> None:
        self._on_end = on_end

    def on_end(self, span: ReadableSpan) -> None:
        self._on_end(span)


class _Collect(SpanProcessor):
    def __init__(self) -> None:
        self.spans: list[ReadableSpan] = []

    def on_end(self, span: ReadableSpan) -> None:
        self.spans.append(span)


def sdk_spans(spans: SessionSpans, *, include_content: bool = False) -> list[list[ReadableSpan]]:
    """The session's SDK spans, one list per turn (= per trace)."""
    collect = _Collect()
    factory = SpanFactory(spans, collect, include_content=include_content)
    per_turn: list[list[ReadableSpan]] = []
    for turn in spans.turns:
        if not turn.complete:
            factory.scopes[turn.number] = id_scope(spans, turn)
        mark = len(collect.spans)
        for batch in turn.batches:
            factory.emit(batch)
        for rt in turn.round_trips:
            factory.emit(rt)
        for call in turn.calls:
            factory.emit(call)
        factory.emit(turn)
        per_turn.append(collect.spans[mark:])
    factory.shutdown()
    return per_turn


def traces_data_json(spans: Sequence[ReadableSpan]) -> dict[str, Any]:
    """``spans`` as one OTLP JSON ``TracesData`` object, from the official encoder's protobuf."""
    return traces_data(encode_spans(spans))


def otlp_lines(spans: SessionSpans, *, include_content: bool = False) -> list[tuple[str, int]]:
    """One JSON line per turn (the OpenTelemetry file-exporter format), with its number of spans."""
    with paused():
        return [
            (orjson.dumps(traces_data_json(turn_spans)).decode(), len(turn_spans))
            for turn_spans in sdk_spans(spans, include_content=include_content)
            if turn_spans
        ]


def write_otlp(spans: SessionSpans, path: Path, *, include_content: bool = False) -> int:
    """Write the OTLP JSON-lines file; returns the number of spans. Raises ``OSError``."""
    lines = otlp_lines(spans, include_content=include_content)
    path.write_text("".join(line + "\n" for line, _ in lines), encoding="utf-8")
    return sum(count for _, count in lines)
