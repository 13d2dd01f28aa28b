"""Sending spans: the official OTLP exporters, pointed at a :class:`~workbench.export.endpoint.Destination`
we resolved ourselves, and a one-line account of what went wrong.

``http/protobuf`` is the official OTLP/HTTP exporter; ``http/json`` POSTs the OTLP JSON mapping
(:mod:`workbench.export.otlp_json`) with ``Content-Type: application/json`` (the official Python
exporters have no JSON one); ``grpc`` is the official gRPC exporter when
``opentelemetry-exporter-otlp-proto-grpc`` is installed, and a one-line error saying so when it is
not; ``console`` is the SDK's console exporter, on standard error.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
import requests
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SpanExporter, SpanExportResult

from workbench.config.profile import redact_url
from workbench.export.endpoint import Destination, destination
from workbench.export.otlp import sdk_spans
from workbench.export.otlp_json import traces_data
from workbench.export.spans import SessionSpans
from workbench.gcpolicy import paused

EXPORT_CHUNK = 512
"""Spans per request."""


class ExportError(Exception):
    """Sending spans failed; the message is one line naming the endpoint (never its headers)."""


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
            hint = (
                " (this collector does not take OTLP JSON: use http/protobuf)"
                if self.status == 415 and "json" in self.headers.get("Content-Type", "")
                else ""
            )
            return f"the collector at {url} answered {self.status} {self.reason}{body}{hint}"
        return f"cannot reach the collector at {url} ({why_unreachable(self.failure)})"


def why_unreachable(failure: BaseException | None) -> str:
    """What a failed connection was, in a few words: refused, no such host, timed out, ..."""
    if failure is None:
        return "no answer"
    seen: set[int] = set()
    chain: list[BaseException] = []
    current: BaseException | None = failure
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        nested = getattr(current, "reason", None)
        if not isinstance(nested, BaseException):
            nested = next((a for a in current.args if isinstance(a, BaseException)), None)
        current = nested or current.__cause__ or current.__context__
    for exc in chain:
        if isinstance(exc, ConnectionRefusedError):
            return "connection refused: nothing listens there"
        if isinstance(exc, socket.gaierror):
            return "no such host"
    if any(isinstance(exc, requests.Timeout | TimeoutError | socket.timeout) for exc in chain):
        return "timed out"
    if isinstance(failure, requests.exceptions.SSLError):
        return "TLS handshake failed"
    if isinstance(failure, requests.ConnectionError):
        return "connection failed"
    if isinstance(failure, ValueError):  # requests' URL errors are ValueErrors too
        return "not a usable URL"
    return type(failure).__name__


class _JsonExporter(SpanExporter):
    """OTLP/HTTP with a JSON body: one POST per export, no retries."""

    def __init__(self, target: Destination, session: _WatchedSession) -> None:
        self._target = target
        self._session = session
        self._session.headers.update({"Content-Type": "application/json", **target.headers})

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        body = orjson.dumps(traces_data(encode_spans(spans)))
        try:
            response = self._session.post(
                self._target.url, data=body, timeout=self._target.timeout_s
            )
        except (requests.RequestException, ValueError):
            return SpanExportResult.FAILURE
        ok = 200 <= response.status_code < 300
        return SpanExportResult.SUCCESS if ok else SpanExportResult.FAILURE

    def shutdown(self) -> None:
        self._session.close()


class _Stderr:
    """Standard error as it is when written to (the app swaps it while it runs)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _grpc_exporter(target: Destination) -> SpanExporter:
    try:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (  # type: ignore[import-not-found]
            OTLPSpanExporter as GrpcSpanExporter,
        )
    except ImportError:
        raise ExportError(
            "OTLP over gRPC needs the gRPC exporter, which is not installed (pip install"
            " opentelemetry-exporter-otlp-proto-grpc), or use http/protobuf"
        ) from None
    exporter: SpanExporter = GrpcSpanExporter(
        endpoint=target.url, headers=target.headers or None, timeout=target.timeout_s
    )
    return exporter


class WatchedExporter(SpanExporter):
    """One of the exporters above for ``target``, plus a one-line account of its failures.

    With ``stop_after_failure`` (live export), the first failure disables it: later exports fail at
    once instead of each waiting for a collector that is down. Raises :class:`ExportError` when the
    protocol cannot be used here.
    """

    def __init__(
        self, target: Destination | None, *, stop_after_failure: bool = False, console: bool = False
    ) -> None:
        self._session = _WatchedSession()
        self.target = target
        inner: SpanExporter
        if console or target is None:
            inner = ConsoleSpanExporter(out=_Stderr())  # type: ignore[arg-type]
            self.url = "standard error"
        else:
            self.url = redact_url(target.url)
            """Where spans go, as messages name it (without credentials in the URL)."""
            if target.protocol == "grpc":
                inner = _grpc_exporter(target)
            elif target.protocol == "http/json":
                inner = _JsonExporter(target, self._session)
            else:
                inner = OTLPSpanExporter(
                    endpoint=target.url,
                    headers=target.headers,
                    timeout=target.timeout_s,
                    session=self._session,
                )
        self._inner = inner
        self.stop_after_failure = stop_after_failure
        self.disabled = False
        self.on_failure: Callable[[str], None] | None = None

    @property
    def timeout_s(self) -> float:
        return self.target.timeout_s if self.target is not None else 1.0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self.disabled:
            return SpanExportResult.FAILURE
        try:
            result = self._inner.export(spans)
        except Exception as exc:  # an exporter (gRPC's) that raises instead of failing
            self._session.failure, self._session.status = exc, None
            result = SpanExportResult.FAILURE
        if result is SpanExportResult.SUCCESS:
            return result
        if self.stop_after_failure:
            self.disabled = True
        if self.on_failure is not None:
            self.on_failure(self.failure())
        return result

    def send(self, spans: Sequence[ReadableSpan]) -> bool:
        """:meth:`export`, as a yes or no."""
        return self.export(spans) is SpanExportResult.SUCCESS

    def failure(self) -> str:
        if self.target is not None and self.target.protocol == "grpc":
            return f"the collector at {self.url} (gRPC) did not take the spans"
        return self._session.describe(self.url)

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True


def send_otlp(
    spans: SessionSpans,
    target: Destination | str,
    *,
    include_content: bool = False,
    headers: Mapping[str, str] | None = None,
    timeout_s: float | None = None,
    on_sent: Callable[[int], None] | None = None,
) -> int:
    """Send the session's spans to a collector; returns the number sent. A plain string is a base
    endpoint for OTLP/HTTP protobuf, with ``headers`` and ``timeout_s``.

    Raises :class:`ExportError` with one line: the endpoint and its status and first body line, or
    why it could not be reached.
    """
    if isinstance(target, str):
        target = destination({}, endpoint=target, headers=headers, timeout_s=timeout_s)
    exporter = WatchedExporter(target)
    sent = 0
    try:
        with paused():
            turns = sdk_spans(spans, include_content=include_content)
        everything = [s for turn in turns for s in turn]
        for start in range(0, len(everything), EXPORT_CHUNK):
            chunk = everything[start : start + EXPORT_CHUNK]
            if exporter.export(chunk) is not SpanExportResult.SUCCESS:
                unsent = len(everything) - sent
                raise ExportError(
                    f"{exporter.failure()}; {unsent:,} of {len(everything):,} spans not sent"
                )
            sent += len(chunk)
            if on_sent is not None:
                on_sent(sent)
    finally:
        exporter.shutdown()
    return sent
