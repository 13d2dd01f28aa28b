"""Live OpenTelemetry export: a runtime sink that sends a session's spans as its batches and turns end.

The sink only puts each event on a queue (well under a microsecond, on the loop's thread). A worker
thread of its own imports OpenTelemetry (so start-up never pays for it), builds the spans with
:mod:`workbench.export.otlp`, and hands them to the SDK's ``BatchSpanProcessor``, whose thread sends
them; the loop never waits for a collector. A collector that is down or refuses is reported once,
through ``on_problem`` (a notice in the app, one line headless), and nothing more is sent for the
session: nothing is retried forever, and the run goes on with its exit code unchanged.

Configuration, first found wins: a profile's ``telemetry:`` block, then the standard
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` / ``OTEL_EXPORTER_OTLP_ENDPOINT`` (and ``..._HEADERS``)
variables. Any command can call :func:`sink_from_env`; pass the result in ``extra_sinks`` and
:meth:`LiveExport.attach` the runtime once it has started.
"""

from __future__ import annotations

import asyncio
import os
import queue
import secrets
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.export.endpoint import parse_headers
from workbench.export.spans import SessionSpans, SpanBuilder

if TYPE_CHECKING:
    from workbench.config.profile import Profile
    from workbench.core.events import Event
    from workbench.runtime import Runtime

ENDPOINT_VARS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
CONTENT_VAR = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
"""The GenAI instrumentations' switch for sending content; honoured here too."""
SCHEDULE_DELAY_MS = 500
"""How long ended spans may wait in the batching processor before they are sent."""
DEFAULT_TIMEOUT_S = 5.0
"""Per-request timeout towards the collector (OTEL_EXPORTER_OTLP_TIMEOUT, in ms, overrides it)."""
_FLUSH_ON = frozenset({"batch_finished", "turn_finished"})
_STOP = object()


class LiveExport:
    """A sink (call it with each event) plus :meth:`attach` and :meth:`close`."""

    def __init__(
        self,
        *,
        endpoint: str | None,
        headers: Mapping[str, str] | None = None,
        include_content: bool = False,
        on_problem: Callable[[str], None] | None = None,
        timeout_s: float | None = None,
    ) -> None:
        self.endpoint = endpoint
        """The base endpoint given, or None when the OTEL variables say where."""
        self.headers = dict(headers) if headers is not None else None
        self.include_content = include_content
        self.on_problem = on_problem
        self.timeout_s = timeout_s
        self.problem: str | None = None
        """The one failure reported, if any."""
        self.spans_sent = 0
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._session_path: Path | None = None

    def __call__(self, event: Event) -> None:
        if not self._closed:
            self._queue.put(event)

    def attach(self, runtime: Runtime) -> None:
        """Start sending, with the session's id and clock (call once the runtime has started); the
        runtime's ``aclose()`` then sends the last spans and stops the export."""
        runtime.on_close.append(self.aclose)
        recorder = runtime.recorder
        self._session_path = recorder.path if recorder is not None else None
        session_id = recorder.header.session_id if recorder is not None else secrets.token_hex(8)
        kinds = {tool.name: tool.kind for tool in runtime.registry}
        self.start(
            session_id=session_id,
            start_unix_ns=runtime.loop.clock.t0_unix_ns,
            profile_name=runtime.profile.name,
            tool_kinds=kinds,
        )

    def start(
        self,
        *,
        session_id: str,
        start_unix_ns: int,
        profile_name: str = "",
        tool_kinds: Mapping[str, str] | None = None,
    ) -> None:
        if self._thread is not None:
            return
        spans = SessionSpans(
            session_id=session_id,
            start_unix_ns=start_unix_ns,
            exact_times=True,
            profile_name=profile_name,
            tool_kinds=dict(tool_kinds or {}),
        )
        self._thread = threading.Thread(
            target=self._work, args=(spans,), name="workbench-otlp", daemon=True
        )
        self._thread.start()

    def close(self, timeout_s: float = 10.0) -> None:
        """Send what is left (open calls and turns end as incomplete) and stop, waiting at most
        ``timeout_s``. Safe to call twice, or without :meth:`start`."""
        if self._closed:
            return
        self._closed = True
        thread = self._thread
        if thread is None:
            return
        self._queue.put(_STOP)
        thread.join(timeout_s)

    async def aclose(self) -> None:
        """:meth:`close` without blocking the event loop."""
        await asyncio.to_thread(self.close)

    # -- the worker thread -----------------------------------------------------------------------

    def _work(self, spans: SessionSpans) -> None:
        factory = None
        try:
            from workbench.export.otlp import SpanFactory, WatchedExporter, batching

            timeout_s = self._timeout()
            exporter = WatchedExporter(
                self.endpoint, self.headers, timeout_s=timeout_s, stop_after_failure=True
            )
            exporter.on_failure = self._failed
            exporter.on_success = self._sent
            processor = batching(exporter, schedule_delay_ms=SCHEDULE_DELAY_MS)
            factory = SpanFactory(spans, processor, include_content=self.include_content)
            builder = SpanBuilder(spans, on_complete=factory.emit, keep=False)
            flush_ms = int(timeout_s * 1000) + 1000
            get = self._queue.get
            while True:
                event = get()
                if event is _STOP:
                    break
                if exporter.disabled:
                    continue
                builder.feed(event.__dict__)
                if event.type in _FLUSH_ON:
                    processor.force_flush(flush_ms)
            if not exporter.disabled:
                builder.finish()
        except Exception as exc:  # the thread's one boundary: say so once, never take the run down
            self._closed = True  # nothing reads the queue any more: stop filling it
            self._failed(f"internal error ({type(exc).__name__}: {exc})")
        finally:
            if factory is not None:
                factory.shutdown()

    def _timeout(self) -> float:
        if self.timeout_s is not None:
            return self.timeout_s
        raw = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT") or os.environ.get(
            "OTEL_EXPORTER_OTLP_TIMEOUT"
        )
        try:
            return float(raw) / 1000 if raw else DEFAULT_TIMEOUT_S
        except ValueError:
            return DEFAULT_TIMEOUT_S

    def _sent(self, count: int) -> None:
        self.spans_sent += count

    def _failed(self, message: str) -> None:
        if self.problem is not None:
            return
        later = (
            f"; the session file keeps every span (send them later with: workbench export"
            f" {self._session_path} --otlp-endpoint URL)"
            if self._session_path is not None
            else ""
        )
        self.problem = f"live trace export stopped: {message}{later}"
        if self.on_problem is not None:
            self.on_problem(self.problem)


def sink_from_env(
    profile: Profile,
    *,
    on_problem: Callable[[str], None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> LiveExport | None:
    """A live exporter when the profile's ``telemetry:`` block or the OTEL variables name an
    endpoint, else None. Cheap: nothing of OpenTelemetry is imported until :meth:`LiveExport.start`.

    Raises ``ValueError`` (one line, naming the variable) for headers that cannot be read.
    """
    env = os.environ if environ is None else environ
    options = profile.telemetry
    if options is not None and not options.enabled:
        return None
    # The SDK's own off switches, as any OpenTelemetry-instrumented program honours them.
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    if env.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "none":
        return None
    endpoint = options.endpoint if options is not None else None
    if endpoint is None and not any(env.get(name) for name in ENDPOINT_VARS):
        return None
    headers = None
    if options is not None and options.headers_env is not None:
        raw = env.get(options.headers_env)
        if raw is None:
            raise ValueError(f"telemetry.headers_env names {options.headers_env}, which is not set")
        headers = parse_headers([raw], where=options.headers_env)
    content = (options is not None and options.include_content) or env.get(
        CONTENT_VAR, ""
    ).strip().lower() == "true"
    return LiveExport(
        endpoint=endpoint, headers=headers, include_content=content, on_problem=on_problem
    )
