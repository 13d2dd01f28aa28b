"""A SessionPane on its own: fed from a stream of events, several on one screen, each its own view."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import Markdown

from tests.fabricate import Script, concurrent_turn, failing_turn
from tests.tui.conftest import region_text
from workbench.core.events import Event
from workbench.tui.panes.session import FRAME_HZ, REFRESH_HZ, RedrawRota, SessionPane
from workbench.tui.widgets.chat import ToolChip


class TwoPanes(App[None]):
    def compose(self) -> ComposeResult:
        with Horizontal():
            yield SessionPane(replay=True, id="a")
            yield SessionPane(replay=True, id="b", classes="-timeline-only")


async def stream(events: list[Event]) -> AsyncIterator[Event]:
    for event in events:
        yield event


async def test_two_panes_follow_their_own_streams() -> None:
    app = TwoPanes()
    async with app.run_test(size=(200, 40)) as pilot:
        a, b = app.query_one("#a", SessionPane), app.query_one("#b", SessionPane)
        script = Script()
        first, second = concurrent_turn(script), failing_turn(Script())
        workers = [a.follow(stream(first)), b.follow(stream(second))]
        for worker in workers:
            await worker.wait()
        for pane in (a, b):
            pane.redraw(busy=False)
        await pilot.pause()
        assert [t.prompt for t in a.model.turns] != [t.prompt for t in b.model.turns]
        assert len(a.model.batches) == 1 and len(b.model.batches) == 1
        assert "round trips 2" in str(a.totals.render())
        assert a.chat.display and a.chat.region.width > 0
        assert b.chat.region.width == 0 and b.timeline.region.width > a.timeline.region.width
        shown_a = region_text(app, a.timeline)
        shown_b = region_text(app, b.timeline)
        assert "1 timeout" in shown_b and "1 timeout" not in shown_a
        # Selecting in one pane shows the call in that pane's details only.
        row = b.model.batches[0].calls[0]
        assert b.timeline.select_call(row.call_id)
        b.show_selected()
        assert b.details.call_id == row.call_id and a.details.call_id is None


def transcript(pane: SessionPane) -> list[str]:
    """The chat as a reader sees it: each message, chip (with its state) and note, in order."""
    lines: list[str] = []
    for child in pane.chat.children:
        if isinstance(child, ToolChip):
            lines.append(f"{child.call_id} {child.state} {child.duration}")
        elif isinstance(child, Markdown):
            lines.append(f"answer: {child.source}")
        else:
            lines.append(f"{type(child).__name__}: {child.render()!s:.60}")
    return lines


async def test_a_hidden_chat_is_written_only_when_shown_and_then_in_full() -> None:
    app = TwoPanes()
    async with app.run_test(size=(200, 40)) as pilot:
        a, b = app.query_one("#a", SessionPane), app.query_one("#b", SessionPane)
        script = Script()
        events = concurrent_turn(script) + failing_turn(script)
        for pane in (a, b):
            await pane.follow(stream(events)).wait()
        await b.add_note("a note of the screen's own")
        await a.add_note("a note of the screen's own")
        await pilot.pause()
        assert not b.chat_shown and not b.chat.children  # nothing built that nobody could see
        assert len(b.model.batches) == 2  # the timeline is drawn as ever
        await b.show_chat()
        await pilot.pause()
        assert b.chat_shown and not b.has_class("-timeline-only") and b.chat.region.width > 0
        assert transcript(b) == transcript(a) and len(transcript(a)) > 8
        assert any("cancelled" in line for line in transcript(b))  # the states as they ended
        await b.show_chat(False)
        assert b.has_class("-timeline-only") and not b.chat_shown


class Counting:
    def __init__(self) -> None:
        self.ticks = 0

    def tick(self) -> None:
        self.ticks += 1


def test_a_rota_redraws_one_pane_a_frame_each_in_turn() -> None:
    four = [Counting() for _ in range(4)]
    rota = RedrawRota(four)
    assert rota.period == pytest.approx(1 / FRAME_HZ)  # 15 redraws a second each
    seen = []
    for _ in range(8):
        before = [pane.ticks for pane in four]
        rota.tick()
        changed = [i for i, pane in enumerate(four) if pane.ticks != before[i]]
        assert len(changed) == 1
        seen.append(changed[0])
    assert seen == [0, 1, 2, 3, 0, 1, 2, 3]
    assert RedrawRota([Counting(), Counting()]).period == pytest.approx(1 / (2 * REFRESH_HZ))
