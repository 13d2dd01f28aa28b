"""An OTLP/HTTP trace receiver: ``POST /v1/traces``, protobuf or JSON, gzip or not.

Starlette routes and uvicorn serves (the HTTP parsing, keep-alive and connection handling are
theirs); this module is the only one importing either. Answers follow the OTLP/HTTP specification:
200 with an ``ExportTraceServiceResponse`` in the request's encoding (a partial success when spans
were rejected), 400 with a ``google.rpc.Status`` saying why for a body that is not OTLP, 413 past
:data:`MAX_BODY_BYTES` (compressed or not), 415 for a content type or encoding it does not read, 404
elsewhere. Decoding runs in a worker thread, so a large or JSON request (protobuf's JSON parser is
Python) never holds the event loop; a client that disconnects mid-body is simply dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from workbench import gcpolicy
from workbench.traces.decode import (
    DecodeFailure,
    TooLarge,
    decode_json_document,
    decode_protobuf,
    gunzip,
    partial_success,
    response_json,
    status_body,
)
from workbench.traces.live import LiveRuns
from workbench.traces.spans import Span, spans_of

MAX_BODY_BYTES = 64 * 1024 * 1024
"""Largest request body taken, before and after decompression (the SDK exporters send ~512 spans,
well under 1 MiB, per request)."""

PROTOBUF_TYPES = frozenset({"application/x-protobuf", "application/protobuf"})
JSON_TYPE = "application/json"
DEFAULT_PORT = 4318
SWITCH_INTERVAL_S = 0.001
SETTLE_EVERY_S = 60.0
"""At most this often, and only with no run open, frozen objects are handed back and collected."""

_NO_TRACE = "0" * 32
"""The all-zero trace id, which OTLP says is invalid."""
_INVALID_ARGUMENT = 3  # google.rpc.Code
_RESOURCE_EXHAUSTED = 8

logging.getLogger("uvicorn").addHandler(logging.NullHandler())


def _error(status: int, code: int, message: str, as_json: bool) -> Response:
    media = JSON_TYPE if as_json else "application/x-protobuf"
    return Response(
        status_body(code, message, as_json=as_json), status_code=status, media_type=media
    )


class Receiver:
    """The ASGI app, feeding a :class:`LiveRuns`."""

    def __init__(self, live: LiveRuns, *, max_body: int = MAX_BODY_BYTES) -> None:
        self.live = live
        self.max_body = max_body
        self.requests = 0
        self.worker = ThreadPoolExecutor(1, thread_name_prefix="listen")
        """One thread for all the work off the loop (decoding, closing runs): each more runnable
        thread is one more for the loop to wait behind on a busy machine."""
        self.app = Starlette(routes=[Route("/v1/traces", self._traces, methods=["POST"])])

    async def _traces(self, request: Request) -> Response:
        self.requests += 1
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        as_json = media == JSON_TYPE
        if media not in PROTOBUF_TYPES and not as_json:
            return _error(
                415,
                _INVALID_ARGUMENT,
                f"unsupported content type {media or '(none)'!r}: send application/x-protobuf"
                " or application/json",
                False,
            )
        encoding = request.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("gzip", "identity", ""):
            return _error(
                415, _INVALID_ARGUMENT, f"unsupported content encoding {encoding!r}", as_json
            )
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            return self._too_large(as_json)
        body = bytearray()
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > self.max_body:
                    return self._too_large(as_json)
        except ClientDisconnect:
            return Response(status_code=400)  # nobody is there to read it
        try:
            _, rejected, why = await asyncio.get_running_loop().run_in_executor(
                self.worker, self._ingest, bytes(body), as_json, encoding == "gzip"
            )
        except TooLarge:
            return self._too_large(as_json)
        except DecodeFailure as exc:
            return _error(400, _INVALID_ARGUMENT, str(exc), as_json)
        if as_json:
            return Response(response_json(rejected, why), media_type=JSON_TYPE)
        return Response(partial_success(rejected, why), media_type="application/x-protobuf")

    def _too_large(self, as_json: bool) -> Response:
        return _error(
            413,
            _RESOURCE_EXHAUSTED,
            f"request body over the {self.max_body // (1024 * 1024)} MiB limit",
            as_json,
        )

    def _ingest(self, body: bytes, as_json: bool, gzipped: bool) -> tuple[int, int, str]:
        """Decode and hand the spans over (in a worker thread): (taken, rejected, why rejected)."""
        if gzipped:
            body = gunzip(body, self.max_body)
        request = decode_json_document(body) if as_json else decode_protobuf(body)
        spans: list[Span] = []
        invalid = 0
        for span in spans_of(request):
            if len(span.trace_id) != 32 or len(span.span_id) != 16 or span.trace_id == _NO_TRACE:
                invalid += 1
                continue
            spans.append(span)
        taken = self.live.receive(spans, time.monotonic())
        reasons = []
        if invalid:
            reasons.append(f"{invalid} spans without a valid trace or span id")
        if taken < len(spans):
            reasons.append(f"{len(spans) - taken} spans over the limit of spans waiting")
        return taken, invalid + len(spans) - taken, "; ".join(reasons)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, so the port is known (and taken) before serving starts. Raises OSError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=128)


class Listener:
    """Serves a :class:`Receiver` and closes finished runs every ``tick_s``, until :meth:`stop`."""

    def __init__(
        self,
        live: LiveRuns,
        sock: socket.socket,
        *,
        tick_s: float = 0.2,
        max_body: int = MAX_BODY_BYTES,
    ) -> None:
        self.live = live
        self.receiver = Receiver(live, max_body=max_body)
        self.sock = sock
        self.tick_s = tick_s
        config = uvicorn.Config(
            self.receiver.app,
            log_config=None,
            access_log=False,
            lifespan="off",
            log_level="warning",
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self.on_tick: Callable[[], None] | None = None

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def stop(self) -> None:
        self._server.should_exit = True

    async def run(self) -> None:
        gcpolicy.freeze_startup()  # the imports are here to stay: full collections skip them
        # Decoding and writing run in worker threads; the loop waits for the GIL behind them up to
        # the switch interval each time (5 ms by default), and more than once per request.
        interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        ticker = asyncio.create_task(self._tick())
        try:
            await self._server.serve(sockets=[self.sock])
        finally:
            sys.setswitchinterval(interval)
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self.receiver.worker, self.live.close_all, time.monotonic())
            self.receiver.worker.shutdown(wait=False)

    async def _tick(self) -> None:
        # A full collection walks every tracked object, holding the loop from whichever thread it
        # runs in (100+ ms with the spans of open runs around). So what survives is frozen at each
        # tick, and only when nothing is open, at most once a minute, is everything collected.
        settled = time.monotonic()
        while True:
            await asyncio.sleep(self.tick_s)
            await asyncio.get_running_loop().run_in_executor(
                self.receiver.worker, self.live.tick, time.monotonic()
            )
            now = time.monotonic()
            if self.live.idle and now - settled >= SETTLE_EVERY_S:
                gcpolicy.thaw()
                gcpolicy.settle()
                settled = now
            else:
                gcpolicy.freeze_survivors()
            if self.on_tick is not None:
                self.on_tick()
