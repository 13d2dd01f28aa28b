"""The session browser: the listing in a table, type to filter, Enter replays, c compares, d deletes
after a confirmation, Esc leaves; driven from the keyboard as a user would."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from textual.app import App
from textual.events import Key
from textual.notifications import SeverityLevel
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from tests.fabricate import idle_between_turns, session_events
from tests.tui.conftest import Shown, screen_text, wait_for
from workbench.core.events import TurnStarted
from workbench.session import SessionRecorder
from workbench.tui.screens.sessions import ConfirmDelete, SessionActions, SessionsScreen

SIZE = (140, 30)


def record(path: Path, *prompts: str, full: bool = False) -> Path:
    with SessionRecorder.create(path, profile={"name": "local", "type": "scripted"}) as recorder:
        if full:
            for event in session_events():
                recorder.record(event)
        for i, prompt in enumerate(prompts, start=1):
            recorder.record(TurnStarted(t=float(i), turn=i, prompt=prompt))
    return path


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    d = tmp_path / "sessions"
    d.mkdir()
    record(d / "a.jsonl", "weather in Tokyo")
    record(d / "b.jsonl", full=True)
    record(d / "c.jsonl", "what's the date?", "and the time in Lima")
    (d / "junk.jsonl").write_text("not a session\n")
    return d


class Host(App[None]):
    def __init__(
        self, directory: Path, *, with_compare: bool = False, recording: Path | None = None
    ) -> None:
        super().__init__()
        self.directory = directory
        self.replayed: list[Path] = []
        self.compared: list[Path] = []
        self.shown: list[Shown] = []
        self.actions = SessionActions(
            replay=self.replayed.append,
            compare=self.compared.append if with_compare else None,
            in_use=lambda: [recording] if recording is not None else [],
        )

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        self.shown.append(Shown(message, title, severity))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    async def on_mount(self) -> None:
        await self.push_screen(SessionsScreen(self.directory, self.actions, closable=False))

    @property
    def browser(self) -> SessionsScreen:
        screen = self.screen
        assert isinstance(screen, SessionsScreen)
        return screen


async def loaded(pilot: Pilot[None]) -> SessionsScreen:
    app = pilot.app
    assert isinstance(app, Host)
    await pilot.pause()
    await wait_for(app.browser.loaded)
    await pilot.pause()
    await pilot.pause()  # the table measures its new rows on the refresh after they were added
    return app.browser


def names(screen: SessionsScreen) -> list[str]:
    return [row.path.name for row in screen.shown]


def table_rows(screen: SessionsScreen) -> list[str]:
    """The table's rows as text (what a user reads once the table has measured its columns, which
    it does on a later refresh: the screen's text can lag a frame behind)."""
    table = screen.query_one(DataTable)
    return ["  ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


async def test_rows_newest_first_with_the_skipped_files_counted(directory: Path) -> None:
    app = Host(directory)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        assert names(screen) == ["c.jsonl", "b.jsonl", "a.jsonl"]
        rows = table_rows(screen)
        assert "what's the date?" in rows[0] and "weather in Tokyo" in rows[2]
        # turns, calls, failures, wall (two turns started, none finished: the last one, 0 ms), span
        assert "2  0  0  0 ms  2 s" in rows[0]
        text = screen_text(app)
        assert "3 of 3 sessions" in text
        assert "skipped 1 file" in text
        assert screen.focused is screen.query_one(DataTable)


def record_idle_session(directory: Path) -> Path:
    """Two 2-second turns ten minutes apart, recorded as ``idle.jsonl``."""
    path = directory / "idle.jsonl"
    with SessionRecorder.create(path, profile={"name": "idle"}) as recorder:
        for event in idle_between_turns():
            recorder.record(event)
    return path


async def test_wall_is_the_turns_walls_and_span_includes_the_idle_time(tmp_path: Path) -> None:
    """Two 2-second turns ten minutes apart: the wall column says 4 s (it said 10m 05s), the span
    10m 05s, under headers that name them."""
    record_idle_session(tmp_path)
    app = Host(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        table = screen.query_one(DataTable)
        key = str(tmp_path / "idle.jsonl")
        assert str(table.get_cell(key, "wall")) == "4 s"
        assert str(table.get_cell(key, "span")) == "10m 05s"
        text = screen_text(app)
        assert re.search(r"wall\s+span\s+size", text)
        assert re.search(r"4 s\s+10m 05s", text)


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (100, 30)])
async def test_a_narrow_table_drops_columns_and_keeps_the_walls_on_screen(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    """At 80 columns the table ran off the right edge: calls, failures, wall, span and size were
    off screen. It drops the least telling columns (provider/model, size, profile, ...) instead:
    the prompt, the turns, the wall and the span stay in view."""
    record_idle_session(tmp_path)
    app = Host(tmp_path)
    async with app.run_test(size=size) as pilot:
        screen = await loaded(pilot)
        table = screen.query_one(DataTable)
        assert table.virtual_size.width <= table.scrollable_content_region.width
        text = screen_text(app)
        header = next(line for line in text.splitlines() if " turns " in line)
        assert re.search(r"first prompt\s.*\sturns\s.*\swall\s+span", header)
        assert re.search(r"weather in Tokyo.*\s2\s.*\s4 s\s+10m 05s", text)
        if size[0] >= 80:
            assert re.search(r"\scalls\s+fail\s", header)
        if size[0] >= 100:
            assert "created" in header and "size" in header


async def test_typing_filters_and_enter_replays_the_highlighted_session(directory: Path) -> None:
    app = Host(directory)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await pilot.press("l", "i", "m", "a")  # matches the second prompt of c.jsonl
        await pilot.pause()
        assert screen.query_one("#filter", Input).value == "lima"
        assert names(screen) == ["c.jsonl"]
        assert "1 of 3 sessions" in screen_text(app)
        await pilot.press("enter")
        assert app.replayed == [directory / "c.jsonl"]
        await pilot.press("escape")  # clears the filter, back on the table
        await pilot.pause()
        assert names(screen) == ["c.jsonl", "b.jsonl", "a.jsonl"]
        await pilot.press("down", "enter")
        assert app.replayed[-1] == directory / "b.jsonl"


@pytest.mark.parametrize("word", ["local", "red", "a/b"])
async def test_keys_typed_at_once_on_the_table_all_go_to_the_filter(
    directory: Path, word: str
) -> None:
    """Keys that arrive in one read (fast typing, tmux, a paste) land in the filter: a ``c``, ``d``
    or ``/`` after the first was taken as the table's binding while the focus moved ("local"
    filtered for "loal"; "red" opened the delete confirmation)."""
    app = Host(directory, with_compare=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        for key in word:  # as the driver posts them, without waiting between
            app.post_message(Key("slash" if key == "/" else key, key))
        await pilot.pause()
        await pilot.pause()
        assert screen.query_one("#filter", Input).value == word
        assert app.screen is screen  # no confirmation opened
        assert app.compared == []


async def test_arrows_in_the_filter_move_the_selection_and_enter_opens_it(
    directory: Path,
) -> None:
    app = Host(directory)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        screen.query_one("#filter", Input).focus()
        await pilot.pause()
        await pilot.press("down", "down")
        assert screen.selected is not None and screen.selected.path.name == "a.jsonl"
        await pilot.press("up")
        assert isinstance(app.focused, Input)  # still typing: the filter keeps focus
        await pilot.press("enter")
        assert app.replayed == [directory / "b.jsonl"]


async def test_a_filter_that_matches_nothing_leaves_an_empty_table(directory: Path) -> None:
    app = Host(directory)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await pilot.press("z", "z", "z")
        await pilot.pause()
        assert names(screen) == []
        await pilot.press("enter")
        assert app.replayed == []


async def test_d_deletes_only_after_a_confirmation(directory: Path) -> None:
    app = Host(directory)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDelete)
        assert "Delete this session?" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert (directory / "c.jsonl").exists()
        top: object = app.screen
        assert top is screen
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await wait_for(screen.loaded)
        await pilot.pause()
        assert not (directory / "c.jsonl").exists()
        assert names(screen) == ["b.jsonl", "a.jsonl"]


def compare_run(directory: Path) -> Path:
    run = directory / "compare-1"
    run.mkdir()
    record(run / "1-parallel.jsonl", "weather in Oslo")
    record(run / "2-sequential.jsonl", "weather in Oslo")
    manifest = run / "compare.json"
    manifest.write_text(
        json.dumps(
            {
                "prompt": "weather in Oslo",
                "variants": [
                    {"name": "parallel", "session": "1-parallel.jsonl"},
                    {"name": "sequential", "session": "2-sequential.jsonl"},
                ],
            }
        )
    )
    return manifest


async def test_c_opens_a_compare_run_side_by_side(directory: Path) -> None:
    manifest = compare_run(directory)
    app = Host(directory, with_compare=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        assert names(screen)[0] == "compare.json"
        assert "[compare: parallel, sequential]" in table_rows(screen)[0]
        await pilot.press("c")
        assert app.compared == [manifest]
        await pilot.press("down", "c")  # not a compare run: nothing opens
        assert app.compared == [manifest]


async def test_without_a_compare_screen_c_says_so_and_enter_replays_a_variant(
    directory: Path,
) -> None:
    manifest = compare_run(directory)
    app = Host(directory)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert any("not in this workbench yet" in n.message for n in app.shown)
        await pilot.press("enter")
        assert app.replayed == [manifest.parent / "1-parallel.jsonl"]


async def test_a_missing_directory_says_so(tmp_path: Path) -> None:
    app = Host(tmp_path / "nope")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert f"no sessions: {tmp_path / 'nope'} does not exist" in screen_text(app)


async def test_escape_on_the_first_screen_quits(directory: Path) -> None:
    app = Host(directory)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert app.return_code == 0


async def test_deleting_a_compare_run_removes_its_files_and_nothing_outside(
    directory: Path, tmp_path: Path
) -> None:
    manifest = compare_run(directory)
    outside = record(tmp_path / "elsewhere.jsonl", "weather in Oslo")
    data = json.loads(manifest.read_text())
    data["variants"].append({"name": "outside", "session": "../../elsewhere.jsonl"})
    manifest.write_text(json.dumps(data))
    app = Host(directory)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        assert names(screen)[0] == "compare.json"
        await pilot.press("d")
        await pilot.pause()
        assert "Delete this compare run?" in screen_text(app)
        await pilot.press("y")
        await wait_for(screen.loaded)
        await pilot.pause()
        assert not manifest.parent.exists()  # its sessions, the manifest and the emptied folder
        assert outside.exists()
        assert names(screen) == ["c.jsonl", "b.jsonl", "a.jsonl"]


async def test_the_session_being_recorded_is_marked_and_cannot_be_deleted(directory: Path) -> None:
    app = Host(directory, recording=directory / "c.jsonl")
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        assert "● recording · what's the date?" in table_rows(screen)[0]
        await pilot.press("d")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDelete)
        assert any("being recorded" in n.message for n in app.shown)
        assert (directory / "c.jsonl").exists()
        assert names(screen) == ["c.jsonl", "b.jsonl", "a.jsonl"]
