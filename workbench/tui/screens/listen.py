"""``workbench listen`` in the app: the agent runs whose spans are arriving, live, one row each.

The receiver runs in a worker on the app's own loop; the rows are the headless run list's
(:class:`~workbench.traces.live.LiveRuns`), read twice a second and updated in place by key. Enter on
a run that has ended opens its session on the ordinary replay screen (``w`` what-if, ``t`` turn axis
and the advisor's note all there); on a run still going, the same pane with its timeline growing as
spans arrive.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import ClassVar, Protocol

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker

from workbench.traces.live import LiveRun, LiveRuns
from workbench.tui.widgets.key_footer import KeyFooter

COLUMNS = ("service", "framework", "model", "round trips", "calls", "failed", "status", "session")
REFRESH_S = 0.5


class ListenerLike(Protocol):
    """What the screen drives: workbench.traces.receiver.Listener fits."""

    live: LiveRuns

    @property
    def port(self) -> int: ...

    def run(self) -> Awaitable[None]: ...

    def stop(self) -> None: ...


class ListenScreen(Screen[None]):
    AUTO_FOCUS = "#runs"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open run"),
        Binding("q", "stop", "Stop listening"),
    ]
    DEFAULT_CSS = """
    ListenScreen #where { padding: 0 1; height: auto; }
    ListenScreen #runs { height: 1fr; }
    """

    def __init__(
        self,
        listener: ListenerLike,
        *,
        host: str,
        open_session: Callable[[Path], Awaitable[None]],
        open_live: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__()
        self.listener = listener
        self.host = host
        self.open_session = open_session
        self.open_live = open_live
        """Opens a run still going (by trace id), its timeline growing."""
        self.rows_changed = asyncio.Event()
        """Set each time the table changed (tests wait on it)."""
        self._shown: dict[str, tuple[str, ...]] = {}
        self._server: Worker[None]

    def compose(self) -> ComposeResult:
        url = f"http://{self.host}:{self.listener.port}"
        yield Static(
            f"Listening on {url}/v1/traces (OTLP/HTTP). Point an agent at it with"
            f" OTEL_EXPORTER_OTLP_ENDPOINT={url}",
            id="where",
        )
        table: DataTable[str] = DataTable(id="runs", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield KeyFooter()

    def on_mount(self) -> None:
        self._server = self._serve()
        self.set_interval(REFRESH_S, self.refresh_rows)

    @work(exclusive=True, exit_on_error=False, group="listen", description="OTLP receiver")
    async def _serve(self) -> None:
        await self.listener.run()

    def refresh_rows(self) -> None:
        table = self.query_one("#runs", DataTable)
        changed = False
        rows = self.listener.live.rows
        keys = {row.key for row in rows}
        for key in [k for k in self._shown if k not in keys]:  # an open trace became sessions
            table.remove_row(key)
            del self._shown[key]
            changed = True
        for row in rows:
            cells = _cells(row)
            if self._shown.get(row.key) == cells:
                continue
            if row.key in self._shown:
                for column, value in zip(table.columns, cells, strict=True):
                    table.update_cell(row.key, column, value)
            else:
                table.add_row(*cells, key=row.key)
            self._shown[row.key] = cells
            changed = True
        if changed:
            self.rows_changed.set()

    def _selected(self) -> LiveRun | None:
        table = self.query_one("#runs", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((row for row in self.listener.live.rows if row.key == key), None)

    @on(DataTable.RowSelected, "#runs")
    async def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # the table takes Enter itself: it says which row
        await self.action_open()

    async def action_open(self) -> None:
        row = self._selected()
        if row is None:
            return
        if row.path is not None:
            await self.open_session(row.path)
        elif row.open and self.open_live is not None:
            await self.open_live(row.trace_id)
        else:
            self.notify(row.error or "no session for this run", title="Cannot open", timeout=4)

    async def action_stop(self) -> None:
        """Stop the receiver, let it write what is still open (as incomplete), then quit."""
        self.listener.stop()
        await self._server.wait()
        self.app.exit()


def _cells(row: LiveRun) -> tuple[str, ...]:
    return (
        row.service or row.agent or "–",
        row.framework or "–",
        row.model or "–",
        str(row.round_trips),
        str(row.calls),
        str(row.failures),
        row.status,
        row.path.name if row.path is not None else "",
    )
