"""SVG snapshots of every screen at the sizes people use (80x24, 100x30, 160x48), fed with
deterministic synthetic events (no wall clock, no temporary paths on screen, no blinking).

The live demo's timings come from a real run and cannot be fixed, so the demo screen is its
recording replayed (the same screen, the same panes). Update after an intended change with:
pytest tests/tui/test_snapshot_screens.py --snapshot-update
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input

from tests.fabricate import CallSpec, Round, Script, concurrent_turn, failing_turn
from tests.tui.conftest import WAIT_S
from tests.tui.test_snapshots import SnapCompare, feeding, live_app
from workbench.compare.requests import ReplayCompare
from workbench.core.events import Event
from workbench.core.settings import EmissionSettings, ExecutionSettings
from workbench.session import SessionRecorder
from workbench.tui.app import create_app
from workbench.tui.screens.compare import CompareScreen
from workbench.tui.screens.replay import ReplayScreen
from workbench.tui.screens.sessions import SessionsScreen
from workbench.tui.screens.whatif import WhatIfScreen
from workbench.tui.widgets.timeline import Timeline

SIZES = [(80, 24), (100, 30), (160, 48)]
CREATED = "2026-01-02T03:04:05.000000Z"
T0_NS = 1_767_323_045_000_000_000


def recorded(path: Path, events: list[Event], name: str = "local") -> Path:
    """A session file whose header says the same thing in every run."""
    recorder = SessionRecorder.create(
        path,
        profile={"name": name, "type": "scripted", "model": "demo"},
        t0_unix_ns=T0_NS,
        session_id="0123456789abcdef",
    )
    for event in events:
        recorder.record(event)
    recorder.close()
    head, _, rest = path.read_text(encoding="utf-8").partition("\n")
    header = json.loads(head)
    header["created"] = CREATED
    path.write_text(json.dumps(header, separators=(",", ":")) + "\n" + rest, encoding="utf-8")
    return path


def variant_events(parallel: bool, concurrent: bool) -> list[Event]:
    """One prompt's three calls under a variant's settings, on a fixed clock."""
    cities = ("Tokyo", "Paris", "Lima")
    # One after another when not concurrent, all at once when they are.
    calls = tuple(
        CallSpec(
            "get_weather",
            {"city": c},
            0.0 if concurrent else 0.3 * i,
            0.3 * (1 if concurrent else i + 1),
        )
        for i, c in enumerate(cities)
    )
    execution = ExecutionSettings(concurrent=concurrent)
    emission = EmissionSettings(parallel=parallel)
    script = Script()
    if parallel:
        rounds = [Round(calls=calls, execution=execution, emission=emission)]
    else:  # one call per response: each its own batch
        rounds = [
            Round(
                calls=(CallSpec("get_weather", {"city": c}, 0.0, 0.3),),
                execution=execution,
                emission=emission,
            )
            for c in cities
        ]
    return script.add_turn("weather in Tokyo, Paris and Lima", [*rounds, Round(text="Done.")])


def comparison(folder: Path, variants: list[tuple[str, str, bool, bool]]) -> Path:
    """A compare folder (sessions and manifest) as ``workbench compare`` leaves one."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for index, (name, knobs, parallel, concurrent) in enumerate(variants, start=1):
        session = f"{index}-{name}.jsonl"
        recorded(folder / session, variant_events(parallel, concurrent))
        entries.append(
            {
                "name": name,
                "status": "completed",
                "error": None,
                "session": session,
                "settings": {"knobs": knobs},
            }
        )
    manifest = {
        "kind": "workbench-compare",
        "version": 1,
        "prompt": "weather in Tokyo, Paris and Lima",
        "profile": "local",
        "baseline": variants[0][0],
        "variants": entries,
    }
    path = folder / "compare.json"
    path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return path


async def settle(pilot: Pilot[None]) -> None:
    """No blinking cursor, and every scrolling view at its end (where following leaves it, but
    without waiting on a refresh that may come a frame apart from run to run)."""
    screen = pilot.app.screen
    for prompt in screen.query(Input):
        prompt.cursor_blink = False
    await pilot.pause()
    for view in screen.query("*"):
        if isinstance(view, Widget) and view.is_scrollable and view.max_scroll_y > 0:
            view.scroll_end(animate=False, immediate=True, x_axis=False)
    screen.refresh(layout=True)  # the scrollbars as a layout leaves them, whatever came before
    await pilot.pause()
    for timeline in screen.query(Timeline):
        timeline.flush()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_live(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    script = Script()
    events = concurrent_turn(script) + failing_turn(script)
    feed = feeding(events)

    async def run_before(pilot: Pilot[None]) -> None:
        await feed(pilot)
        await settle(pilot)

    assert snap_compare(live_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_what_if(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    script = Script()
    feed = feeding(concurrent_turn(script) + failing_turn(script))

    async def run_before(pilot: Pilot[None]) -> None:
        await feed(pilot)
        await settle(pilot)
        await pilot.press("ctrl+w")
        await pilot.pause()
        assert isinstance(pilot.app.screen, WhatIfScreen)

    assert snap_compare(live_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_replay(
    snap_compare: SnapCompare,
    size: tuple[int, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    script = Script()
    recorded(Path("session.jsonl"), concurrent_turn(script) + failing_turn(script))
    app = create_app(replay=Path("session.jsonl"), replay_speed=None)

    async def run_before(pilot: Pilot[None]) -> None:
        await asyncio.wait_for(app.replay_finished.wait(), WAIT_S)
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        screen.query_one(Timeline).flush()
        screen.pane.redraw(busy=False)
        await settle(pilot)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def _compare_snapshot(snap_compare: SnapCompare, size: tuple[int, int], manifest: Path) -> bool:
    app = create_app(compare=ReplayCompare(manifest, speed=None))

    async def run_before(pilot: Pilot[None]) -> None:
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        await asyncio.wait_for(screen.finished.wait(), WAIT_S)
        for pane in screen.query("SessionPane"):
            pane.redraw(busy=False)  # type: ignore[attr-defined]
        await settle(pilot)

    return snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_compare(
    snap_compare: SnapCompare,
    size: tuple[int, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    manifest = comparison(
        Path("compare-run"),
        [("one", "parallel=off", False, True), ("all", "max=10", True, True)],
    )
    assert _compare_snapshot(snap_compare, size, manifest)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_demo(
    snap_compare: SnapCompare,
    size: tuple[int, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    manifest = comparison(
        Path("demo-run"),
        [
            ("sequential", "parallel=off,concurrency=off", False, False),
            ("parallel-emission", "parallel=on,concurrency=off", True, False),
            ("parallel", "parallel=on,concurrency=on", True, True),
        ],
    )
    assert _compare_snapshot(snap_compare, size, manifest)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_sessions(
    snap_compare: SnapCompare,
    size: tuple[int, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = Path("sessions")
    folder.mkdir()
    script = Script()
    recorded(folder / "a.jsonl", concurrent_turn(script))
    recorded(folder / "b.jsonl", failing_turn(Script()), name="openai-chat")
    app = create_app(browse_sessions=True, sessions_dir=folder)

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SessionsScreen)
        await asyncio.wait_for(screen.loaded.wait(), WAIT_S)
        await pilot.pause()
        # Listed again now that the table has its width (the first listing may come before it).
        screen.action_reload()
        await asyncio.wait_for(screen.loaded.wait(), WAIT_S)
        await settle(pilot)
        await pilot.pause()
        await pilot.pause()  # the table measures its new rows on the refresh after they were added

    assert snap_compare(app, terminal_size=size, run_before=run_before)
