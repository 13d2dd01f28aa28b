"""Live OpenTelemetry export: a runtime sink that sends a session's spans as its batches and turns end.

The sink only puts each event on a queue (well under a microsecond, on the loop's thread). A builder
thread of its own imports OpenTelemetry (so start-up never pays for it) and builds the spans with
:mod:`workbench.export.otlp`; a sender thread hands them to the official exporter in requests of at
most :data:`~workbench.export.otlp_send.EXPORT_CHUNK` spans, as each batch or turn ends (or every
half second). Nothing is ever dropped to keep a queue short (the SDK's batching processor drops what
does not fit its 2,048 spans: a 5,000-call batch lost half of them): the loop never waits for a
collector, and spans wait in memory until they are sent.

A collector that is down or refuses is reported once, through ``on_problem`` (a notice in the app,
one line headless), and nothing more is sent for the session: nothing is retried forever, and the
run goes on with its exit code unchanged. At the end, :meth:`LiveExport.close` waits for what is
left as long as the collector keeps taking requests (giving up after one request timeout without
progress), and if any span was not sent, says how many in one line.

Configuration, first found wins: a profile's ``telemetry:`` block, then the standard variables
(``OTEL_TRACES_EXPORTER`` = ``otlp`` | ``console`` | ``none``, ``OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT``,
``..._HEADERS``, ``..._TIMEOUT``, ``..._PROTOCOL``). Any command can call :func:`sink_from_env`;
pass the result in ``extra_sinks`` and :meth:`LiveExport.attach` the runtime once it has started.
"""

from __future__ import annotations

import asyncio
import os
import queue
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.export.endpoint import (
    Destination,
    Protocol,
    destination,
    endpoint_named,
    parse_headers,
    traces_exporters,
)
from workbench.export.provider import ServedBy, served_by
from workbench.export.spans import SessionSpans, SpanBuilder

if TYPE_CHECKING:
    from workbench.config.profile import Profile
    from workbench.core.events import Event
    from workbench.runtime import Runtime

CONTENT_VAR = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
"""The GenAI instrumentations' switch for sending content; honoured here too."""
SCHEDULE_DELAY_S = 0.5
"""How long built spans may wait before they are sent, when no batch or turn ends meanwhile."""
DEFAULT_TIMEOUT_S = 5.0
"""Per-request timeout towards the collector (OTEL_EXPORTER_OTLP_TIMEOUT, in ms, overrides it)."""
_FLUSH_ON = frozenset({"batch_finished", "turn_finished"})
_STOP = object()


class LiveExport:
    """A sink (call it with each event) plus :meth:`attach` and :meth:`close`."""

    def __init__(
        self,
        *,
        endpoint: str | None = None,
        headers: Mapping[str, str] | None = None,
        include_content: bool = False,
        on_problem: Callable[[str], None] | None = None,
        timeout_s: float | None = None,
        protocol: Protocol | None = None,
        console: bool = False,
        project: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        """``endpoint`` None: the OTEL variables say where. Raises ``ValueError`` (one line naming
        the variable) for a variable that cannot be used."""
        env = os.environ if environ is None else environ
        self.endpoint = endpoint
        """The base endpoint given, or None when the OTEL variables say where."""
        self.console = console
        self.target: Destination | None = (
            None
            if console
            else destination(
                env,
                endpoint=endpoint,
                headers=headers,
                timeout_s=timeout_s,
                protocol=protocol,
            )
        )
        if self.target is not None and timeout_s is None and not _timeout_named(env):
            self.target = Destination(
                self.target.url, self.target.protocol, self.target.headers, DEFAULT_TIMEOUT_S
            )
        self.headers = self.target.headers if self.target is not None else {}
        self.include_content = include_content
        self.on_problem = on_problem
        self.project = project
        self.problem: str | None = None
        """The failure reported, if any."""
        self.spans_built = 0
        self.spans_sent = 0
        self.summary: str | None = None
        """The closing line when spans were not sent (also told to ``on_problem``)."""
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._builder: threading.Thread | None = None
        self._sender: threading.Thread | None = None
        self._pending: list[Any] = []
        """Built spans (the SDK's ``ReadableSpan``) not yet handed to the exporter."""
        self._ready = threading.Condition()
        self._flush = False
        self._built_all = False
        self._abandoned = False
        self._closed = False
        self._session_path: Path | None = None
        self._served: ServedBy | None = None
        self._max_tokens: int | None = None

    @property
    def timeout_s(self) -> float:
        return self.target.timeout_s if self.target is not None else DEFAULT_TIMEOUT_S

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
        profile = runtime.profile
        self._served = served_by(profile.type, profile.endpoint, profile.base_url)
        self._max_tokens = profile.max_tokens
        self.start(
            session_id=session_id,
            start_unix_ns=runtime.loop.clock.t0_unix_ns,
            profile_name=profile.name,
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
        if self._builder is not None:
            return
        spans = SessionSpans(
            session_id=session_id,
            start_unix_ns=start_unix_ns,
            exact_times=True,
            profile_name=profile_name,
            tool_kinds=dict(tool_kinds or {}),
            served=self._served,
            max_tokens=self._max_tokens,
            project=self.project,
        )
        self._builder = threading.Thread(
            target=self._build, args=(spans,), name="workbench-otlp", daemon=True
        )
        self._builder.start()

    def close(self, timeout_s: float | None = None) -> None:
        """Send what is left (open calls and turns end as incomplete) and stop. Waits as long as the
        collector takes requests, and at most ``timeout_s`` (default: the request timeout) without
        one succeeding; then says in one line how many spans were not sent, if any. Safe to call
        twice, or without :meth:`start`."""
        if self._closed:
            return
        self._closed = True
        builder = self._builder
        if builder is None:
            return
        self._queue.put(_STOP)
        builder.join()  # CPU only: it never waits for the collector
        patience = (timeout_s if timeout_s is not None else self.timeout_s) + 1.0
        sender = self._sender
        gave_up = False
        if sender is not None:
            sent = self.spans_sent
            deadline = time.monotonic() + patience
            while sender.is_alive():
                sender.join(max(0.0, min(0.2, deadline - time.monotonic())))
                if self.spans_sent != sent:  # progress: the collector is slow, not stuck
                    sent = self.spans_sent
                    deadline = time.monotonic() + patience
                elif time.monotonic() >= deadline:
                    gave_up = True
                    break
        with self._ready:
            self._abandoned = True
            self._ready.notify_all()
        unsent = self.spans_built - self.spans_sent
        if unsent > 0:
            if gave_up:
                why = f"the collector at {self._where()} did not answer within {patience - 1:g} s"
            elif self.problem is not None:
                why = "the export had stopped: see above"
            else:
                why = "the export stopped"
            self._tell(
                f"live trace export: {unsent:,} of {self.spans_built:,} spans were not sent"
                f" ({why}){self._later()}",
                summary=True,
            )

    async def aclose(self) -> None:
        """:meth:`close` without blocking the event loop."""
        await asyncio.to_thread(self.close)

    # -- the threads -----------------------------------------------------------------------------

    def _build(self, spans: SessionSpans) -> None:
        factory = None
        try:
            from workbench.export.otlp import Forward, SpanFactory
            from workbench.export.otlp_send import WatchedExporter

            try:
                exporter = WatchedExporter(
                    self.target, stop_after_failure=True, console=self.console
                )
            except Exception as exc:  # a protocol that cannot be used here (gRPC not installed)
                self._closed = True
                self._failed(str(exc))
                return
            exporter.on_failure = self._failed
            self._sender = threading.Thread(
                target=self._send, args=(exporter,), name="workbench-otlp-send", daemon=True
            )
            self._sender.start()
            factory = SpanFactory(spans, Forward(self._add), include_content=self.include_content)
            builder = SpanBuilder(spans, on_complete=factory.emit, keep=False)
            get = self._queue.get
            while True:
                event = get()
                if event is _STOP:
                    break
                builder.apply(event)
                if event.type in _FLUSH_ON:
                    with self._ready:
                        self._flush = True
                        self._ready.notify()
            builder.finish()
        except Exception as exc:  # the thread's one boundary: say so once, never take the run down
            self._closed = True  # nothing reads the queue any more: stop filling it
            self._failed(f"internal error ({type(exc).__name__}: {exc})")
        finally:
            if factory is not None:
                factory.shutdown()
            with self._ready:
                self._built_all = True
                self._ready.notify()

    def _add(self, span: Any) -> None:
        from workbench.export.otlp_send import EXPORT_CHUNK

        with self._ready:
            self.spans_built += 1
            self._pending.append(span)
            if len(self._pending) >= EXPORT_CHUNK:
                self._ready.notify()

    def _send(self, exporter: Any) -> None:
        from workbench.export.otlp_send import EXPORT_CHUNK

        try:
            while True:
                with self._ready:
                    while not (
                        self._abandoned
                        or self._flush
                        or self._built_all
                        or len(self._pending) >= EXPORT_CHUNK
                    ):
                        if not self._ready.wait(SCHEDULE_DELAY_S) and self._pending:
                            break  # the schedule delay passed: send what there is
                    if self._abandoned or exporter.disabled:
                        self._pending.clear()
                        if self._built_all or self._abandoned:
                            return
                        self._flush = False
                        continue
                    chunk = self._pending[:EXPORT_CHUNK]
                    del self._pending[:EXPORT_CHUNK]
                    if not self._pending:
                        self._flush = False
                    if not chunk:
                        if self._built_all:
                            return
                        continue
                if exporter.send(chunk):
                    self.spans_sent += len(chunk)
        except Exception as exc:  # the thread's one boundary
            self._failed(f"internal error ({type(exc).__name__}: {exc})")
        finally:
            exporter.shutdown()

    # -- reporting -------------------------------------------------------------------------------

    def _where(self) -> str:
        from workbench.config.profile import redact_url

        return redact_url(self.target.url) if self.target is not None else "standard error"

    def _later(self) -> str:
        if self._session_path is None:
            return ""
        return (
            f"; the session file keeps every span (send them later with: workbench export"
            f" {self._session_path} --otlp-endpoint URL)"
        )

    def _failed(self, message: str) -> None:
        if self.problem is not None or self._abandoned:
            return
        self.problem = f"live trace export stopped: {message}"
        self._tell(self.problem)

    def _tell(self, message: str, *, summary: bool = False) -> None:
        if summary:
            self.summary = message
        if self.on_problem is not None:
            self.on_problem(message)


def _timeout_named(env: Mapping[str, str]) -> bool:
    return any(
        env.get(name, "").strip()
        for name in ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT")
    )


def sink_from_env(
    profile: Profile,
    *,
    on_problem: Callable[[str], None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> LiveExport | None:
    """A live exporter when the profile's ``telemetry:`` block or the OTEL variables name an
    endpoint (or ``OTEL_TRACES_EXPORTER=console``), else None. Cheap: nothing of OpenTelemetry is
    imported until :meth:`LiveExport.start`.

    Raises ``ValueError`` (one line, naming the variable) for a variable that cannot be used.
    """
    env = os.environ if environ is None else environ
    options = profile.telemetry
    if options is not None and not options.enabled:
        return None
    # The SDK's own off switches, as any OpenTelemetry-instrumented program honours them.
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    exporters = traces_exporters(env)
    if not exporters:  # OTEL_TRACES_EXPORTER=none
        return None
    endpoint = options.endpoint if options is not None else None
    console = "otlp" not in exporters  # console alone; with otlp too, the collector wins
    if not console and endpoint is None and not endpoint_named(env):
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
        endpoint=endpoint,
        headers=headers,
        include_content=content,
        on_problem=on_problem,
        console=console,
        project=getattr(options, "project", None),
        environ=env,
    )
