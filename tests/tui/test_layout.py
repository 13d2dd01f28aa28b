"""Panes a user can read at the sizes people use: the compare summary keeps every variant's row from
80 columns up (fewer columns instead), labels use the room there is, and under 80 columns the chat
stacks above the timeline."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.fabricate import CallSpec, Round, Script
from tests.tui.conftest import ready, recording_app, region_text, screen_text
from tests.tui.fakes import FakeFactory, fake_profiles
from workbench.compare.requests import LiveCompare
from workbench.compare.variants import parse_variants
from workbench.config.discovery import resolve_profile
from workbench.tools.latency import set_latency_scale
from workbench.tui.app import create_app
from workbench.tui.screens.compare import CompareScreen
from workbench.tui.screens.live import LiveScreen
from workbench.tui.widgets.summary import SummaryStrip
from workbench.tui.widgets.timeline import Timeline


@pytest.fixture(autouse=True)
def _no_tool_latency() -> Iterator[None]:
    previous = set_latency_scale(0.0)
    yield
    set_latency_scale(previous)


async def finished_compare(pilot: Pilot[None]) -> CompareScreen:
    """The compare screen, once every variant has finished."""
    screen = pilot.app.screen
    assert isinstance(screen, CompareScreen)
    await asyncio.wait_for(screen.finished.wait(), 20)
    await pilot.pause()
    return screen


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 48)])
async def test_the_compare_summary_keeps_every_variant_at_any_width(
    size: tuple[int, int], tmp_path: Path
) -> None:
    path = tmp_path / "fast.yaml"
    path.write_text("type: scripted\nscripted: {ttft_ms: 0, tokens_per_s: 1000000}\n")
    request = LiveCompare(
        resolve_profile(str(path)),
        "sleep(ms=5), sleep(ms=5), sleep(ms=5)",
        parse_variants(
            [
                "sequential:parallel=off,concurrency=off",
                "parallel-emission:concurrency=off",
                "parallel:max=4",
            ]
        ),
        session_dir=tmp_path,
    )
    app = create_app(compare=request)
    async with app.run_test(size=size) as pilot:
        screen = await finished_compare(pilot)
        strip = screen.query_one("#summary", SummaryStrip)
        lines = region_text(app, strip).splitlines()
        assert [line.split()[0] for line in lines] == [
            "variant",
            "sequential",
            "parallel-emission",
            "parallel",
        ]
        assert all(line.rstrip() == line.rstrip("…").rstrip() for line in lines)  # none cut
        assert {"wall", "speedup"} <= set(strip.shown_columns)  # what the verdict is about
        if size[0] >= 160:
            assert len(strip.shown_columns) == len(strip.head)
        words = " ".join(screen_text(app).split())
        assert " ".join(screen.verdict_text.split()) in words  # the verdict wraps, whole


@pytest.mark.parametrize("size", [(60, 20), (80, 20)])
async def test_on_a_short_terminal_the_compare_panes_keep_rows_for_their_timelines(
    size: tuple[int, int], tmp_path: Path
) -> None:
    """At 60x20 the head (status, prompt, summary, verdict, titles) took every row: the panes were
    their borders. The status is held to one line there, the verdict to three, the summary whole."""
    path = tmp_path / "fast.yaml"
    path.write_text("type: scripted\nscripted: {ttft_ms: 0, tokens_per_s: 1000000}\n")
    prompt = ", ".join(f'get_weather(city="City {i}")' for i in range(7))
    variants = ["one:parallel=off,max=1,timeout=0.4", "all:max=10,timeout=0.4,retries=2"]
    request = LiveCompare(
        resolve_profile(str(path)), prompt, parse_variants(variants), session_dir=tmp_path
    )
    app = create_app(compare=request)
    async with app.run_test(size=size) as pilot:
        screen = await finished_compare(pilot)
        await pilot.pause()
        for timeline in screen.query(Timeline):
            assert timeline.content_region.height >= 4
        strip = screen.query_one("#summary", SummaryStrip)
        lines = region_text(app, strip).splitlines()
        assert [line.split()[0] for line in lines] == ["variant", "one", "all"]


async def test_labels_use_the_room_there_is() -> None:
    script = Script()
    long_args = {"path": "inventory/discounts/codes.py"}  # "read_file path=inventory/…" 41 cells
    events = script.add_turn(
        "read it", [Round(calls=(CallSpec("read_file", long_args, 0.0, 0.2),))]
    )
    app = recording_app(runtime_factory=FakeFactory(), profile_lister=fake_profiles)
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        screen = app.screen
        assert isinstance(screen, LiveScreen)
        for event in events:
            await screen.feed(event)
        timeline = screen.query_one(Timeline)
        timeline.flush()
        await pilot.pause()
        assert "read_file path=inventory/discounts/codes.py" in region_text(app, timeline)


async def test_under_80_columns_the_chat_stacks_above_the_timeline() -> None:
    app = recording_app(runtime_factory=FakeFactory(), profile_lister=fake_profiles)
    async with app.run_test(size=(60, 20)) as pilot:
        await ready(pilot)
        chat = app.screen.query_one("#chat")
        timeline = app.screen.query_one(Timeline)
        assert chat.region.bottom <= timeline.region.y  # above, not beside
        assert timeline.region.width >= 56  # the whole width, not 18 columns


@pytest.mark.parametrize("size", [(60, 20), (70, 24)])
async def test_stacked_the_chat_keeps_rows_to_read(size: tuple[int, int]) -> None:
    """At 60x20 the chat got no row at all (its two borders and the prompt under them): the
    answer could not be read. It keeps two at least, the timeline the rest."""
    app = recording_app(runtime_factory=FakeFactory(), profile_lister=fake_profiles)
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        chat = app.screen.query_one("#chat")
        timeline = app.screen.query_one(Timeline)
        assert chat.content_region.height >= 2
        assert timeline.content_region.height >= 4
        inside = region_text(app, chat).splitlines()[1:-1]
        assert any(line.strip("│ ") for line in inside)  # the welcome's text, readable
