"""What each timeline line says: how a call ended in words, real waits only, failures before timings."""

from __future__ import annotations

from rich.style import Style
from textual.app import App, ComposeResult

from tests.fabricate import CallSpec, Round, Script
from workbench.core.settings import ExecutionSettings
from workbench.core.timeline import BatchGroup, TimelineModel
from workbench.render.bars import Axis
from workbench.tui import format as fmt
from workbench.tui.widgets import timeline_rows as rows
from workbench.tui.widgets.timeline import Timeline


def plain(name: str) -> Style:
    return Style()


def batch_of(*calls: CallSpec, settings: ExecutionSettings | None = None) -> BatchGroup:
    model = TimelineModel()
    execution = settings or ExecutionSettings(max_concurrent=2)
    for event in Script().add_turn("go", [Round(calls=calls, execution=execution)]):
        model.apply(event)
    return model.batches[0]


def test_the_status_says_how_a_call_ended() -> None:
    batch = batch_of(
        CallSpec("a", {}, 0.0, 0.32),
        CallSpec("b", {}, 0.0, 0.6, status="timeout"),
        CallSpec("c", {}, 0.0, 0.7, status="error", retries=((0.2, 0.3), (0.4, 0.5))),
        CallSpec("d", {}, None, 0.7, status="cancelled"),
    )
    statuses = [rows.call_status(row, 10.0, 0)[0] for row in batch.calls]
    assert statuses == ["✓ 320 ms", "◷ timeout 600 ms", "✗ error 700 ms ×3", "⊘ not run"]
    assert all(len(text) <= rows.STATUS_WIDTH for text in statuses)


def test_only_a_real_wait_for_a_slot_is_drawn() -> None:
    calls = (CallSpec("quick", {}, 0.002, 0.5), CallSpec("queued", {}, 0.3, 0.5))
    batch = batch_of(*calls, settings=ExecutionSettings(max_concurrent=1))
    start, end = batch.axis()
    axis = Axis(start, end, 50)  # 10 ms a cell
    quick, queued = (
        "".join(s.text for s in rows.call_bar(r, axis, 1.0, plain)) for r in batch.calls
    )
    assert "░" not in quick  # 2 ms of scheduling
    assert queued.startswith("░" * 30)  # 300 ms waiting for the one slot
    # With a slot free when it was queued, the same gap is not waiting for a slot.
    roomy = batch_of(*calls, settings=ExecutionSettings(max_concurrent=2))
    late = "".join(s.text for s in rows.call_bar(roomy.calls[1], axis, 1.0, plain))
    assert "░" not in late


def test_the_header_puts_failures_before_timings_and_the_axis_line_the_settings() -> None:
    batch = batch_of(
        CallSpec("a", {}, 0.0, 0.3, status="error"),
        CallSpec("b", {}, 0.0, 0.3, status="timeout"),
        settings=ExecutionSettings(max_concurrent=2, timeout_s=0.3),
    )
    header = "".join(s.text for s in rows.batch_header(batch, 1.0, plain))
    assert header.index("1 error") < header.index("1 timeout") < header.index("wall")
    assert rows.settings_label(batch, 40) == "concurrent ≤2 · timeout 0.3 s"
    assert rows.settings_label(batch, 12) == "concurrent …"


async def test_the_selected_call_keeps_its_bar_and_muted_parts_stay_muted() -> None:
    model = TimelineModel()
    events = Script().add_turn("go", [Round(calls=(CallSpec("slow", {}, 0.0, 1.0),))])

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield Timeline(model, lambda: model.last_t)

    app = One()
    async with app.run_test(size=(100, 12)) as pilot:
        timeline = app.query_one(Timeline)
        for event in events:
            timeline.note(model.apply(event))
        timeline.flush()
        row = model.batches[0].calls[0]
        timeline.select_call(row.call_id)
        await pilot.pause()
        line = next(
            timeline.render_line(y)
            for y in range(timeline.size.height)
            if "slow" in timeline.render_line(y).text
        )
        assert line.text.startswith("▶slow")
        band = timeline._style("cursor").bgcolor
        bar = [seg for seg in line if "█" in seg.text]
        assert bar and all(seg.style is not None and seg.style.bgcolor == band for seg in bar)
        assert all(seg.style is not None and seg.style.color != band for seg in bar)
        # Translucent theme colours are blended, not drawn opaque white.
        assert timeline._style("wait").color != timeline._style("text").color


def test_arguments_read_as_the_terminal_printer_writes_them() -> None:
    from workbench.render.format import format_args
    from workbench.tui import format as fmt

    for arguments in (
        {"city": "Tokyo"},
        {"city": "New York", "units": "deg C"},
        {"ms": 400, "flags": [1, 2], "q": 'say "hi"', "empty": ""},
        {},
        None,
    ):
        assert fmt.args(arguments) == format_args(arguments)


def test_the_app_draws_a_call_as_the_terminal_does() -> None:
    # One drawing of a call (render.bars) for both: retries, backoff and how it ended.
    from workbench.render.batch import render_batch

    batch = batch_of(
        CallSpec("a", {}, 0.0, 0.6, status="error", retries=((0.2, 0.3), (0.4, 0.5))),
        CallSpec("b", {}, 0.1, 0.5, status="timeout"),
    )
    start, end = batch.axis()
    printed = [line.split()[1] for line in render_batch(batch, 60, False)[:2]]
    width = len(printed[0])
    axis = Axis(start, end, width)
    drawn = [
        # (b's start 100 ms in is no wait: a slot was free, so both draw blanks there.)
        "".join(s.text for s in rows.call_bar(r, axis, 1.0, plain)).strip()
        for r in batch.calls
    ]
    assert drawn == printed
    assert "↻" in drawn[0] and "·" in drawn[0] and drawn[0].endswith("✗")
    assert drawn[1].endswith("◷")


def test_a_running_batch_counts_its_running_calls_up_to_now() -> None:
    from workbench.core.events import CallFinished, CallStarted

    model = TimelineModel()
    calls = (CallSpec("a", {}, 0.0, 2.0), CallSpec("b", {}, 0.0, 3.0))
    started: list[float] = []
    for event in Script().add_turn("go", [Round(calls=calls)]):
        if isinstance(event, CallFinished):
            break
        if isinstance(event, CallStarted):
            started.append(event.t)
        model.apply(event)
    [batch] = model.batches
    now = max(started) + 1.0  # both calls have run for at least a second by now
    header = "".join(s.text for s in rows.batch_header(batch, now, plain))
    wall = now - batch.axis()[0]
    busy = sum(now - t for t in started)
    assert f"wall {fmt.duration(wall)}" in header
    assert f"Σ {fmt.duration(busy)}" in header  # not frozen at the last event
    assert f"×{busy / wall:.2f}" in header


def test_a_round_trip_cut_short_says_so_instead_of_an_empty_answer() -> None:
    from workbench.core.timeline import ModelSpan

    span = ModelSpan(turn=1, round_trip=2, start_t=0.0, end_t=0.4, duration_s=0.4)
    line = "".join(s.text for s in rows.span_line(span, 1.0, 0, plain))
    assert line == "◆ rt 2 · model 400 ms · cut short, no response"
    assert "answer" not in line and "0→0" not in line
