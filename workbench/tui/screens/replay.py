"""The replay screen: a recorded session through the same pane a live run uses, at a pace the user
controls.

A worker loads the file (in a thread), shows the recording's profile and tools on read-only knobs,
then feeds the events as a :class:`~workbench.session.ReplayController` releases them. The replay bar
and the pane's clock follow the controller: paused, stepping a batch, or at a speed. The knobs follow
the recording: each model request shows the emission settings it was made under, each batch its
execution settings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from workbench.core.events import (
    BatchStarted,
    CallQueued,
    Event,
    ModelRequestStarted,
    ToolCallEmitted,
)
from workbench.core.provider import ProviderCapabilities
from workbench.session.format import ProviderSummary
from workbench.tui import format as fmt
from workbench.tui.ports import Signals
from workbench.tui.screens.base import SessionScreen
from workbench.tui.screens.keys import COMMON_BINDINGS
from workbench.tui.screens.palette import PaletteEntry
from workbench.tui.widgets.replay_bar import ReplayBar

if TYPE_CHECKING:
    from workbench.session import ReplayController

GROUP = "replay"


class ReplayScreen(SessionScreen):
    AUTO_FOCUS = "ReplayBar Button"
    """The first replay control."""
    PLACE: ClassVar[str] = "replay"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close_replay", "Close replay"),
        *COMMON_BINDINGS,
        Binding("space", "replay_toggle", "Pause/play"),
        Binding("1", "replay_speed(1.0)", "1×"),
        Binding("2", "replay_speed(2.0)", "2×"),
        Binding("0", "replay_speed(10.0)", "10×"),
        Binding("i", "replay_speed(0)", "Instant"),
        Binding("n", "replay_step", "Step batch"),
        Binding("q", "close_replay", "Close replay", show=False),
    ]

    # A class default: check_action can run while Screen.__init__ is still binding keys.
    closable: bool = False

    def __init__(
        self,
        path: Path,
        *,
        signals: Signals,
        speed: float | None = 1.0,
        closable: bool = False,
    ) -> None:
        super().__init__(signals=signals, replay=True)
        self.path = path
        self.speed = speed
        """The speed the replay starts at (None: instant)."""
        self.closable = closable
        """Whether Esc / q close this screen (a replay opened over a live session)."""
        self.controller: ReplayController | None = None
        """Set once the file is loaded."""
        self._worker: Worker[None] | None = None
        self._total = 0
        self._done = False

    def session_file(self) -> Path | None:
        return self.path

    def compose_controls(self) -> Iterator[Widget]:
        yield ReplayBar(id="replay-bar")

    def compose_prompt(self) -> Input:
        return Input(id="prompt", placeholder="Replay: the prompt is off", disabled=True)

    @property
    def bar(self) -> ReplayBar:
        return self.query_one(ReplayBar)

    @property
    def running(self) -> bool:
        worker = self._worker
        return (
            self.controller is not None
            and worker is not None
            and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)
        )

    def on_mount(self) -> None:
        self.knobs.disabled = True
        self._worker = self.run_worker(
            self._run(), group=GROUP, exclusive=True, exit_on_error=False, description="replay"
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close_replay":
            return self.closable
        return super().check_action(action, parameters)

    async def feed(self, event: Event) -> None:
        await self.pane.feed(event)
        match event:
            case ModelRequestStarted():
                self.knobs.show_emission(event.emission)
            case BatchStarted():
                self.knobs.show_execution(event.settings)
            case _:
                pass

    # -- the replay -------------------------------------------------------------------------------

    async def _run(self) -> None:
        from workbench.session import ReplayController, SessionError, load_session, replay_events

        signals = self.signals
        try:
            loaded = await asyncio.to_thread(load_session, self.path)
        except SessionError as exc:
            await self.pane.add_note(f"Cannot replay {self.path}: {exc}", kind="error")
            self.notify(str(exc), title="Cannot replay", severity="error", timeout=10)
            signals.replay_finished.set()
            return
        if loaded.problems:
            self.notify(
                "\n".join(loaded.problems), title="Session file problems", severity="warning"
            )
        profile = loaded.header.profile
        name = profile.name or "?"
        # As the live status line: the scripted type's model is "scripted" again, said once.
        if not profile.model:
            model = " · ?"
        elif profile.model == profile.type:
            model = ""
        else:
            model = f" · {profile.model}"
        self.status.update(
            Text.assemble(
                ("workbench ", "bold"),
                ("▶ replay ", "bold"),
                f"{name} · {profile.type or '?'}{model}  ",
                (str(self.path), "dim"),
            )
        )
        await self._configure_knobs(name, loaded.events, loaded.header.provider)
        self._total = len(loaded.events)
        self.controller = controller = ReplayController(speed=self.speed)
        self._sync()
        try:
            async for event in replay_events(loaded.events, controller):
                signals.replay_held.clear()
                await self.feed(event)
                self._sync()
                if controller.paused and not controller.stepping:
                    signals.replay_held.set()
            await self.pane.end_of_recording()  # a run killed mid-turn says so
        finally:
            self.pane.clock.rate = 0.0
            self.pane.mark_totals()
            self._sync(done=True)
            signals.replay_finished.set()

    async def _configure_knobs(
        self, profile_name: str, events: list[Event], provider: ProviderSummary | None
    ) -> None:
        """Read-only knobs for a recording: its tools, and the provider's own knob names when the
        header has them (older files do not)."""
        tools = list(
            dict.fromkeys(e.tool for e in events if isinstance(e, ToolCallEmitted | CallQueued))
        )
        await self.knobs.configure(
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
        self.pane.clock.rate = 0.0 if done or controller.paused or speed is None else speed
        position = f"event {controller.released:,}/{self._total:,}"
        if controller.position_t is not None:
            position += f" · t={fmt.duration(controller.position_t)}"
        if done:
            position += " · end"
        self.bar.show(speed=speed, paused=controller.paused, position=position, done=done)

    # -- the user's controls ----------------------------------------------------------------------

    def action_replay_toggle(self) -> None:
        if self.controller is None:
            return
        if self.controller.paused:
            self.controller.resume()
        else:
            self.controller.pause()
        self._sync()

    def action_replay_speed(self, speed: float) -> None:
        """``0`` means instant."""
        if self.controller is None:
            return
        self.controller.speed = speed or None
        if self.controller.paused:
            self.controller.resume()
        self._sync()

    def action_replay_step(self) -> None:
        """Release the events through the end of the next batch, then hold."""
        if self.controller is None:
            return
        if not self.controller.paused:
            self.controller.pause()
        self.controller.step_batch()
        self._sync()

    def action_close_replay(self) -> None:
        if self.closable:
            self.dismiss()

    def palette_entries(self) -> Iterator[PaletteEntry]:
        yield from super().palette_entries()
        yield "Replay: pause or play", "Space", "replay_toggle"
        for label, speed in (("1×", 1.0), ("2×", 2.0), ("10×", 10.0), ("instant", 0.0)):
            yield (
                f"Replay speed: {label}",
                "Change the pace of the replay",
                f"replay_speed({speed})",
            )
        yield "Replay: step one batch", "Release events through the next batch", "replay_step"


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
