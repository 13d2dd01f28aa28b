"""The compare screen: one pane per variant, all live, the summary strip, the verdict, Esc cancels."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Static

from workbench.compare.requests import LiveCompare, ReplayCompare
from workbench.compare.variants import parse_variants
from workbench.config.discovery import resolve_profile
from workbench.config.profile import Profile
from workbench.tools.latency import set_latency_scale
from workbench.tui.app import create_app
from workbench.tui.panes.session import SessionPane
from workbench.tui.screens.compare import CompareScreen
from workbench.tui.widgets.summary import SummaryStrip

SIZE = (200, 50)
WAIT_S = 20.0


@pytest.fixture(autouse=True)
def _no_tool_latency() -> Iterator[None]:
    previous = set_latency_scale(0.0)
    yield
    set_latency_scale(previous)


@pytest.fixture
def fast(tmp_path: Path) -> Profile:
    path = tmp_path / "fast.yaml"
    path.write_text("type: scripted\nscripted: {ttft_ms: 0, tokens_per_s: 1000000}\n")
    return resolve_profile(str(path))


def status_cells(screen: CompareScreen) -> list[str]:
    return [row[1] for row in screen.query_one("#summary", SummaryStrip).rows]


async def test_variants_side_by_side_then_the_verdict(fast: Profile, tmp_path: Path) -> None:
    request = LiveCompare(
        fast,
        "sleep(ms=20), sleep(ms=20), sleep(ms=20)",
        parse_variants(["one:parallel=off", "all:max=4"]),
        session_dir=tmp_path,
    )
    app = create_app(compare=request)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert len(screen.query(SessionPane)) == 2
        await asyncio.wait_for(screen.finished.wait(), WAIT_S)
        await pilot.pause()
        assert status_cells(screen) == ["completed", "completed"]
        assert screen.verdict_text.startswith("all: ")
        assert "2 fewer round trips" in screen.verdict_text
        strip = screen.query_one("#summary", SummaryStrip)
        shown = str(strip.render()).splitlines()
        assert len(shown) == 3 and shown[0].split()[:3] == ["variant", "status", "wall"]
        assert shown[1].split()[-1] == "baseline" and shown[2].split()[-2].endswith("×")
        assert shown[2].split()[-1] == "2"  # round trips saved against the baseline
        verdict = screen.query_one("#verdict", Static)
        assert "faster than one" in str(verdict.render())
        # Each pane drew its own variant's calls.
        assert [len(screen.pane(i).model.batches) for i in range(2)] == [3, 1]
        assert (tmp_path / "compare.json").is_file()


async def test_esc_cancels_every_variant_and_each_call_gets_a_result(
    fast: Profile, tmp_path: Path
) -> None:
    request = LiveCompare(
        fast, "sleep(ms=300), hang()", parse_variants(["a:max=1", "b:max=2"]), session_dir=tmp_path
    )
    app = create_app(compare=request)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        await asyncio.wait_for(screen.all_started.wait(), WAIT_S)
        await pilot.press("escape")
        await asyncio.wait_for(screen.finished.wait(), WAIT_S)
        await pilot.pause()
        assert [r.status for r in screen.runs] == ["cancelled", "cancelled"]
        for index in range(2):
            rows = screen.pane(index).model.batches[0].calls
            assert all(row.done for row in rows)
        assert "No verdict" in screen.verdict_text


async def test_q_while_variants_run_cancels_them_and_still_writes_the_manifest(
    fast: Profile, tmp_path: Path
) -> None:
    request = LiveCompare(
        fast, "sleep(ms=300), hang()", parse_variants(["a:max=1", "b:max=2"]), session_dir=tmp_path
    )
    app = create_app(compare=request)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        await asyncio.wait_for(screen.all_started.wait(), WAIT_S)
        await pilot.press("q")
        await asyncio.wait_for(screen.finished.wait(), WAIT_S)
        await pilot.pause()
    assert [r.status for r in screen.runs] == ["cancelled", "cancelled"]
    manifest = json.loads((tmp_path / "compare.json").read_text())
    assert [v["status"] for v in manifest["variants"]] == ["cancelled", "cancelled"]


async def test_a_finished_comparison_replays_side_by_side(fast: Profile, tmp_path: Path) -> None:
    import io

    from workbench.compare.headless import HeadlessCompare
    from workbench.compare.runner import CompareRunner

    runner = CompareRunner(
        fast,
        "sleep(ms=10), sleep(ms=10)",
        parse_variants(["one:parallel=off", "all:max=4"]),
        session_dir=tmp_path,
    )
    await HeadlessCompare(io.StringIO(), err=io.StringIO()).run(runner)
    live_figures = [r.fold.figures for r in runner.runs]
    app = create_app(compare=ReplayCompare(tmp_path / "compare.json", speed=None))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        await asyncio.wait_for(screen.finished.wait(), WAIT_S)
        await pilot.pause()
        assert [r.fold.figures for r in screen.runs] == live_figures
        assert status_cells(screen) == ["completed", "completed"]
        assert screen.verdict_text.startswith("all: ")
    slow = create_app(compare=ReplayCompare(tmp_path / "compare.json", speed=0.01))
    async with slow.run_test(size=SIZE) as pilot:
        screen = slow.screen
        assert isinstance(screen, CompareScreen)
        for _ in range(200):  # until the recordings are read (a thread), a pause at a time
            if screen.runs:
                break
            await pilot.pause(0.01)
        await pilot.pause()
        assert status_cells(screen) == ["replaying", "replaying"]  # not "pending"


async def test_slash_compare_runs_the_last_prompt_over_the_live_session(tmp_path: Path) -> None:
    from textual.widgets import Input

    path = tmp_path / "fast.yaml"
    path.write_text("type: scripted\nscripted: {ttft_ms: 0, tokens_per_s: 1000000}\n")
    app = create_app(profile=str(path))
    async with app.run_test(size=SIZE) as pilot:
        await asyncio.wait_for(app.runtime_ready.wait(), WAIT_S)
        live = app.screen
        prompt = live.query_one("#prompt", Input)
        prompt.focus()
        prompt.value = "sleep(ms=10), sleep(ms=10)"
        await pilot.press("enter")
        await asyncio.wait_for(app.turn_completed.wait(), WAIT_S)
        prompt.value = "/compare --variant one:parallel=off --variant all:max=4"
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        await asyncio.wait_for(screen.finished.wait(), WAIT_S)
        await pilot.pause()
        assert status_cells(screen) == ["completed", "completed"]
        assert [r.name for r in screen.runs] == ["one", "all"]
        await pilot.press("q")
        await pilot.pause()
        assert app.screen is live


def test_compare_command_parses_variants_and_the_prompt() -> None:
    from workbench.tui.commands import CommandError, CompareCommand, parse_command

    command = parse_command('/compare --variant "cap2:max=2" --variant one:parallel=off weather')
    assert command == CompareCommand("weather", ("cap2:max=2", "one:parallel=off"))
    assert parse_command("/compare") == CompareCommand()
    with pytest.raises(CommandError, match="unknown knob 'maxx'"):
        parse_command("/compare --variant a:maxx=2 --variant b:max=1")


async def test_the_demo_opens_on_the_compare_screen_and_says_what_is_simulated(
    tmp_path: Path,
) -> None:
    from workbench.demo.scenario import load_scenario

    scenario = load_scenario("code-review")
    request = LiveCompare(
        resolve_profile("local"),
        scenario.prompt,
        parse_variants(scenario.variants),
        scenario="code-review",
        speed=1000.0,
        session_dir=tmp_path,
    )
    app = create_app(compare=request)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert len(screen.query(SessionPane)) == 3
        await asyncio.wait_for(screen.finished.wait(), WAIT_S)
        await pilot.pause()
        simulated = str(screen.query_one("#simulated", Static).render())
        assert "simulated: model round trip 1500 ms" in simulated and "--speed 1000" in simulated
        repository = str(screen.query_one("#repository", Static).render())
        assert (
            repository.startswith("repository: ") and "8 files changed against main" in repository
        )
        assert status_cells(screen) == ["completed"] * 3
        assert [r.fold.figures.round_trips for r in screen.runs] == [26, 3, 3]
        assert screen.verdict_text.startswith("parallel: ")


async def test_brackets_in_a_prompt_are_text_not_markup(fast: Profile, tmp_path: Path) -> None:
    request = LiveCompare(
        fast,
        'fail(message="[bold]x[/] [/oops]")',
        parse_variants(["a:max=1", "b:max=2"]),
        session_dir=tmp_path,
    )
    app = create_app(compare=request)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        await asyncio.wait_for(screen.finished.wait(), WAIT_S)
        await pilot.pause()
        status = str(screen.query_one("#compare-status", Static).render())
        assert "[/oops]" in status
        # Where to replay it from, before the prompt that the screen's edge may cut.
        assert status.startswith(f"saved {tmp_path / 'compare.json'} (workbench replay it)")
        assert status_cells(screen) == ["completed", "completed"]
