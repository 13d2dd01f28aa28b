"""One run that ``workbench listen`` is still receiving, on the ordinary session pane, its timeline
growing as spans arrive.

Twice a second the run's session is converted again from the spans so far (exactly as ``import``
converts it, without a ``turn_finished`` until its root span arrives). What is new at the end is fed
to the pane; when a late span changed what was already shown (a call of a batch already drawn, say),
the pane is reset and fed again. Once the run has closed, its written session is the last word.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input

from workbench.core.events import Event
from workbench.traces.live import LiveRuns
from workbench.tui.ports import Signals
from workbench.tui.screens.base import SessionScreen
from workbench.tui.screens.keys import COMMON_BINDINGS

REFRESH_S = 0.5


class LiveRunScreen(SessionScreen):
    PLACE: ClassVar[str] = "listen: a run"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back to the runs"),
        *COMMON_BINDINGS,
    ]

    def __init__(self, live: LiveRuns, trace_id: str, *, signals: Signals) -> None:
        super().__init__(signals=signals, replay=True)
        self.live = live
        self.trace_id = trace_id
        self.fed: list[Event] = []
        self.updated = asyncio.Event()
        """Set each time the pane was fed (tests wait on it)."""
        self.final: Path | None = None
        """The session file, once the run has closed."""

    def compose_prompt(self) -> Input:
        return Input(id="prompt", placeholder="Listening: the prompt is off", disabled=True)

    def session_file(self) -> Path | None:
        return self.final

    def on_mount(self) -> None:
        self.knobs.disabled = True
        self.status.update(f"workbench ● listen  trace {self.trace_id}")
        self.run_worker(
            self._follow(), group="live-run", exclusive=True, exit_on_error=False, description="run"
        )

    def action_close(self) -> None:
        self.dismiss()

    async def _events(self) -> tuple[list[Event], Path | None]:
        closed = self.live.closed_rows(self.trace_id)
        if closed and closed[0].path is not None:
            from workbench.session import load_session

            loaded = await asyncio.to_thread(load_session, closed[0].path)
            return loaded.events, closed[0].path
        sessions = await asyncio.to_thread(self.live.snapshot, self.trace_id)
        return (sessions[0].events if sessions else []), None

    async def _follow(self) -> None:
        while True:
            events, final = await self._events()
            if events[: len(self.fed)] != self.fed:
                await self.pane.reset()
                self.fed = []
            for event in events[len(self.fed) :]:
                await self.feed(event)
            if len(events) != len(self.fed) or final is not None:
                self.fed = list(events)
                self.pane.mark_totals()
                self.updated.set()
            if final is not None:
                self.final = final
                self.status.update(f"workbench ● listen  {final}")
                return
            await asyncio.sleep(REFRESH_S)
