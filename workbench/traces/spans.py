"""A neutral span record: what the assembler reads of an OTLP span, and nothing of protobuf.

:func:`spans_of` walks a decoded request (its resource and scope go onto every span) and keeps each
span's ids (hex), name, kind, times (Unix ns), status, attributes as plain Python values, and the
few events and links the assembler reads. Proto messages are read by duck typing, so this module does
not import opentelemetry (workbench.traces.decode is the one that does).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

STATUS_UNSET, STATUS_OK, STATUS_ERROR = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a span came from: its resource's service and its instrumentation scope."""

    service: str = ""
    scope: str = ""
    scope_version: str = ""
    resource: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SpanEvent:
    name: str
    time_ns: int
    attributes: dict[str, Any]


@dataclass(slots=True)
class Span:
    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    kind: int
    start_ns: int
    end_ns: int
    status: int
    status_message: str
    attributes: dict[str, Any]
    origin: Origin
    events: list[SpanEvent] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    """(trace id, span id) of each linked span."""

    def attr(self, key: str, default: Any = None) -> Any:
        return self.attributes.get(key, default)

    def text(self, *keys: str) -> str | None:
        """The first of ``keys`` whose value is a non-empty string (numbers as text)."""
        for key in keys:
            value = self.attributes.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, int | float) and not isinstance(value, bool):
                return str(value)
        return None

    def number(self, *keys: str) -> float | None:
        for key in keys:
            value = self.attributes.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
            if isinstance(value, str):
                try:
                    return float(value)
                except ValueError:
                    continue
        return None


def spans_of(request: Any) -> Iterator[Span]:
    """The spans of one ``ExportTraceServiceRequest`` (or ``TracesData``)."""
    # A request's spans share a few trace ids and parents: each is turned into hex once, and the
    # spans then share one string (hashed once, as dict keys, and held once in memory).
    hexes: dict[bytes, str] = {}
    for rs in request.resource_spans:
        resource = _attributes(rs.resource.attributes)
        service = resource.get("service.name")
        for ss in rs.scope_spans:
            origin = Origin(
                service=service if isinstance(service, str) else "",
                scope=ss.scope.name,
                scope_version=ss.scope.version,
                resource=resource,
            )
            for span in ss.spans:
                yield _span(span, origin, hexes)


def _span(span: Any, origin: Origin, hexes: dict[bytes, str]) -> Span:
    # Read field by field from the protobuf message, each once: every attribute access on a upb
    # message builds a Python object, and this runs for every span received.
    raw = span.trace_id
    trace_id = hexes.get(raw)
    if trace_id is None:
        trace_id = hexes[raw] = raw.hex()
    raw = span.parent_span_id
    if raw:
        parent_id = hexes.get(raw)
        if parent_id is None:
            parent_id = hexes[raw] = raw.hex()
    else:
        parent_id = None
    attributes: dict[str, Any] = {}
    for kv in span.attributes:
        value = kv.value
        kind = value.WhichOneof("value")
        attributes[kv.key] = value.string_value if kind == "string_value" else _typed(value, kind)
    status = span.status
    events = span.events
    links = span.links
    return Span(
        trace_id,
        span.span_id.hex(),
        parent_id,
        span.name,
        span.kind,
        span.start_time_unix_nano,
        span.end_time_unix_nano,
        status.code,
        status.message,
        attributes,
        origin,
        [
            SpanEvent(event.name, event.time_unix_nano, _attributes(event.attributes))
            for event in events
            if event.name in ("exception", "retry")
        ]
        if events
        else [],
        [(link.trace_id.hex(), link.span_id.hex()) for link in links] if links else [],
    )


def _attributes(pairs: Any) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in pairs}


def _value(value: Any) -> Any:
    return _typed(value, value.WhichOneof("value"))


def _typed(value: Any, kind: str | None) -> Any:
    if kind == "string_value":
        return value.string_value
    if kind == "int_value":
        return value.int_value
    if kind == "double_value":
        return value.double_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "array_value":
        return [_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return _attributes(value.kvlist_value.values)
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return None
