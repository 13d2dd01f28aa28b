"""Incoming runs, live: what ``workbench listen`` (headless or in the app) knows as spans arrive.

Spans go into an :class:`~workbench.traces.assemble.Assembler`. Each trace is a row while it is
open, with counts kept as spans arrive (service, framework, model, round trips, calls, failures), so
the list costs nothing to show. A trace closes when its root span has arrived and ``grace_s`` passed
with nothing more for it, or after ``idle_s`` without any span (then it is incomplete, and says so);
closing converts it exactly as ``workbench import`` does and writes one session per run (or per
conversation) into the directory. :meth:`LiveRuns.snapshot` gives the session as it stands, for a
view whose timeline grows while the run goes on. No I/O but writing the sessions; no UI.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from workbench.session import SessionError
from workbench.traces.assemble import Assembler, Run, role
from workbench.traces.convert import ImportedSession, group_runs, session_of
from workbench.traces.spans import STATUS_ERROR, Span
from workbench.traces.write import default_path, write_session

DEFAULT_GRACE_S = 1.0
DEFAULT_IDLE_S = 30.0


@dataclass(slots=True)
class LiveRun:
    """One row: an open trace, or a session written from a closed one."""

    key: str
    trace_id: str
    service: str = ""
    framework: str = ""
    model: str = ""
    agent: str = ""
    round_trips: int = 0
    calls: int = 0
    failures: int = 0
    status: str = "running"
    """``running`` while open; then the turn's status (``completed``, ``error``...) or
    ``incomplete`` when it closed without its root span."""
    spans: int = 0
    first_seen: float = 0.0
    updated: float = 0.0
    path: Path | None = None
    session: ImportedSession | None = None
    """The session's events while ``on_closed`` runs; afterwards read the file at ``path``."""
    error: str | None = None
    """Why its session could not be written."""
    notes: list[str] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.status == "running"


class LiveRuns:
    """The run list. Thread-safe: the receiver adds spans from worker threads."""

    def __init__(
        self,
        directory: Path | None,
        *,
        grace_s: float = DEFAULT_GRACE_S,
        idle_s: float = DEFAULT_IDLE_S,
        on_closed: Callable[[LiveRun], None] | None = None,
        max_spans: int | None = None,
    ) -> None:
        self.directory = directory
        self.grace_s = grace_s
        self.idle_s = idle_s
        self.on_closed = on_closed
        self._assembler = Assembler(max_spans=max_spans) if max_spans else Assembler()
        self._rows: dict[str, LiveRun] = {}
        self._lock = threading.Lock()
        self.spans_received = 0

    @property
    def rows(self) -> list[LiveRun]:
        """Every run seen, in order of arrival."""
        with self._lock:
            return list(self._rows.values())

    @property
    def idle(self) -> bool:
        """No trace is open (read without the lock: the event loop asks, and must not wait)."""
        return self._assembler.open_traces == 0

    def receive(self, spans: Iterable[Span], now: float) -> int:
        """Add spans; returns how many were taken (the rest were over the span limit)."""
        taken = 0
        with self._lock:
            for span in spans:
                try:
                    self._assembler.add(span, now)
                except ValueError:
                    break
                taken += 1
                self._count(span, now)
            self.spans_received += taken
        return taken

    def _count(self, span: Span, now: float) -> None:
        row = self._rows.get(span.trace_id)
        if row is None or not row.open:
            row = self._rows[span.trace_id] = LiveRun(
                key=span.trace_id, trace_id=span.trace_id, first_seen=now
            )
        row.spans += 1
        row.updated = now
        origin = span.origin
        if not row.service and origin.service and not origin.service.startswith("unknown_service"):
            row.service = origin.service  # the SDK's default name says nothing: the agent's then
        if not row.framework and origin.scope:
            row.framework = origin.scope + (
                f" {origin.scope_version}" if origin.scope_version else ""
            )
        kind = role(span)
        if kind == "model":
            row.round_trips += 1
            if not row.model:
                row.model = (
                    span.text("gen_ai.request.model", "gen_ai.response.model", "llm.model_name")
                    or ""
                )
        elif kind == "tool":
            row.calls += 1
            if span.status == STATUS_ERROR:
                row.failures += 1
        elif kind == "agent" and not row.agent:
            row.agent = span.text("gen_ai.agent.name") or ""

    def snapshot(self, trace_id: str) -> list[ImportedSession]:
        """The sessions an open trace would make now (the view of a run still going)."""
        with self._lock:
            runs = self._assembler.snapshot(trace_id)
        return [
            session_of(group, source_format="otlp-http", files=[], still_open=True)
            for group in group_runs(runs)
        ]

    def row(self, key: str) -> LiveRun | None:
        with self._lock:
            return self._rows.get(key)

    def closed_rows(self, trace_id: str) -> list[LiveRun]:
        """The sessions written from a trace once it closed (empty while it is open)."""
        with self._lock:
            return [r for r in self._rows.values() if r.trace_id == trace_id and not r.open]

    def tick(self, now: float) -> list[LiveRun]:
        """Close the traces that are ready; returns the rows of the sessions written."""
        with self._lock:
            ready = self._assembler.ready(now, grace_s=self.grace_s, idle_s=self.idle_s)
            taken = [
                (trace_id, complete, self._assembler.take(trace_id)) for trace_id, complete in ready
            ]
            opened = {trace_id: self._rows.pop(trace_id, None) for trace_id, _, _ in taken}
        closed: list[LiveRun] = []
        for trace_id, complete, runs in taken:
            closed.extend(self._close(trace_id, complete, runs, opened[trace_id], now))
        return closed

    def close_all(self, now: float) -> list[LiveRun]:
        """Close every open trace (at shutdown): what has no root yet is incomplete."""
        with self._lock:
            ids = self._assembler.trace_ids()
            taken = [
                (trace_id, self._assembler.has_root(trace_id), self._assembler.take(trace_id))
                for trace_id in ids
            ]
            opened = {trace_id: self._rows.pop(trace_id, None) for trace_id in ids}
        closed: list[LiveRun] = []
        for trace_id, complete, runs in taken:
            closed.extend(self._close(trace_id, complete, runs, opened[trace_id], now))
        return closed

    def _close(
        self, trace_id: str, complete: bool, runs: list[Run], row: LiveRun | None, now: float
    ) -> list[LiveRun]:
        out: list[LiveRun] = []
        if not runs:
            return out
        for group in group_runs(runs):
            if not complete:
                for run in group:
                    run.problems.append(
                        f"trace {trace_id}: closed without its root span, after {self.idle_s:g} s"
                        " with no span arriving (or at shutdown)"
                    )
            session = session_of(group, source_format="otlp-http", files=[])
            done = LiveRun(
                key=f"{trace_id}:{session.session_id}",
                trace_id=trace_id,
                service=row.service if row is not None else "",
                framework=row.framework if row is not None else "",
                model=str(session.profile.get("model") or ""),
                agent=str(session.source.get("agent") or ""),
                round_trips=session.round_trips,
                calls=session.calls,
                failures=session.failures,
                status=session.status if session.complete else "incomplete",
                spans=sum(len(run.spans) for run in group),
                first_seen=row.first_seen if row is not None else now,
                updated=now,
                session=session,
                notes=list(session.notes),
            )
            path = default_path(session, self.directory)
            try:
                write_session(session, path)
                done.path = path
            except SessionError as exc:
                done.error = str(exc)
            with self._lock:
                self._rows[done.key] = done
            out.append(done)
            if self.on_closed is not None:
                self.on_closed(done)
            # The file has it now: a long listen keeps rows, not every run's events.
            done.session = None
        return out
