"""The one screen: chat and prompt, knobs, timeline, call details, session totals.

A thin composition: the layout, the keys, and a timer. Events are drawn by :mod:`.view`; a live
session (runtime, prompt, turns) is :mod:`.live` and :mod:`.turns`; a recording is :mod:`.replay`;
slash commands are :mod:`.dispatch`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import Worker

from workbench.core.events import Event, TurnStatus
from workbench.core.timeline import TimelineModel
from workbench.tui.commands import SlashCommand
from workbench.tui.palette import WorkbenchCommands
from workbench.tui.ports import RuntimeLike
from workbench.tui.screens.main.live import LiveSession
from workbench.tui.screens.main.turns import GROUP as TURN_GROUP
from workbench.tui.screens.main.view import REFRESH_HZ, Panes, SessionView
from workbench.tui.widgets.chat import ChatView, ToolChip
from workbench.tui.widgets.details import CallDetails
from workbench.tui.widgets.key_footer import KeyFooter
from workbench.tui.widgets.knobs import Knobs
from workbench.tui.widgets.timeline import Timeline

if TYPE_CHECKING:
    from workbench.session import ReplayController
    from workbench.tui.app import WorkbenchApp
    from workbench.tui.screens.main.replay import ReplaySession

Mode = Literal["live", "replay"]
_REPLAY_ACTIONS = frozenset({"replay_toggle", "replay_speed", "replay_step"})


class MainScreen(Screen[None]):
    CSS_PATH = "main.tcss"
    AUTO_FOCUS = "#prompt, ReplayBar Button"
    """Live: the prompt, typeable while the runtime starts. Replay: the first replay control."""
    COMMANDS: ClassVar = {WorkbenchCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel_turn", "Cancel turn"),
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("f2", "focus('prompt')", "Prompt", show=False),
        Binding("f3", "focus('timeline')", "Timeline", show=False),
        Binding("space", "replay_toggle", "Pause/play"),
        Binding("1", "replay_speed(1.0)", "1×"),
        Binding("2", "replay_speed(2.0)", "2×"),
        Binding("0", "replay_speed(10.0)", "10×"),
        Binding("i", "replay_speed(0)", "Instant"),
        Binding("n", "replay_step", "Step batch"),
        Binding("q", "close_replay", "Close replay"),
    ]

    # Class defaults: check_action can run while Screen.__init__ is still binding keys.
    mode: Mode = "live"
    closable: bool = False

    class TurnCompleted(Message):
        """A turn ended (completed, cancelled or failed); tests wait on this rather than sleep."""

        def __init__(self, status: TurnStatus) -> None:
            super().__init__()
            self.status = status

    def __init__(
        self,
        *,
        mode: Mode = "live",
        profile: str | None = None,
        replay: Path | None = None,
        closable: bool = False,
    ) -> None:
        super().__init__()
        self.closable = closable
        """Whether Esc / q close this screen (a replay opened from a live session)."""
        self.mode = mode
        self.profile_name = profile
        self.replay_path = replay
        self.view = SessionView(replay=mode == "replay", notify=self.notify)
        self.live: LiveSession | None = None
        """The runtime and the prompt (live mode, once mounted)."""
        self.replay: ReplaySession | None = None
        """The recording being replayed (replay mode, once mounted)."""

    @property
    def workbench(self) -> WorkbenchApp:
        from workbench.tui.app import WorkbenchApp

        app = self.app
        assert isinstance(app, WorkbenchApp)
        return app

    @property
    def model(self) -> TimelineModel:
        return self.view.model

    @property
    def runtime(self) -> RuntimeLike | None:
        return self.live.runtime if self.live is not None else None

    @property
    def controller(self) -> ReplayController | None:
        return self.replay.controller if self.replay is not None else None

    # -- layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("workbench", id="status")
        yield Knobs(id="knobs")
        if self.mode == "replay":
            from workbench.tui.widgets.replay_bar import ReplayBar  # a live start skips it

            yield ReplayBar(id="replay-bar")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield ChatView(id="chat")
                yield Input(
                    id="prompt",
                    placeholder="Starting…" if self.mode == "live" else "Replay: the prompt is off",
                    disabled=self.mode == "replay",
                )
            with Vertical(id="right"):
                yield Timeline(self.view.model, self.view.clock.now, id="timeline")
                yield CallDetails(id="details")
                yield Static("", id="totals")
        yield KeyFooter()

    def on_mount(self) -> None:
        panes = Panes(
            knobs=self.query_one("#knobs", Knobs),
            chat=self.query_one("#chat", ChatView),
            timeline=self.query_one("#timeline", Timeline),
            details=self.query_one("#details", CallDetails),
            totals=self.query_one("#totals", Static),
        )
        panes.details.border_title = "Call"
        panes.timeline.border_title = "Timeline"
        panes.chat.border_title = "Chat"
        self.view.attach(panes)
        self.set_interval(1 / REFRESH_HZ, self._tick)
        if self.mode == "live":
            self.view.clock.rate = 0.0
            self.live = LiveSession(self, self.view)
            self.live.start(self.profile_name)
        else:
            from workbench.tui.screens.main.replay import ReplaySession  # a live start skips it

            assert self.replay_path is not None
            panes.knobs.disabled = True
            self.replay = ReplaySession(self, self.view, self.replay_path)
            self.replay.start()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _REPLAY_ACTIONS:
            return self.mode == "replay"
        if action == "cancel_turn":
            return self.mode == "live" or self.closable
        if action == "close_replay":
            return self.closable
        return True

    async def feed(self, event: Event) -> None:
        """Apply one core event to the model and every widget that shows it."""
        await self.view.feed(event)

    def _tick(self) -> None:
        busy = (self.live is not None and self.live.turns.running) or (
            self.replay is not None and self.replay.running
        )
        self.view.redraw(busy=busy)

    async def run_command(self, command: SlashCommand) -> None:
        """Do what a slash command or a palette entry asks."""
        from workbench.tui.screens.main import dispatch

        await dispatch.run_command(self, command)

    async def open_replay(self, path: Path) -> None:
        await self.app.push_screen(MainScreen(mode="replay", replay=path, closable=True))

    async def on_unmount(self) -> None:
        if self.live is not None:
            await self.live.close()

    # -- messages ---------------------------------------------------------------------------------

    @on(Input.Submitted, "#prompt")
    async def _submitted(self, event: Input.Submitted) -> None:
        if self.live is not None:
            await self.live.submit(event.input)

    @on(Timeline.CallSelected)
    def _call_selected(self) -> None:
        self.view.show_selected()

    @on(ToolChip.Selected)
    def _chip_selected(self, event: ToolChip.Selected) -> None:
        timeline = self.view.panes.timeline
        if timeline.select_call(event.call_id):
            timeline.focus()

    @on(Knobs.Changed)
    async def _knob_changed(self, event: Knobs.Changed) -> None:
        if self.live is not None:
            await self.live.apply_update(event.update)

    @on(Knobs.Invalid)
    def _knob_invalid(self, event: Knobs.Invalid) -> None:
        self.notify(event.message, severity="error")

    @on(Knobs.ProfileRequested)
    def _profile_requested(self) -> None:
        self.action_pick_profile()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == TURN_GROUP:
            self.view.mark_totals()

    # -- actions ----------------------------------------------------------------------------------

    def action_cancel_turn(self) -> None:
        """Esc: cancel the running turn; in a replay opened over a session, close it."""
        if self.live is not None:
            self.live.cancel_turn()
        else:
            self.action_close_replay()

    def action_help(self) -> None:
        from workbench.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_pick_profile(self) -> None:
        if self.live is not None:
            self.live.pick_profile()

    def action_replay_toggle(self) -> None:
        if self.replay is not None:
            self.replay.toggle()

    def action_replay_speed(self, speed: float) -> None:
        if self.replay is not None:
            self.replay.set_speed(speed)

    def action_replay_step(self) -> None:
        if self.replay is not None:
            self.replay.step()

    def action_close_replay(self) -> None:
        if self.closable:
            self.dismiss()
