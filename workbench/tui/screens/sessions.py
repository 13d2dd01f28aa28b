"""The session browser: every recording of a directory in a table, newest first, keyboard first.

Type to filter (every word must appear in a prompt, the profile, provider, model or a variant's
name), Enter replays, ``c`` opens a compare run side by side, ``d`` deletes after a confirmation.
The rows are the ones ``workbench sessions`` prints (workbench/session/listing.py), loaded in a thread
so a large directory never holds the first frame. What Enter and ``c`` open is the opener's choice
(:class:`SessionActions`): this screen knows nothing of the replay or compare screens.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Key
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Input, Label, Static

from workbench.render.listing import (
    COLUMNS,
    PROMPT_COLUMN,
    RIGHT,
    cut,
    fit_columns,
    format_size,
    row_cells,
)
from workbench.session.listing import Listing, SessionRow, list_rows
from workbench.tui.widgets.key_footer import KeyFooter

_TABLE_KEYS = {
    "up": "cursor_up",
    "down": "cursor_down",
    "pageup": "page_up",
    "pagedown": "page_down",
}
"""Keys in the filter that go to the table: what it would do with them."""
Opener = Callable[[Path], Awaitable[None] | None]
MIN_PROMPT_WIDTH, MAX_PROMPT_WIDTH = 16, 80


def _none_in_use() -> Collection[Path]:
    return ()


@dataclass(frozen=True, slots=True)
class SessionActions:
    """What the browser's keys open; None: not available in this app (the key says so)."""

    replay: Opener
    """Enter: replay one session file."""
    compare: Opener | None = None
    """``c``: reopen a compare run from its manifest, side by side."""
    in_use: Callable[[], Collection[Path]] = _none_in_use
    """The session files being recorded right now: marked in the table, and never deleted (the
    recorder would go on writing to a file no one can open)."""


class SessionsScreen(Screen[None]):
    CSS_PATH = Path(__file__).with_name("sessions.tcss")
    AUTO_FOCUS = "#sessions"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("enter", "replay", "Replay"),
        Binding("c", "compare", "Compare side by side"),
        Binding("d", "delete", "Delete"),
        Binding("slash", "focus_filter", "Filter"),
        Binding("f5", "reload", "Reload", show=False),
    ]

    def __init__(
        self, directory: Path | None, actions: SessionActions, *, closable: bool = True
    ) -> None:
        super().__init__()
        self.directory = directory
        """None: the user's sessions directory."""
        self.actions = actions
        self.closable = closable
        """Esc returns to the screen below; False when the browser is the app's first screen (Esc
        quits)."""
        self.listing: Listing | None = None
        self.shown: list[SessionRow] = []
        """The rows in the table, in order (the filter applied)."""
        self.columns: list[int] = []
        """The columns shown, as indexes of :data:`COLUMNS` (a narrow table drops some)."""
        self.loaded = asyncio.Event()
        """Set each time the listing has been read and drawn (tests wait on it)."""

    def compose(self) -> ComposeResult:
        yield Static("Sessions", id="browser-title")
        yield Input(
            placeholder="Type to filter: prompt, profile, model…",
            id="filter",
            select_on_focus=False,
        )
        table: DataTable[str | Text] = DataTable(
            id="sessions", cursor_type="row", zebra_stripes=True
        )
        yield table
        yield Static("reading…", id="browser-status")
        yield KeyFooter()

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one("#sessions", DataTable)

    @property
    def filter(self) -> Input:
        return self.query_one("#filter", Input)

    def on_mount(self) -> None:
        self._set_columns(list(range(len(COLUMNS))))

    def on_resize(self) -> None:
        self.call_after_refresh(self._show)  # the columns that fit the new width

    def _set_columns(self, columns: list[int]) -> None:
        """The table's columns: these of :data:`COLUMNS` (indexes), in order."""
        self.columns = columns
        table = self.table
        table.clear(columns=True)
        for i in columns:
            name = COLUMNS[i]
            table.add_column(Text(name, justify="right" if i in RIGHT else "left"), key=name)

    def on_screen_resume(self) -> None:
        """On opening, and on coming back from a replay: the live session may have recorded more."""
        self.action_reload()

    # -- loading and filtering --------------------------------------------------------------------

    def action_reload(self) -> None:
        self.loaded.clear()
        self._load()

    # Exclusive: a reload replaces one still running; the decorator starts the method only when
    # the worker runs, so one replaced before it started leaves nothing un-awaited.
    @work(group="sessions", exclusive=True, exit_on_error=False, description="list sessions")
    async def _load(self) -> None:
        try:
            listing = await asyncio.to_thread(list_rows, self.directory)
        except OSError as exc:  # the directory vanished or is unreadable mid-listing
            self.query_one("#browser-status", Static).update(
                f"cannot list sessions: {exc.strerror or exc}"
            )
            self.loaded.set()
            return
        self.listing = listing
        self.query_one("#browser-title", Static).update(
            Text.assemble(("Sessions ", "bold"), (str(listing.directory), "dim"))
        )
        self._show()
        self.loaded.set()

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self._show()

    def _show(self) -> None:
        listing = self.listing
        if listing is None:
            return
        words = self.filter.value.casefold().split()
        keep = [row for row in listing.rows if all(w in _haystack(row) for w in words)]
        selected = self.selected
        self.shown = keep
        table = self.table
        recording = self._recording()
        rows = []
        for row in keep:
            cells = row_cells(row)
            if recording.intersection(p.resolve() for p in row.sessions):
                cells[PROMPT_COLUMN] = "● recording · " + cells[PROMPT_COLUMN]
            rows.append(cells)
        available = table.scrollable_content_region.width or self.app.size.width - 4
        widths = _widths(rows)
        # The prompt at its least, and the table's scrollbar gutter.
        columns = fit_columns(
            [*widths[:PROMPT_COLUMN], MIN_PROMPT_WIDTH + 3, *widths[PROMPT_COLUMN + 1 :]], available
        )
        if columns != self.columns:
            self._set_columns(columns)
        else:
            table.clear()
        others = sum(widths[i] for i in columns if i != PROMPT_COLUMN)
        width = max(MIN_PROMPT_WIDTH, min(MAX_PROMPT_WIDTH, available - others - 3))
        for row, cells in zip(keep, rows, strict=True):
            cells[PROMPT_COLUMN] = cut(cells[PROMPT_COLUMN], width)
            table.add_row(
                *(
                    Text(cells[i], style=_style(row, i), justify="right" if i in RIGHT else "left")
                    for i in columns
                ),
                key=str(row.path),
            )
        if selected is not None and selected in keep:
            table.move_cursor(row=keep.index(selected), animate=False)
        self._status()

    def _recording(self) -> set[Path]:
        return {p.resolve() for p in self.actions.in_use()}

    def _status(self) -> None:
        listing = self.listing
        if listing is None:
            return
        if not listing.exists:
            text = f"no sessions: {listing.directory} does not exist"
        elif not listing.rows:
            text = f"no sessions in {listing.directory}"
        else:
            total = sum(r.bytes for r in listing.rows)
            text = f"{len(self.shown)} of {len(listing.rows)} sessions · {format_size(total)}"
            if self.filter.value.strip():
                text += f" · filter {self.filter.value.strip()!r}"
        if listing.skipped:
            n = len(listing.skipped)
            text += f" · skipped {n} {'file that is not a session' if n == 1 else 'files that are not sessions'}"
        self.query_one("#browser-status", Static).update(text)

    @property
    def selected(self) -> SessionRow | None:
        if not self.shown:
            return None
        row = self.table.cursor_row
        return self.shown[row] if 0 <= row < len(self.shown) else None

    # -- keys -------------------------------------------------------------------------------------

    def on_key(self, event: Key) -> None:
        """Typing on the table starts the filter: the first character moves focus to it. The
        arrows typed in the filter move the table's cursor (Enter opens that row)."""
        move = _TABLE_KEYS.get(event.key)
        if self.focused is self.filter and move is not None:
            event.stop()
            event.prevent_default()
            getattr(self.table, f"action_{move}")()
            return
        if not (event.is_printable and event.character):
            return
        if self.focused is self.table:
            if event.character in {"c", "d", "/"}:
                return  # bindings
            self.set_focus(self.filter)
        elif self.focused is not self.filter:
            return
        # With the filter focused, a printable key gets here only from the table: it came in the
        # same read as the first (fast typing, a paste), sent to the table before the focus moved.
        # It belongs in the filter, a ``c``, ``d`` or ``/`` too, not to the table's bindings.
        event.stop()
        event.prevent_default()
        self.filter.insert_text_at_cursor(event.character)

    @on(Input.Submitted, "#filter")
    async def _filter_submitted(self) -> None:
        await self.action_replay()

    def action_focus_filter(self) -> None:
        self.filter.focus()

    async def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        await self.action_replay()

    async def action_replay(self) -> None:
        row = self.selected
        if row is None:
            return
        if not row.sessions:
            self.notify("This compare run has no session to replay.", severity="warning")
            return
        if row.compare is not None and self.actions.compare is not None:
            await _call(self.actions.compare, row.path)
            return
        await _call(self.actions.replay, row.sessions[0])

    async def action_compare(self) -> None:
        row = self.selected
        if row is None:
            return
        if row.compare is None:
            self.notify("Not a compare run: Enter replays it.", severity="information")
            return
        if self.actions.compare is None:
            self.notify(
                "Side-by-side replay of a compare run is not in this workbench yet; Enter replays"
                " its first variant.",
                severity="warning",
            )
            return
        await _call(self.actions.compare, row.path)

    def action_delete(self) -> None:
        row = self.selected
        if row is None:
            return
        files = [*row.sessions, *([row.path] if row.compare is not None else [])]
        # A manifest may name sessions anywhere; only what lives in the listed directory goes.
        top = (self.listing.directory if self.listing is not None else row.path.parent).resolve()
        files = [p for p in files if p.resolve().is_relative_to(top)]
        if not files:
            self.notify("Nothing of this row is in the listed directory.", severity="warning")
            return
        if self._recording().intersection(p.resolve() for p in files):
            self.notify(
                "This session is being recorded: switch profile or quit first, then delete it.",
                severity="warning",
            )
            return
        self.app.push_screen(ConfirmDelete(row, files), self._deleted)

    def _deleted(self, files: list[Path] | None) -> None:
        if not files:
            return
        failed: list[str] = []
        for path in files:
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                failed.append(f"{path.name}: {exc.strerror or exc}")
        top = self.listing.directory if self.listing is not None else None
        for folder in {p.parent for p in files} - {top}:
            with contextlib.suppress(OSError):  # a compare run's own directory, once empty
                folder.rmdir()
        if failed:
            self.notify("Could not delete " + "; ".join(failed), severity="error")
        else:
            self.notify(
                f"Deleted {files[0].name}"
                + (f" and {len(files) - 1} more" if len(files) > 1 else "")
            )
        self.action_reload()

    def action_close(self) -> None:
        if self.focused is self.filter and self.filter.value:
            self.filter.clear()
            self.table.focus()
            return
        if self.focused is self.filter:
            self.table.focus()
            return
        if self.closable:
            self.dismiss()
        else:
            self.app.exit()


class ConfirmDelete(ModalScreen[list[Path] | None]):
    """Delete a session (or a compare run and its sessions)? ``y`` / Enter on Delete, ``n`` / Esc."""

    DEFAULT_CSS = """
    ConfirmDelete {
        align: center middle;
        & > Vertical {
            width: 72; max-width: 95%; height: auto; padding: 1 2;
            border: round $error; background: $panel;
        }
        & Label { width: 1fr; margin-bottom: 1; }
        & Horizontal { height: auto; align-horizontal: right; }
        & Button { margin-left: 2; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "cancel", "Keep it"),
        Binding("y", "confirm", "Delete"),
    ]
    AUTO_FOCUS = "#keep"

    def __init__(self, row: SessionRow, files: list[Path]) -> None:
        super().__init__()
        self.row = row
        self.files = files

    def compose(self) -> ComposeResult:
        row = self.row
        what = "compare run" if row.compare is not None else "session"
        prompt = cut(" ".join((row.first_prompt or "").split()), 50)
        size = format_size(sum(p.stat().st_size for p in self.files if p.exists()))
        with Vertical():
            yield Label(
                Text.assemble(
                    (f"Delete this {what}? ", "bold"),
                    f"{row.created.astimezone():%Y-%m-%d %H:%M} · {prompt!r}\n",
                    (
                        f"{len(self.files)} {'file' if len(self.files) == 1 else 'files'}, {size}"
                        f" · {self.files[0]}",
                        "dim",
                    ),
                )
            )
            with Horizontal():
                yield Button("Keep it (n)", id="keep")
                yield Button("Delete (y)", id="delete", variant="error")

    @on(Button.Pressed, "#keep")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#delete")
    def action_confirm(self) -> None:
        self.dismiss(self.files)


def _haystack(row: SessionRow) -> str:
    parts = [
        *row.prompts,
        row.profile or "",
        row.provider or "",
        row.model or "",
        *(row.compare or ()),
    ]
    return "\n".join(parts).casefold()


def _widths(rows: list[list[str]]) -> list[int]:
    """Each column's width in the table: its longest cell or name, and 2 cells of padding."""
    return [
        max(len(name), *(len(cells[i]) for cells in rows), 0) + 2 for i, name in enumerate(COLUMNS)
    ]


def _style(row: SessionRow, column: int) -> str:
    if column == 6 and row.failures:
        return "red"
    if column == PROMPT_COLUMN and row.compare is not None:
        return "bold"
    return ""


async def _call(opener: Opener, path: Path) -> None:
    result = opener(path)
    if result is not None:
        await result


__all__ = ["ConfirmDelete", "SessionActions", "SessionsScreen"]
