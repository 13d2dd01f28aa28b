"""The timeline model: a pure reducer from events to a queryable picture of a session.

The TUI and the terminal printer both read it; it never imports either. It only looks at event fields,
never the wall clock, so a replayed session gives the same picture as the live run. Every event costs
O(1): rows are found through dicts and totals are running sums, because the TUI applies tens of
thousands of events. Events out of the usual order (a ``call_finished`` with no ``call_queued``) create
what they need rather than fail.
"""

from __future__ import annotations

import bisect
from collections import Counter
from typing import Any, assert_never

from workbench.core.events import (
    BatchFinished,
    BatchStarted,
    CallFinished,
    CallQueued,
    CallRetrying,
    CallStarted,
    ErrorEvent,
    Event,
    ModelRequestStarted,
    ModelResponseFinished,
    Notice,
    SettingsChanged,
    TextDelta,
    ToolCallEmitted,
    TurnFinished,
    TurnStarted,
)
from workbench.core.messages import Usage
from workbench.core.settings import RunSettings
from workbench.core.timeline_parts import (
    _HOLDS_SLOT,
    TERMINAL,
    BatchGroup,
    CallRow,
    CallState,
    Change,
    ModelSpan,
    SessionTotals,
    TurnInfo,
)

__all__ = [
    "TERMINAL",
    "BatchGroup",
    "CallRow",
    "CallState",
    "Change",
    "ModelSpan",
    "SessionTotals",
    "TimelineModel",
    "TurnInfo",
]


class TimelineModel:
    """Apply events in order; read batches, calls, model spans, turns and totals at any point."""

    def __init__(self) -> None:
        self.batches: list[BatchGroup] = []
        self.model_spans: list[ModelSpan] = []
        self.settings_changes: list[SettingsChanged] = []
        self.turns: list[TurnInfo] = []
        self.notices: list[Notice] = []
        self.errors: list[ErrorEvent] = []
        self.settings: RunSettings | None = None
        """The settings in force after the latest change (None until one is seen)."""
        self.last_t = 0.0
        self._batches: dict[str, BatchGroup] = {}
        self._open_batches: dict[str, BatchGroup] = {}
        self._calls: dict[str, CallRow] = {}
        self._spans: dict[int, ModelSpan] = {}
        self._span_for_batch: dict[str, ModelSpan] = {}
        self._open_span: ModelSpan | None = None
        self._turns: dict[int, TurnInfo] = {}
        self._open_turn: TurnInfo | None = None
        self._current_turn = 0
        self._outcomes: Counter[str] = Counter()
        self._usage = Usage.model_construct()  # zero, unvalidated: no schema built for it yet
        self._model_done_s = 0.0
        self._tool_done_s = 0.0
        self._wall_done_s = 0.0

    # -- queries -----------------------------------------------------------------------------------

    def batch(self, batch_id: str) -> BatchGroup | None:
        return self._batches.get(batch_id)

    def call(self, call_id: str) -> CallRow | None:
        """The latest call with this id (ids are unique per session with real providers)."""
        return self._calls.get(call_id)

    def span(self, round_trip: int) -> ModelSpan | None:
        return self._spans.get(round_trip)

    def turn(self, turn: int) -> TurnInfo | None:
        return self._turns.get(turn)

    @property
    def totals(self) -> SessionTotals:
        now = self.last_t
        model = self._model_done_s
        if self._open_span is not None:
            model += now - self._open_span.start_t
        tools = self._tool_done_s
        for b in self._open_batches.values():
            if b.has_started or b.first_queued_t is not None:
                start, _ = b.axis()
                tools += max(0.0, now - start)
        wall = self._wall_done_s
        if self._open_turn is not None:
            wall += now - self._open_turn.started_t
        o = self._outcomes
        return SessionTotals(
            round_trips=len(self.model_spans),
            model_time_s=model,
            tool_time_s=tools,
            calls=len(self._calls),
            batches=len(self.batches),
            failures=o["error"] + o["timeout"] + o["cancelled"],
            errors=o["error"],
            timeouts=o["timeout"],
            cancelled=o["cancelled"],
            usage=self._usage,
            wall_s=wall,
        )

    # -- the reducer -------------------------------------------------------------------------------

    def apply(self, event: Event) -> Change:
        if event.t > self.last_t:
            self.last_t = event.t
        match event:
            case SettingsChanged():
                self.settings_changes.append(event)
                self.settings = event.settings
                return Change(event, session=True)
            case Notice():
                self.notices.append(event)
                return Change(event, turn=event.turn, session=True)
            case ErrorEvent():
                self.errors.append(event)
                return Change(event, turn=event.turn, session=True)
            case TurnStarted():
                self._start_turn(event)
                return Change(event, turn=event.turn, session=True)
            case TextDelta():
                self._turn(event.turn, event.t)._parts.append(event.text)
                return Change(event, turn=event.turn, text=event.text)
            case ModelRequestStarted():
                self._start_span(event)
                return Change(event, turn=event.turn, round_trip=event.round_trip, session=True)
            case ToolCallEmitted():
                return self._emitted(event)
            case ModelResponseFinished():
                return self._response_finished(event)
            case BatchStarted():
                batch = self._batch(event.batch_id, event.t, event.turn)
                batch.settings = event.settings
                batch.eager = event.eager
                batch.started_t = event.t
                batch.has_started = True
                return Change(event, turn=batch.turn, batch_id=batch.batch_id, session=True)
            case CallQueued():
                return self._queued(event)
            case CallStarted():
                return self._started(event)
            case CallRetrying():
                batch, row = self._row(
                    event.batch_id, event.call_id, event.t, event.tool, event.args
                )
                if not row.done:
                    self._set_state(batch, row, "retrying")
                    row.retry_ts.append(event.t)
                    row.attempts = max(row.attempts, event.attempt)
                    row.error = event.error
                return Change(event, turn=batch.turn, batch_id=batch.batch_id, call_id=row.call_id)
            case CallFinished():
                return self._finished(event)
            case BatchFinished():
                batch = self._batch(event.batch_id, event.t, event.turn)
                self._close_batch(batch, event.t, event.stats.wall_s)
                batch.stats = event.stats
                return Change(event, turn=batch.turn, batch_id=batch.batch_id, session=True)
            case TurnFinished():
                return self._finish_turn(event)
            case _:
                assert_never(event)

    # -- turns and model spans ---------------------------------------------------------------------

    def _start_turn(self, event: TurnStarted) -> None:
        info = self._turn(event.turn, event.t)
        info.prompt = event.prompt
        info.started_t = event.t
        self._open_turn = info

    def _turn(self, turn: int, t: float) -> TurnInfo:
        info = self._turns.get(turn)
        if info is None:
            info = TurnInfo(turn=turn, prompt="", started_t=t)
            self._turns[turn] = info
            self.turns.append(info)
            if self._open_turn is None:
                self._open_turn = info
        self._current_turn = turn
        return info

    def _start_span(self, event: ModelRequestStarted) -> None:
        self._turn(event.turn, event.t)
        span = ModelSpan(
            turn=event.turn,
            round_trip=event.round_trip,
            start_t=event.t,
            provider=event.provider,
            model=event.model,
            emission=event.emission,
        )
        self._close_span(event.t)  # a new request means the previous one is over
        self._spans[event.round_trip] = span
        self.model_spans.append(span)
        self._open_span = span

    def _close_span(self, t: float) -> None:
        span = self._open_span
        if span is not None:
            self._open_span = None
            if span.end_t is None:
                span.end_t = t
                span.duration_s = t - span.start_t
                self._model_done_s += span.duration_s

    def _response_finished(self, event: ModelResponseFinished) -> Change:
        span = self._spans.get(event.round_trip)
        if span is None:
            start = event.t - event.duration_s
            span = ModelSpan(turn=event.turn, round_trip=event.round_trip, start_t=start)
            self._turn(event.turn, start)
            self._spans[event.round_trip] = span
            self.model_spans.append(span)
        if span.end_t is None:
            self._model_done_s += event.duration_s
        elif span.duration_s is not None:  # closed early by a later request; take the real figure
            self._model_done_s += event.duration_s - span.duration_s
        span.end_t = event.t
        span.duration_s = event.duration_s
        span.usage = event.usage
        span.calls = event.calls
        span.stop_reason = event.stop_reason
        self._usage = self._usage + event.usage
        if self._open_span is span:
            self._open_span = None
        if event.batch_id is not None:
            span.batch_id = event.batch_id
            self._span_for_batch[event.batch_id] = span
            batch = self._batches.get(event.batch_id)
            if batch is not None and batch.model_span is None:
                self._link(batch, span)
        return Change(
            event,
            turn=event.turn,
            round_trip=event.round_trip,
            batch_id=event.batch_id,
            session=True,
        )

    def _finish_turn(self, event: TurnFinished) -> Change:
        info = self._turn(event.turn, event.t)
        info.status = event.status
        info.stats = event.stats
        info.answer = event.text
        info.finished_t = event.t
        if self._open_turn is info:
            self._open_turn = None
        self._wall_done_s += event.stats.wall_s
        if self._open_span is not None and self._open_span.turn == event.turn:
            self._close_span(event.t)
        # A turn's end closes anything it left open (a cancel mid-stream leaves emitted calls).
        closed: list[str] = []
        for batch_id in info.batch_ids:
            batch = self._batches[batch_id]
            if batch.done:
                continue
            for row in batch.calls:
                if not row.done:
                    self._set_state(batch, row, "cancelled")
                    row.finished_t = event.t
                    batch.last_finished_t = event.t
                    self._queued_at(batch, row.queued_t)
                    closed.append(row.call_id)
            start, end = batch.axis()
            self._close_batch(batch, event.t, end - start)
        return Change(event, turn=event.turn, session=True, closed=tuple(closed))

    # -- batches and calls -------------------------------------------------------------------------

    def _batch(self, batch_id: str, t: float, turn: int | None = None) -> BatchGroup:
        batch = self._batches.get(batch_id)
        if batch is None:
            turn = self._current_turn if turn is None else turn
            batch = BatchGroup(batch_id=batch_id, turn=turn, started_t=t, last_t=t)
            self._batches[batch_id] = batch
            self._open_batches[batch_id] = batch
            self.batches.append(batch)
            self._turn(turn, t).batch_ids.append(batch_id)
            span = self._span_for_batch.get(batch_id)
            if span is None and self._open_span is not None and self._open_span.batch_id is None:
                span = self._open_span  # emitted while its response still streams
            if span is not None:
                self._link(batch, span)
        elif t > batch.last_t:
            batch.last_t = t
        return batch

    @staticmethod
    def _link(batch: BatchGroup, span: ModelSpan) -> None:
        batch.model_span = span
        batch.emission = span.emission
        span.batch_id = batch.batch_id

    def _close_batch(self, batch: BatchGroup, t: float, wall_s: float) -> None:
        if batch.finished_t is None:
            batch.finished_t = t
            self._tool_done_s += wall_s
        self._open_batches.pop(batch.batch_id, None)

    def _row(
        self,
        batch_id: str,
        call_id: str,
        t: float,
        tool: str,
        args: dict[str, Any] | None,
        index: int | None = None,
        state: CallState = "queued",
    ) -> tuple[BatchGroup, CallRow]:
        batch = self._batch(batch_id, t)
        row = batch._rows.get(call_id)
        if row is None:
            row = CallRow(
                call_id=call_id,
                batch_id=batch_id,
                tool=tool,
                args=args,
                index=len(batch.calls) if index is None else index,
                queued_t=t,
                state=state,
            )
            batch._rows[call_id] = row
            self._calls[call_id] = row
            self._place(batch, row)
        elif index is not None and index != row.index:
            batch.calls.remove(row)
            row.index = index
            self._place(batch, row)
        return batch, row

    @staticmethod
    def _place(batch: BatchGroup, row: CallRow) -> None:
        calls = batch.calls
        if not calls or calls[-1].index <= row.index:
            calls.append(row)  # the usual case: calls arrive in order
        else:
            bisect.insort(calls, row, key=lambda r: r.index)

    def _set_state(self, batch: BatchGroup, row: CallRow, new: CallState) -> None:
        old = row.state
        if old == new:
            return
        if old in _HOLDS_SLOT and new not in _HOLDS_SLOT:
            batch.running -= 1
        elif new in _HOLDS_SLOT and old not in _HOLDS_SLOT:
            batch.running += 1
            batch.peak = max(batch.peak, batch.running)
        if old in TERMINAL:
            batch.outcomes[old] -= 1
            self._outcomes[old] -= 1
        if new in TERMINAL:
            batch.outcomes[new] += 1
            self._outcomes[new] += 1
        row.state = new

    def _emitted(self, event: ToolCallEmitted) -> Change:
        self._batch(event.batch_id, event.t, event.turn)
        batch, row = self._row(
            event.batch_id, event.call_id, event.t, event.tool, event.args, event.index, "emitted"
        )
        row.emitted_t = event.t
        span = batch.model_span
        if span is not None and span.end_t is None:
            span.calls += 1
        return Change(
            event,
            turn=batch.turn,
            round_trip=span.round_trip if span is not None else None,
            batch_id=batch.batch_id,
            call_id=row.call_id,
        )

    def _queued(self, event: CallQueued) -> Change:
        batch, row = self._row(
            event.batch_id, event.call_id, event.t, event.tool, event.args, event.index
        )
        row.queued_t = event.t
        row.tool, row.args = event.tool, event.args
        # As the executor counts it: the calls queued before and not finished each hold a slot.
        row.waits = batch.queued_count - batch.finished_calls >= batch.settings.cap
        batch.queued_count += 1
        if row.state == "emitted":
            self._set_state(batch, row, "queued")
        self._queued_at(batch, event.t)
        return Change(event, turn=batch.turn, batch_id=batch.batch_id, call_id=row.call_id)

    @staticmethod
    def _queued_at(batch: BatchGroup, t: float) -> None:
        if batch.first_queued_t is None or t < batch.first_queued_t:
            batch.first_queued_t = t

    def _started(self, event: CallStarted) -> Change:
        batch, row = self._row(event.batch_id, event.call_id, event.t, event.tool, event.args)
        self._queued_at(batch, row.queued_t)
        if not row.done:
            self._set_state(batch, row, "running")
            if row.started_t is None:
                row.started_t = event.t
            row.attempt_ts.append(event.t)
            row.attempts = max(row.attempts, event.attempt)
        return Change(event, turn=batch.turn, batch_id=batch.batch_id, call_id=row.call_id)

    def _finished(self, event: CallFinished) -> Change:
        batch, row = self._row(event.batch_id, event.call_id, event.t, event.tool, event.args)
        row.queued_t = event.queued_t
        if row.started_t is None and event.started_t is not None:
            row.started_t = event.started_t
            row.attempt_ts.append(event.started_t)
        row.finished_t = event.finished_t
        row.result = event.result
        row.error = event.error
        row.attempts = max(row.attempts, event.attempts)
        self._set_state(batch, row, event.status)
        self._queued_at(batch, event.queued_t)
        if batch.last_finished_t is None or event.finished_t > batch.last_finished_t:
            batch.last_finished_t = event.finished_t
        return Change(
            event, turn=batch.turn, batch_id=batch.batch_id, call_id=row.call_id, session=True
        )
