"""Replaying a recorded session through the same view a live run uses, at a pace the user controls.

A worker loads the file (in a thread), shows the recording's profile and tools on read-only knobs,
then feeds the events as a :class:`~workbench.session.ReplayController` releases them. The replay
bar and the session clock follow the controller: paused, stepping a batch, or at a speed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static
from textual.worker import WorkerState

from workbench.core.events import CallQueued, Event, ToolCallEmitted
from workbench.core.provider import ProviderCapabilities
from workbench.session.format import ProviderSummary
from workbench.tui import format as fmt
from workbench.tui.screens.main.view import SessionView
from workbench.tui.widgets.replay_bar import ReplayBar

if TYPE_CHECKING:
    from workbench.session import ReplayController
    from workbench.tui.screens.main.screen import MainScreen

GROUP = "replay"


class ReplaySession:
    def __init__(self, host: MainScreen, view: SessionView, path: Path) -> None:
        self.host = host
        self.view = view
        self.path = path
        self.controller: ReplayController | None = None
        """Set once the file is loaded."""
        self._total = 0
        self._done = False
        self._bar = host.query_one(ReplayBar)
        self._status = host.query_one("#status", Static)

    @property
    def running(self) -> bool:
        return self.controller is not None and any(
            w.group == GROUP
            and w.node is self.host
            and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
            for w in self.host.workers
        )

    def start(self) -> None:
        self.host.run_worker(
            self._run(), group=GROUP, exclusive=True, exit_on_error=False, description="replay"
        )

    async def _run(self) -> None:
        from workbench.session import ReplayController, SessionError, load_session, replay_events

        app = self.host.workbench
        try:
            loaded = await asyncio.to_thread(load_session, self.path)
        except SessionError as exc:
            await self.view.panes.chat.add_note(f"Cannot replay {self.path}: {exc}", kind="error")
            self.host.notify(str(exc), title="Cannot replay", severity="error", timeout=10)
            app.replay_finished.set()
            return
        if loaded.problems:
            self.host.notify(
                "\n".join(loaded.problems), title="Session file problems", severity="warning"
            )
        profile = loaded.header.profile
        name = profile.name or "?"
        self._status.update(
            Text.assemble(
                ("workbench ", "bold"),
                ("▶ replay ", "bold"),
                f"{name} · {profile.type or '?'} · {profile.model or '?'}  ",
                (str(self.path), "dim"),
            )
        )
        await self._configure_knobs(name, loaded.events, loaded.header.provider)
        self._total = len(loaded.events)
        self.controller = controller = ReplayController(speed=app.replay_speed)
        self._sync()
        try:
            async for event in replay_events(loaded.events, controller):
                app.replay_held.clear()
                await self.view.feed(event)
                self._sync()
                if controller.paused and not controller.stepping:
                    app.replay_held.set()
        finally:
            self.view.clock.rate = 0.0
            self.view.mark_totals()
            self._sync(done=True)
            app.replay_finished.set()

    async def _configure_knobs(
        self, profile_name: str, events: list[Event], provider: ProviderSummary | None
    ) -> None:
        """Read-only knobs for a recording: its tools, the settings each batch ran under, and the
        provider's own knob names when the header has them (older files do not)."""
        tools = list(
            dict.fromkeys(e.tool for e in events if isinstance(e, ToolCallEmitted | CallQueued))
        )
        await self.view.panes.knobs.configure(
            profile_label=profile_name,
            capabilities=_capabilities(provider),
            tools=tools,
        )

    def _sync(self, *, done: bool = False) -> None:
        """The bar and the session clock follow the controller."""
        controller = self.controller
        if controller is None:
            return
        self._done = done = done or self._done
        speed = controller.speed
        self.view.clock.rate = 0.0 if done or controller.paused or speed is None else speed
        position = f"event {controller.released:,}/{self._total:,}"
        if controller.position_t is not None:
            position += f" · t={fmt.seconds(controller.position_t)}"
        if done:
            position += " · end"
        self._bar.show(speed=speed, paused=controller.paused, position=position)

    # -- the user's controls ----------------------------------------------------------------------

    def toggle(self) -> None:
        if self.controller is None:
            return
        if self.controller.paused:
            self.controller.resume()
        else:
            self.controller.pause()
        self._sync()

    def set_speed(self, speed: float) -> None:
        """``0`` means instant."""
        if self.controller is None:
            return
        self.controller.speed = speed or None
        if self.controller.paused:
            self.controller.resume()
        self._sync()

    def step(self) -> None:
        """Release the events through the end of the next batch, then hold."""
        if self.controller is None:
            return
        if not self.controller.paused:
            self.controller.pause()
        self.controller.step_batch()
        self._sync()


def _capabilities(provider: ProviderSummary | None) -> ProviderCapabilities:
    if provider is None:  # an early version-1 header: label the knobs generically
        return ProviderCapabilities(
            parallel_knob="parallel emission", supports_function_calling_mode=True
        )
    return ProviderCapabilities(
        parallel_knob=provider.parallel_knob,
        parallel_note=provider.parallel_note,
        eager_dispatch=provider.eager_dispatch,
        supports_function_calling_mode=provider.supports_function_calling_mode,
    )
