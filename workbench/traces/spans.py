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
                yield _span(span, origin)


def _span(span: Any, origin: Origin) -> Span:
    events = [
        SpanEvent(event.name, event.time_unix_nano, _attributes(event.attributes))
        for event in span.events
        if event.name in ("exception", "retry")
    ]
    return Span(
        trace_id=span.trace_id.hex(),
        span_id=span.span_id.hex(),
        parent_id=span.parent_span_id.hex() or None,
        name=span.name,
        kind=span.kind,
        start_ns=span.start_time_unix_nano,
        end_ns=span.end_time_unix_nano,
        status=span.status.code,
        status_message=span.status.message,
        attributes=_attributes(span.attributes),
        origin=origin,
        events=events,
        links=[(link.trace_id.hex(), link.span_id.hex()) for link in span.links],
    )


def _attributes(pairs: Any) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in pairs}


def _value(value: Any) -> Any:
    kind = value.WhichOneof("value")
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
