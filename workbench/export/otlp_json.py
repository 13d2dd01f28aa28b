"""The OTLP JSON mapping: an encoded ``ExportTraceServiceRequest`` as an OTLP JSON ``TracesData`` object.

Written out field by field rather than through protobuf's generic ``MessageToDict``, which is 5x
slower and writes ids in base64 where OTLP JSON requires hex. The mapping is protobuf's JSON mapping
otherwise (lowerCamelCase names, int64 as decimal strings, enums as integers, default values left
out); tests/export check it against ``MessageToDict`` on varied sessions. Pure: it reads the
protobuf messages it is given and imports neither protobuf nor OpenTelemetry.
"""

from __future__ import annotations

import base64
from typing import Any


def traces_data(request: Any) -> dict[str, Any]:
    """An ``ExportTraceServiceRequest`` (or ``TracesData``) as one OTLP JSON object."""
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
