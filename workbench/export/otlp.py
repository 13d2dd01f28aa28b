"""A session as OpenTelemetry GenAI spans: to an OTLP JSON-lines file, or POSTed to a collector.

The only module that imports OpenTelemetry (and it is imported only when exporting). Spans are built by
the official SDK with the recorded times, encoded by the official OTLP encoder, and sent by the official
OTLP/HTTP (protobuf) exporter. One trace per turn:

- ``invoke_agent workbench`` (INTERNAL, the root): the turn, its status and the batch settings;
- ``chat {model}`` (CLIENT) per model round trip: provider, model, tokens, finish reason;
- ``execute_tool {tool}`` (INTERNAL) per call, from queued to finished, linked to the ``chat`` span
  that emitted it, with the time it waited for a slot and the time it ran.

Attribute names follow the GenAI semantic conventions, written as plain strings (the semconv package
marks them incubating); what no convention covers is under ``workbench.``. A failed call has
``error.type`` = ``error`` | ``timeout`` | ``cancelled`` (cancellation is our choice: no convention
defines it) and status ERROR with its one-line error. Content (arguments, results, prompts, answers)
is only included with ``include_content``, cut to :data:`~workbench.export.spans.CONTENT_LIMIT`
characters. Trace and span ids are derived from the session id and the turn, round trip and call ids,
so exporting a session twice yields the same ids.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson
import requests
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.sdk.trace.sampling import ALWAYS_ON
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags

import workbench
from workbench.config.profile import redact_url
from workbench.export.endpoint import traces_url
from workbench.export.spans import (
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
EXPORT_CHUNK = 512
"""Spans per request when a file is POSTed."""

_PROVIDER_NAMES = {
    "openai-chat": "openai",
    "openai-responses": "openai",
    "anthropic": "anthropic",
    "gemini": "gcp.gemini",
}
"""Workbench provider types as the conventions' well-known ``gen_ai.provider.name`` values."""


class ExportError(Exception):
    """Sending spans failed; the message is one line naming the endpoint (never its headers)."""


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
        attributes["workbench.profile.name"] = spans.profile_name
    if not spans.exact_times:
        attributes["workbench.times.approximate"] = True
    return Resource.create(attributes)


class SpanFactory:
    """Makes SDK spans from the span model's finished items and hands them to ``processor``."""

    def __init__(
        self, spans: SessionSpans, processor: SpanProcessor, *, include_content: bool = False
    ) -> None:
        self.spans = spans
        self.include_content = include_content
        self._ids = _PresetIds()
        self.provider = TracerProvider(
            resource=resource_for(spans),
            id_generator=self._ids,
            sampler=ALWAYS_ON,
            shutdown_on_exit=False,
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

    def _parent(self, turn: int) -> Context:
        sid = self.spans.session_id
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
            name,
            context=context,
            kind=kind,
            attributes=attributes,
            links=links,
            start_time=self.spans.unix_ns(start),
        )

    def _turn(self, turn: TurnSpan) -> None:
        sid = self.spans.session_id
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": "workbench",
            "gen_ai.conversation.id": sid,
            "openinference.span.kind": "AGENT",
            "workbench.turn": turn.number,
            "workbench.turn.status": turn.status,
            "workbench.turn.round_trips": len(turn.round_trips),
            "workbench.turn.batches": len(turn.batches),
            "workbench.turn.calls": len(turn.calls),
        }
        if turn.provider is not None:
            attributes["gen_ai.provider.name"] = _provider_name(turn.provider)
            attributes["workbench.provider"] = turn.provider
        if turn.model:
            attributes["gen_ai.request.model"] = turn.model
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
            if turn.text:
                attributes["gen_ai.output.messages"] = _messages("assistant", turn.text)
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
            span.set_attribute("error.type", turn.status)
            message = turn.error or {
                "cancelled": "cancelled",
                "max_turns": "max_turns reached",
            }.get(turn.status, turn.status)
            span.set_status(Status(StatusCode.ERROR, _one_line(message)))
        span.end(self.spans.unix_ns(turn.end if turn.end is not None else self.spans.last_t))

    def _round_trip(self, rt: RoundTrip) -> None:
        sid = self.spans.session_id
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": _provider_name(rt.provider),
            "gen_ai.request.model": rt.model,
            "gen_ai.conversation.id": sid,
            "gen_ai.usage.input_tokens": rt.input_tokens,
            "gen_ai.usage.output_tokens": rt.output_tokens,
            "openinference.span.kind": "LLM",
            "workbench.provider": rt.provider,
            "workbench.round_trip": rt.number,
        }
        if rt.stop_reason is not None:
            attributes["gen_ai.response.finish_reasons"] = [rt.stop_reason]
        if rt.batch_id is not None:
            attributes["workbench.batch.id"] = rt.batch_id
        if rt.parallel is not None:
            attributes["workbench.emission.parallel"] = rt.parallel
        if not rt.complete:
            attributes["workbench.incomplete"] = True
        span = self._start(
            f"chat {rt.model}",
            chat_span_id(sid, rt.turn, rt.number),
            rt.start,
            context=self._parent(rt.turn),
            kind=SpanKind.CLIENT,
            attributes=attributes,
        )
        span.end(self.spans.unix_ns(rt.end if rt.end is not None else self.spans.last_t))

    def _call(self, call: CallSpan) -> None:
        sid = self.spans.session_id
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": call.tool,
            "gen_ai.tool.call.id": call.call_id,
            "gen_ai.tool.type": self.spans.tool_kinds.get(call.tool, "function"),
            "openinference.span.kind": "TOOL",
            "workbench.batch.id": call.batch_id,
            "workbench.call.index": call.index,
            "workbench.call.status": call.status,
            "workbench.call.attempts": len(call.attempts),
            "workbench.call.wait_s": call.wait_s,
            "workbench.call.run_s": call.run_s,
        }
        if self.include_content:
            attributes["gen_ai.tool.call.arguments"] = json.dumps(call.args, ensure_ascii=False)
            if call.result is not None:
                attributes["gen_ai.tool.call.result"] = cut(call.result)
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


def _provider_name(provider: str) -> str:
    return _PROVIDER_NAMES.get(provider, provider)


def _one_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def _messages(role: str, text: str) -> str:
    return json.dumps([{"role": role, "parts": [{"type": "text", "content": cut(text)}]}])


# -- collecting and encoding ----------------------------------------------------------------------


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
    """``spans`` as one OTLP JSON ``TracesData`` object, from the official encoder's protobuf.

    Written out field by field rather than through protobuf's generic ``MessageToDict``, which is
    5x slower and writes ids in base64 where OTLP JSON requires hex. The mapping is protobuf's JSON
    mapping otherwise (lowerCamelCase names, int64 as decimal strings, enums as integers, default
    values left out); tests/export check it against ``MessageToDict`` on varied sessions.
    """
    request = encode_spans(spans)
    return {"resourceSpans": [_resource_spans(rs) for rs in request.resource_spans]}


def _resource_spans(rs: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rs.HasField("resource"):
        resource: dict[str, Any] = {}
        if rs.resource.attributes:
            resource["attributes"] = _key_values(rs.resource.attributes)
        if rs.resource.dropped_attributes_count:
            resource["droppedAttributesCount"] = rs.resource.dropped_attributes_count
        out["resource"] = resource
    if rs.scope_spans:
        out["scopeSpans"] = [_scope_spans(ss) for ss in rs.scope_spans]
    if rs.schema_url:
        out["schemaUrl"] = rs.schema_url
    return out


def _scope_spans(ss: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if ss.HasField("scope"):
        scope: dict[str, Any] = {}
        if ss.scope.name:
            scope["name"] = ss.scope.name
        if ss.scope.version:
            scope["version"] = ss.scope.version
        if ss.scope.attributes:
            scope["attributes"] = _key_values(ss.scope.attributes)
        out["scope"] = scope
    if ss.spans:
        out["spans"] = [_span(span) for span in ss.spans]
    if ss.schema_url:
        out["schemaUrl"] = ss.schema_url
    return out


def _span(span: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"traceId": span.trace_id.hex(), "spanId": span.span_id.hex()}
    if span.trace_state:
        out["traceState"] = span.trace_state
    if span.parent_span_id:
        out["parentSpanId"] = span.parent_span_id.hex()
    if span.flags:
        out["flags"] = span.flags
    if span.name:
        out["name"] = span.name
    if span.kind:
        out["kind"] = span.kind
    if span.start_time_unix_nano:
        out["startTimeUnixNano"] = str(span.start_time_unix_nano)
    if span.end_time_unix_nano:
        out["endTimeUnixNano"] = str(span.end_time_unix_nano)
    if span.attributes:
        out["attributes"] = _key_values(span.attributes)
    if span.dropped_attributes_count:
        out["droppedAttributesCount"] = span.dropped_attributes_count
    if span.events:
        out["events"] = [_event(event) for event in span.events]
    if span.dropped_events_count:
        out["droppedEventsCount"] = span.dropped_events_count
    if span.links:
        out["links"] = [_link(link) for link in span.links]
    if span.dropped_links_count:
        out["droppedLinksCount"] = span.dropped_links_count
    if span.HasField("status"):
        status: dict[str, Any] = {}
        if span.status.message:
            status["message"] = span.status.message
        if span.status.code:
            status["code"] = span.status.code
        out["status"] = status
    return out


def _event(event: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if event.time_unix_nano:
        out["timeUnixNano"] = str(event.time_unix_nano)
    if event.name:
        out["name"] = event.name
    if event.attributes:
        out["attributes"] = _key_values(event.attributes)
    if event.dropped_attributes_count:
        out["droppedAttributesCount"] = event.dropped_attributes_count
    return out


def _link(link: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"traceId": link.trace_id.hex(), "spanId": link.span_id.hex()}
    if link.trace_state:
        out["traceState"] = link.trace_state
    if link.attributes:
        out["attributes"] = _key_values(link.attributes)
    if link.dropped_attributes_count:
        out["droppedAttributesCount"] = link.dropped_attributes_count
    if link.flags:
        out["flags"] = link.flags
    return out


def _key_values(pairs: Any) -> list[dict[str, Any]]:
    return [{"key": kv.key, "value": _any_value(kv.value)} for kv in pairs]


def _any_value(value: Any) -> dict[str, Any]:
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return {"stringValue": value.string_value}
    if kind == "int_value":
        return {"intValue": str(value.int_value)}
    if kind == "bool_value":
        return {"boolValue": value.bool_value}
    if kind == "double_value":
        number = value.double_value
        if number != number or number in (float("inf"), float("-inf")):
            return {
                "doubleValue": "NaN"
                if number != number
                else ("Infinity" if number > 0 else "-Infinity")
            }
        return {"doubleValue": number}
    if kind == "array_value":
        values = value.array_value.values
        return {"arrayValue": {"values": [_any_value(v) for v in values]} if values else {}}
    if kind == "kvlist_value":
        pairs = value.kvlist_value.values
        return {"kvlistValue": {"values": _key_values(pairs)} if pairs else {}}
    if kind == "bytes_value":
        return {"bytesValue": base64.b64encode(value.bytes_value).decode()}
    return {}


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


# -- sending --------------------------------------------------------------------------------------


class _WatchedSession(requests.Session):
    """Remembers the last answer (or connection failure), so a failed export can say what happened:
    the SDK's exporter only returns FAILURE and logs."""

    def __init__(self) -> None:
        super().__init__()
        self.status: int | None = None
        self.reason: str = ""
        self.body: str = ""
        self.failure: BaseException | None = None

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().request(method, url, *args, **kwargs)
        except requests.RequestException as exc:  # also a URL refused before anything is sent
            self.failure, self.status = exc, None
            raise

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = super().send(request, **kwargs)
        self.failure = None
        self.status, self.reason = response.status_code, response.reason or ""
        text = response.text.strip()
        self.body = text.splitlines()[0][:200] if text else ""
        return response

    def describe(self, url: str) -> str:
        if self.status is not None:
            body = f": {self.body}" if self.body else ""
            return f"the collector at {url} answered {self.status} {self.reason}{body}"
        reason = type(self.failure).__name__ if self.failure is not None else "no answer"
        if isinstance(self.failure, requests.Timeout):
            reason = "timed out"
        elif isinstance(self.failure, requests.ConnectionError):
            reason = "connection refused or host unreachable"
        elif isinstance(self.failure, ValueError):  # requests' URL errors are ValueErrors too
            reason = "not a usable URL"
        return f"cannot reach the collector at {url} ({reason})"


class WatchedExporter(SpanExporter):
    """The official OTLP/HTTP exporter, plus a one-line account of its failures.

    ``endpoint`` None lets the exporter read the OTEL_EXPORTER_OTLP_* variables. With
    ``stop_after_failure`` (live export), the first failure disables it: later batches are dropped
    at once instead of each waiting for a collector that is down.
    """

    def __init__(
        self,
        endpoint: str | None,
        headers: Mapping[str, str] | None = None,
        *,
        timeout_s: float | None = None,
        stop_after_failure: bool = False,
    ) -> None:
        self._session = _WatchedSession()
        self._inner = OTLPSpanExporter(
            endpoint=traces_url(endpoint) if endpoint else None,
            headers=dict(headers) if headers is not None else None,
            timeout=timeout_s,
            session=self._session,
        )
        self.url: str = redact_url(self._inner._endpoint)
        """Where spans go, as messages name it (without credentials in the URL)."""
        self.stop_after_failure = stop_after_failure
        self.disabled = False
        self.on_failure: Callable[[str], None] | None = None
        self.on_success: Callable[[int], None] | None = None

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self.disabled:
            return SpanExportResult.FAILURE
        result = self._inner.export(spans)
        if result is SpanExportResult.SUCCESS:
            if self.on_success is not None:
                self.on_success(len(spans))
            return result
        if self.stop_after_failure:
            self.disabled = True
        if self.on_failure is not None:
            self.on_failure(self.failure())
        return result

    def failure(self) -> str:
        return self._session.describe(self.url)

    def shutdown(self) -> None:
        self._inner.shutdown()  # type: ignore[no-untyped-call]

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True


def batching(exporter: SpanExporter, *, schedule_delay_ms: float) -> SpanProcessor:
    """The SDK's batching processor: ended spans wait in a queue that its own thread sends."""
    return BatchSpanProcessor(exporter, schedule_delay_millis=schedule_delay_ms)


def send_otlp(
    spans: SessionSpans,
    endpoint: str,
    *,
    headers: Mapping[str, str] | None = None,
    include_content: bool = False,
    timeout_s: float = 10.0,
) -> int:
    """POST the session's spans to an OTLP/HTTP collector; returns the number sent.

    Raises :class:`ExportError` with one line: the endpoint and its status and first body line, or
    why it could not be reached.
    """
    exporter = WatchedExporter(endpoint, headers, timeout_s=timeout_s)
    sent = 0
    try:
        with paused():
            turns = sdk_spans(spans, include_content=include_content)
        everything = [s for turn in turns for s in turn]
        for start in range(0, len(everything), EXPORT_CHUNK):
            chunk = everything[start : start + EXPORT_CHUNK]
            if exporter.export(chunk) is not SpanExportResult.SUCCESS:
                raise ExportError(exporter.failure())
            sent += len(chunk)
    finally:
        exporter.shutdown()
    return sent
