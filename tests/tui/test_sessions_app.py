"""The browser in the app: `workbench replay` without a file opens on it, `/sessions` and the palette
open it over a live session, Enter replays and Esc comes back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fabricate import session_events
from tests.tui.conftest import SIZE, ready, submit, wait_for
from workbench.cli import main
from workbench.core.events import BatchStarted
from workbench.session import SessionRecorder
from workbench.tui.app import WorkbenchApp, create_app
from workbench.tui.screens.live import LiveScreen
from workbench.tui.screens.replay import ReplayScreen
from workbench.tui.screens.sessions import SessionsScreen


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    d = tmp_path / "sessions"
    d.mkdir()
    with SessionRecorder.create(
        d / "one.jsonl", profile={"name": "local", "type": "scripted"}
    ) as r:
        for event in session_events():
            r.record(event)
    return d


async def test_replay_without_a_file_opens_on_the_browser_and_enter_replays(
    directory: Path,
) -> None:
    app = create_app(browse_sessions=True, sessions_dir=directory, replay_speed=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        browser = app.screen
        assert isinstance(browser, SessionsScreen)
        await wait_for(browser.loaded)
        await pilot.pause()
        assert [r.path for r in browser.shown] == [directory / "one.jsonl"]
        await pilot.press("enter")
        await wait_for(app.replay_finished)
        await pilot.pause()
        replay = app.screen
        assert isinstance(replay, ReplayScreen) and replay.path == directory / "one.jsonl"
        recorded = [e.batch_id for e in session_events() if isinstance(e, BatchStarted)]
        assert [b.batch_id for b in replay.model.batches] == recorded
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is browser


async def test_slash_sessions_opens_the_browser_over_the_live_session(app: WorkbenchApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        live = app.screen
        assert isinstance(live, LiveScreen)
        assert any(title.startswith("Sessions") for title, _, _ in live.palette_entries())
        await submit(pilot, "/sessions")
        browser = app.screen
        assert isinstance(browser, SessionsScreen)
        await wait_for(browser.loaded)
        # The live session's own file is what the browser protects from deletion.
        assert list(browser.actions.in_use()) == [Path("fake-session.jsonl")]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is live


def test_the_cli_opens_the_browser_when_replay_has_no_file(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[dict[str, Any]] = []

    class Stub:
        def run_to_exit_code(self) -> int:
            return 0

    def fake_create_app(**kwargs: Any) -> Stub:
        built.append(kwargs)
        return Stub()

    monkeypatch.setattr("workbench.tui.app.create_app", fake_create_app)
    assert main(["replay", "--dir", str(directory), "--speed", "2"]) == 0
    assert built == [{"browse_sessions": True, "sessions_dir": directory, "replay_speed": 2.0}]
    assert main(["replay", "--last", "--dir", str(directory)]) == 0
    assert built[-1] == {"replay": directory / "one.jsonl", "replay_speed": 1.0}


async def test_c_reopens_a_recorded_comparison_side_by_side(tmp_path: Path) -> None:
    import asyncio
    import io

    from workbench.compare.headless import HeadlessCompare
    from workbench.compare.runner import CompareRunner
    from workbench.compare.variants import parse_variants
    from workbench.config import resolve_profile
    from workbench.tools.latency import set_latency_scale
    from workbench.tui.screens.compare import CompareScreen

    profile_file = tmp_path / "fast.yaml"
    profile_file.write_text("type: scripted\nscripted: {ttft_ms: 0, tokens_per_s: 1000000}\n")
    sessions = tmp_path / "sessions"
    previous = set_latency_scale(0.0)
    try:
        runner = CompareRunner(
            resolve_profile(str(profile_file)),
            "sleep(ms=10), sleep(ms=10)",
            parse_variants(["one:parallel=off", "all:max=4"]),
            session_dir=sessions / "compare-1",
        )
        await HeadlessCompare(io.StringIO(), err=io.StringIO()).run(runner)
    finally:
        set_latency_scale(previous)
    app = create_app(browse_sessions=True, sessions_dir=sessions, replay_speed=None)
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        browser = app.screen
        assert isinstance(browser, SessionsScreen)
        await wait_for(browser.loaded)
        [row] = browser.shown
        assert row.compare == ("one", "all")
        await pilot.press("c")
        await pilot.pause()
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        await asyncio.wait_for(compare.finished.wait(), 20)
        await pilot.pause()
        assert compare.verdict_text.startswith("all: ")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is browser
