"""Every view of a session tells the same figures: the timeline, analysis, the exporters, the turn
axis, all over the one session fold, on every recorded fixture (docs/session-format.md, "What the
figures mean").

The fixtures: the version-1 files in tests/session/v1, a session SIGKILLed mid-batch by a real child
process (tests/session/killed), and sessions recorded here with the runtime (eager and not, retries,
turns cancelled while a call runs and while the model streams, one slot).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from workbench.analysis import from_recording, read_recording
from workbench.analysis.report import analyse
from workbench.core.events import CallStarted
from workbench.core.facts import Batch, RoundTrip
from workbench.core.fold import DETAIL_TYPES, SessionFold
from workbench.core.timeline import TimelineModel
from workbench.export.source import read_session_spans
from workbench.render.turn_axis import TurnAxisBuilder
from workbench.session import load_session
from workbench.session.reader import _scan_lines, summarise_session
from workbench.session.records import open_recording

from .recorded import profile, record, varied_sessions

HERE = Path(__file__).resolve().parent
FILES = sorted((HERE / "v1").glob("*.jsonl")) + sorted((HERE / "killed").glob("*.jsonl"))


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("agree")
    paths = asyncio.run(varied_sessions(directory))
    # Cancelled while its eager calls run and the model still streams the rest of the response.
    paths["cut"] = directory / "cut.jsonl"
    slow = profile("cut", scripted={"ttft_ms": 0, "tokens_per_s": 100})
    prompt = "sleep(ms=500), sleep(ms=500), sleep(ms=500)"
    asyncio.run(record(paths["cut"], slow, [prompt], cancel_on=[CallStarted]))
    return paths


@dataclass(frozen=True)
class Figures:
    """What a view says about a session, in the terms every view has."""

    round_trips: int
    batches: int
    calls: int
    statuses: dict[str, int]
    walls: dict[str, float]
    waits: dict[str, float]
    sums: dict[str, float]
    peaks: dict[str, int]
    trips: dict[int, tuple[float, float]]
    """Each round trip's start and end (a cut one ends where the fold ends it)."""


def _plain(figures: Figures) -> tuple[object, ...]:
    return (
        figures.round_trips,
        figures.batches,
        figures.calls,
        figures.statuses,
        figures.walls,
        figures.waits,
        figures.sums,
        figures.peaks,
        figures.trips,
    )


def _approx(figures: Figures) -> tuple[object, ...]:
    return (
        figures.round_trips,
        figures.batches,
        figures.calls,
        figures.statuses,
        pytest.approx(figures.walls, abs=1e-9),
        pytest.approx(figures.waits, abs=1e-9),
        pytest.approx(figures.sums, abs=1e-9),
        figures.peaks,
        pytest.approx(figures.trips, abs=1e-9),
    )


def _of_batches(trips: list[RoundTrip], batches: list[Batch]) -> Figures:
    calls = [c for b in batches for c in b.calls]
    stats = {b.batch_id: b.effective_stats() for b in batches}
    return Figures(
        round_trips=len(trips),
        batches=len(batches),
        calls=len(calls),
        statuses=dict(Counter(c.state for c in calls)),
        walls={k: s.wall_s for k, s in stats.items()},
        waits={k: s.wait_s for k, s in stats.items()},
        sums={k: s.sum_s for k, s in stats.items()},
        # Of the batches that finished: the export shows a peak only with the executor's figures.
        peaks={b.batch_id: stats[b.batch_id].peak_concurrency for b in batches if b.finished},
        trips={r.round_trip: (r.start_t, r.end_t if r.end_t is not None else -1.0) for r in trips},
    )


def timeline_view(path: Path) -> Figures:
    model = TimelineModel()
    for event in load_session(path).events:
        model.apply(event)
    model.end()
    totals = model.totals
    figures = _of_batches(model.model_spans, model.batches)
    assert totals.round_trips == figures.round_trips
    assert totals.calls == figures.calls and totals.batches == figures.batches
    assert totals.unfinished == figures.statuses.get("unfinished", 0)
    return figures


def analysis_view(path: Path) -> Figures:
    session = from_recording(read_recording(path))
    batches = [b for turn in session.turns for b in turn.batches.values()]
    report = analyse(session).to_json()
    shown = {b["batch_id"]: b for b in report["batches"]}
    for batch in batches:
        if batch.calls:
            assert shown[batch.batch_id]["calls"] == len(batch.calls)
            assert shown[batch.batch_id]["unfinished_calls"] == batch.unfinished_calls
    return _of_batches([r for t in session.turns for r in t.round_trips], batches)


def export_view(path: Path) -> Figures:
    spans = read_session_spans(path)
    calls = [c for t in spans.turns for c in t.calls]
    by_batch: dict[str, list[float]] = {}
    walls: dict[str, float] = {}
    for turn in spans.turns:
        for batch in turn.batches:
            mine = [c for c in calls if c.batch_id == batch.batch_id]
            if batch.stats is not None:
                walls[batch.batch_id] = batch.stats["wall_s"]
            else:  # cut short: first queued to the end of the recording
                walls[batch.batch_id] = max(c.end for c in mine) - min(c.queued for c in mine)
            by_batch[batch.batch_id] = [c.wait_s for c in mine]
    return Figures(
        round_trips=sum(len(t.round_trips) for t in spans.turns),
        batches=sum(len(t.batches) for t in spans.turns),
        calls=len(calls),
        statuses=dict(Counter(c.status for c in calls)),
        walls=walls,
        waits={k: sum(v) for k, v in by_batch.items()},
        sums={b: sum(c.run_s for c in calls if c.batch_id == b) for b in by_batch},
        peaks={
            b.batch_id: b.stats["peak_concurrency"]
            for t in spans.turns
            for b in t.batches
            if b.stats is not None
        },
        trips={r.number: (r.start, r.end or -1.0) for t in spans.turns for r in t.round_trips},
    )


def listing_view(path: Path) -> None:
    """``workbench sessions`` and the browser: the turns' walls and the span, read without folding
    (by both of the summary's scans), are the session fold's."""
    model = TimelineModel()
    for event in load_session(path).events:
        model.apply(event)
    summary = summarise_session(path)
    assert summary.wall_s == pytest.approx(model.totals.wall_s, abs=1e-9), "listing"
    assert summary.duration_s == pytest.approx(model.last_t, abs=1e-9), "listing"
    body = path.read_bytes().split(b"\n", 1)[1]
    _, last_t, _, _, _, walls = _scan_lines(body[: body.rfind(b"\n") + 1])
    assert (walls, last_t) == pytest.approx((model.totals.wall_s, model.last_t), abs=1e-9)


def turn_axis_view(path: Path) -> tuple[int, int, dict[int, tuple[float, float]]]:
    builder = TurnAxisBuilder()
    for event in load_session(path).events:
        builder.apply(event)
    builder.fold.end()
    axes = builder.axes()
    trips = {
        int(s.label.removeprefix("round trip ")): (s.start, s.end)
        for a in axes
        for s in a.spans
        if s.kind == "model"
    }
    return sum(a.round_trips for a in axes), sum(a.batches for a in axes), trips


def _check(path: Path) -> Figures:
    timeline = timeline_view(path)
    assert _plain(analysis_view(path)) == _approx(timeline), "analysis"
    assert _plain(export_view(path)) == _approx(timeline), "export"
    round_trips, batches, trips = turn_axis_view(path)
    assert (round_trips, batches) == (timeline.round_trips, timeline.batches), "turn axis"
    assert trips == pytest.approx(timeline.trips, abs=1e-9), "turn axis"
    listing_view(path)
    return timeline


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_view_gives_the_same_figures_for_a_recorded_fixture(path: Path) -> None:
    _check(path)


@pytest.mark.parametrize("name", ["eager", "batched", "retries", "cancelled", "mixed", "cut"])
def test_every_view_gives_the_same_figures_for_a_recorded_session(
    recorded: dict[str, Path], name: str
) -> None:
    figures = _check(recorded[name])
    assert figures.calls > 0


def _fold_figures(path: Path, skip: frozenset[str]) -> Figures:
    fold = open_recording(path).fold(SessionFold(), skip)
    return _of_batches(fold.model_spans, fold.batches)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_a_clean_session_read_without_its_detail_lines_has_the_same_figures(path: Path) -> None:
    recording = open_recording(path)
    if not recording.ends_cleanly():
        pytest.skip("a recording cut short is always read whole")
    assert _plain(_fold_figures(path, DETAIL_TYPES)) == _approx(_fold_figures(path, frozenset()))


@pytest.mark.parametrize("name", ["eager", "batched", "retries", "cancelled", "mixed"])
def test_the_figures_measured_from_the_calls_are_the_executors(
    recorded: dict[str, Path], name: str
) -> None:
    """One definition of waiting, walls and sums: the fold's, from the calls, is what the executor
    counted and recorded in ``batch_finished``."""
    model = TimelineModel()
    for event in load_session(recorded[name]).events:
        model.apply(event)
    for batch in model.batches:
        assert batch.stats is not None
        measured, counted = batch.live_stats(), batch.stats
        assert measured.calls == counted.calls
        assert measured.wall_s == pytest.approx(counted.wall_s, abs=1e-9)
        assert measured.sum_s == pytest.approx(counted.sum_s, abs=1e-9)
        assert measured.wait_s == pytest.approx(counted.wait_s, abs=1e-9)
        assert measured.peak_concurrency == counted.peak_concurrency
        assert (measured.ok, measured.errors, measured.timeouts, measured.cancelled) == (
            counted.ok,
            counted.errors,
            counted.timeouts,
            counted.cancelled,
        )


def test_the_killed_session_is_read_as_interrupted_by_every_view() -> None:
    (path,) = (HERE / "killed").glob("*.jsonl")
    figures = _check(path)
    assert figures.statuses == {"ok": 1, "unfinished": 3}
    session = from_recording(read_recording(path))
    assert session.interrupted is not None
    assert session.interrupted.startswith(
        "interrupted: the recording ends while batch b1 was running: 3 of its 4 calls never finished"
    )
    spans = read_session_spans(path)
    assert spans.problems[-1] == session.interrupted
    (turn,) = spans.turns
    assert not turn.complete and [c.status for c in turn.calls].count("unfinished") == 3


def test_a_round_trip_cut_by_a_cancel_ends_at_the_first_sign_in_every_view(
    recorded: dict[str, Path],
) -> None:
    """The turn cancelled while its eager calls ran and the model still streamed: the round trip
    ends at the first cancelled call, not at the turn's end (which comes after the drain)."""
    path = recorded["cut"]
    model = TimelineModel()
    for event in load_session(path).events:
        model.apply(event)
    cut = [r for r in model.model_spans if r.cut]
    assert cut, "the recording has a round trip cut short"
    for trip in cut:
        turn = model.turn(trip.turn)
        assert turn is not None and turn.status == "cancelled"
        cancelled = [
            c.finished_t
            for b in turn.batches.values()
            for c in b.calls
            if c.state == "cancelled" and c.finished_t is not None
        ]
        assert cancelled and trip.end_t == min(cancelled) < (turn.finished_t or 0.0)
    exported = {r.number: r.end for t in read_session_spans(path).turns for r in t.round_trips}
    assert {r.round_trip: r.end_t for r in cut} == {
        r.round_trip: exported[r.round_trip] for r in cut
    }
