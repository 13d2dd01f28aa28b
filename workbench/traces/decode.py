"""Bytes to OTLP ``ExportTraceServiceRequest`` messages, with the official ``opentelemetry-proto``
classes: the only module that imports them.

What is read, whichever way it comes:

- OTLP JSON lines (the Collector's file exporter, the SDKs' file exporters, ``workbench export``):
  one ``ExportTraceServiceRequest`` / ``TracesData`` object per line;
- one JSON document per file (pretty-printed or not);
- OTLP protobuf: one serialised request, or the Collector's ``format: proto`` file (each message
  after a 4-byte big-endian length);
- any of these gzip-compressed.

OTLP JSON writes ids as hex and enums as integers, protobuf's generic JSON mapping as base64 and enum
names: hex ids are turned into base64 before ``google.protobuf.json_format`` parses the rest, which
accepts both enum forms. Nothing else is hand-parsed. Sizes are capped so a huge input fails with a
message instead of exhausting memory.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterator
from typing import Any

import orjson
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

MAX_DOCUMENT_BYTES = 512 * 1024 * 1024
"""Most bytes one request (a JSON line, a JSON document, a protobuf message) may take, decompressed."""

_ID_KEYS = ("traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id")
_HEX = frozenset("0123456789abcdefABCDEF")


class DecodeFailure(ValueError):
    """The bytes are not OTLP traces; the message is one line saying where and why."""


class TooLarge(DecodeFailure):
    """The input is over a size limit."""


__all__ = [
    "MAX_DOCUMENT_BYTES",
    "DecodeFailure",
    "ExportTraceServiceRequest",
    "ExportTraceServiceResponse",
    "TooLarge",
    "decode_bytes",
    "decode_json_document",
    "decode_protobuf",
    "gunzip",
    "partial_success",
    "response_json",
    "status_body",
]


def gunzip(data: bytes, limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    """``data`` decompressed, refusing to inflate past ``limit`` bytes (a zip bomb stays small)."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise DecodeFailure(f"not valid gzip ({exc})") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise TooLarge(f"decompressed, it is over the {limit // (1024 * 1024)} MiB limit")
    return out


def decode_bytes(data: bytes) -> Iterator[tuple[int, ExportTraceServiceRequest]]:
    """Every request in a file's bytes, each with the line (JSON lines) or message number it came
    from. Raises :class:`DecodeFailure` naming the line and the reason."""
    if data[:2] == b"\x1f\x8b":
        data = gunzip(data, MAX_DOCUMENT_BYTES)
    stripped = data.lstrip()
    if not stripped:
        raise DecodeFailure("the file is empty")
    if stripped[:1] in (b"{", b"["):
        yield from _json_requests(data)
    else:
        yield from _protobuf_requests(data)


def decode_protobuf(data: bytes) -> ExportTraceServiceRequest:
    """One request from OTLP/HTTP protobuf bytes."""
    request = ExportTraceServiceRequest()
    try:
        request.ParseFromString(data)
    except DecodeError as exc:
        raise DecodeFailure(f"not an OTLP protobuf ExportTraceServiceRequest ({exc})") from None
    return request


def decode_json_document(data: bytes | str) -> ExportTraceServiceRequest:
    """One request from one OTLP JSON document."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise TooLarge(
            f"one JSON document is over the {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB limit"
        )
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise DecodeFailure(f"not valid JSON ({exc})") from None
    return _from_dict(document)


def partial_success(rejected: int, message: str) -> bytes:
    """An ``ExportTraceServiceResponse`` body (protobuf), with a partial success when spans were
    rejected, as the OTLP/HTTP spec answers."""
    response = ExportTraceServiceResponse()
    if rejected or message:
        response.partial_success.rejected_spans = rejected
        response.partial_success.error_message = message
    return bytes(response.SerializeToString())


def status_body(code: int, message: str, *, as_json: bool) -> bytes:
    """A ``google.rpc.Status`` error body, as OTLP/HTTP answers a request it refuses."""
    from google.rpc.status_pb2 import Status

    status = Status(code=code, message=message)
    if as_json:
        return orjson.dumps({"code": code, "message": message})
    return bytes(status.SerializeToString())


def response_json(rejected: int, message: str) -> bytes:
    """The same response in OTLP JSON."""
    if not (rejected or message):
        return b"{}"
    return orjson.dumps(
        {"partialSuccess": {"rejectedSpans": str(rejected), "errorMessage": message}}
    )


# -- JSON -------------------------------------------------------------------------------------------


def _json_requests(data: bytes) -> Iterator[tuple[int, ExportTraceServiceRequest]]:
    try:
        whole = orjson.loads(data)
    except orjson.JSONDecodeError:
        whole = None
    if whole is not None:
        yield 1, _from_dict(whole)
        return
    # JSON lines: one request per line.
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        if len(line) > MAX_DOCUMENT_BYTES:
            raise TooLarge(
                f"line {number}: over the {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB limit"
            )
        try:
            document = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise DecodeFailure(f"line {number}: not valid JSON ({exc})") from None
        try:
            yield number, _from_dict(document)
        except DecodeFailure as exc:
            raise DecodeFailure(f"line {number}: {exc}") from None


def _from_dict(document: Any) -> ExportTraceServiceRequest:
    if not isinstance(document, dict) or not (
        "resourceSpans" in document or "resource_spans" in document
    ):
        raise DecodeFailure("not an OTLP trace (no 'resourceSpans')")
    _normalise_ids(document)
    request = ExportTraceServiceRequest()
    try:
        json_format.ParseDict(document, request, ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if len(reason) > 200:  # the parser quotes the offending value, which may be huge
            reason = reason[:200] + "…"
        raise DecodeFailure(f"not OTLP JSON ({reason})") from None
    return request


def _normalise_ids(document: dict[str, Any]) -> None:
    """Hex ids (OTLP JSON) to base64 (protobuf's JSON mapping of ``bytes``), in place."""
    for rs in _list(document.get("resourceSpans", document.get("resource_spans"))):
        if not isinstance(rs, dict):
            continue
        for ss in _list(rs.get("scopeSpans", rs.get("scope_spans"))):
            if not isinstance(ss, dict):
                continue
            for span in _list(ss.get("spans")):
                if not isinstance(span, dict):
                    continue
                _hex_ids(span)
                for link in _list(span.get("links")):
                    if isinstance(link, dict):
                        _hex_ids(link)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _hex_ids(obj: dict[str, Any]) -> None:
    for key in _ID_KEYS:
        value = obj.get(key)
        if isinstance(value, str) and len(value) in (16, 32) and _HEX.issuperset(value):
            obj[key] = base64.b64encode(bytes.fromhex(value)).decode()


# -- protobuf ---------------------------------------------------------------------------------------


def _protobuf_requests(data: bytes) -> Iterator[tuple[int, ExportTraceServiceRequest]]:
    if len(data) > MAX_DOCUMENT_BYTES:
        raise TooLarge(f"over the {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB limit")
    if data[:1] == b"\x00":
        # The Collector's proto file: a 4-byte big-endian length before each message (a bare
        # request starts with field 1's tag, 0x0a, never a zero byte).
        yield from _delimited(data)
        return
    request = decode_protobuf(data)
    if not request.resource_spans:
        raise DecodeFailure("not an OTLP trace (no resource spans in the protobuf message)")
    yield 1, request


def _delimited(data: bytes) -> Iterator[tuple[int, ExportTraceServiceRequest]]:
    offset = 0
    number = 0
    while offset < len(data):
        number += 1
        if offset + 4 > len(data):
            raise DecodeFailure(f"message {number}: the file ends inside a length prefix")
        size = int.from_bytes(data[offset : offset + 4], "big")
        start = offset + 4
        if start + size > len(data):
            raise DecodeFailure(f"message {number}: the file ends inside the message (cut short)")
        try:
            request = decode_protobuf(data[start : start + size])
        except DecodeFailure as exc:
            raise DecodeFailure(f"message {number}: {exc}") from None
        yield number, request
        offset = start + size
