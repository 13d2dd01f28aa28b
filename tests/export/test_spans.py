"""The span model: every call exactly once, whatever was cut off, and the same from live events."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.export.helpers import partial_overlaps
from tests.fabricate import PROFILE, session_events
from workbench.core.events import (
    CallFinished,
    CallQueued,
    CallRetrying,
    ErrorEvent,
    Event,
    ToolCallEmitted,
    TurnFinished,
)
from workbench.export.chrome import chrome_trace
from workbench.export.source import read_session_spans
from workbench.export.spans import SessionSpans, SpanBuilder
from workbench.session import SessionRecorder, load_session


def _write(path: Path, events: list[Event]) -> Path:
    with SessionRecorder.create(path, profile=PROFILE) as recorder:
        for event in events:
            recorder.record(event)
    return path


def test_the_fabricated_session_with_every_event_type(tmp_path: Path) -> None:
    events = session_events()
    spans = read_session_spans(_write(tmp_path / "s.jsonl", events))
    turns = [e for e in events if isinstance(e, TurnFinished)]
    assert [t.status for t in spans.turns] == [t.status for t in turns]
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert spans.turns[-1].error == errors[-1].message
    calls = {c.call_id: c for t in spans.turns for c in t.calls}
    for finished in (e for e in events if isinstance(e, CallFinished)):
        call = calls[finished.call_id]
        assert (call.status, call.error, len(call.attempts)) == (
            finished.status,
            finished.error,
            finished.attempts,
        )
        wait_until = finished.started_t if finished.started_t is not None else finished.finished_t
        # Waiting for a slot: all of the time until it started, or none when a slot was free.
        assert call.wait_s in (0.0, pytest.approx(wait_until - finished.queued_t))
        retries = [e for e in events if isinstance(e, CallRetrying) and e.call_id == call.call_id]
        assert [a.error for a in call.attempts[:-1]] == [r.error for r in retries]
    assert partial_overlaps(chrome_trace(spans, include_content=True)) == []


@pytest.mark.parametrize("name", ["retries", "cancelled", "flaky"])
def test_a_session_cut_anywhere_shows_every_call_once_and_still_nests(
    sessions: dict[str, Path], tmp_path: Path, name: str
) -> None:
    lines = sessions[name].read_bytes().split(b"\n")
    for keep in range(2, len(lines), max(1, len(lines) // 15)):
        cut = tmp_path / f"cut{keep}.jsonl"
        cut.write_bytes(b"\n".join(lines[:keep]) + b"\n")
        spans = read_session_spans(cut)
        events = load_session(cut).events
        calls = (CallQueued, ToolCallEmitted, CallFinished)
        named = Counter({e.call_id: 1 for e in events if isinstance(e, calls)})
        exported = Counter(c.call_id for t in spans.turns for c in t.calls)
        assert exported == named  # emitted, queued or finished: every call the events name
        trace = chrome_trace(spans)
        assert partial_overlaps(trace) == []
        open_calls = [c for t in spans.turns for c in t.calls if not c.complete]
        for call in open_calls:
            assert call.finished == pytest.approx(spans.last_t) or call.finished == call.queued


def test_live_events_build_the_same_spans_as_the_file(sessions: dict[str, Path]) -> None:
    path = sessions["retries"]
    session = load_session(path)
    from_file = read_session_spans(path)
    live = SessionSpans(
        session_id=from_file.session_id,
        start_unix_ns=from_file.start_unix_ns,
        exact_times=True,
        profile_name=from_file.profile_name,
    )
    builder = SpanBuilder(live)
    for event in session.events:
        builder.apply(event)
    builder.finish()
    assert live.turns == from_file.turns


def test_an_invalid_event_line_stops_the_export_there_and_names_it(
    sessions: dict[str, Path], tmp_path: Path
) -> None:
    lines = sessions["flaky"].read_bytes().split(b"\n")
    lines[5] = b'{"type": "call_finished", "t": 1.0}'
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(b"\n".join(lines))
    spans = read_session_spans(broken)
    assert any(p.startswith("line 6: invalid 'call_finished' event") for p in spans.problems)
