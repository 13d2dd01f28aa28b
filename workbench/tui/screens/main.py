"""The one screen: chat and prompt, knobs, timeline, call details, session totals.

Live mode owns a runtime (started in a worker after mount, replaced on a profile switch) and runs
each turn in one thin exclusive worker that only iterates the runtime and feeds events in. Replay mode
feeds a recorded session through the very same :meth:`MainScreen.feed`, paced by a controller.
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from workbench.core.events import (
    BatchStarted,
    CallFinished,
    CallQueued,
    CallRetrying,
    CallStarted,
    ErrorEvent,
    Event,
    ModelRequestStarted,
    Notice,
    SettingsChanged,
    TextDelta,
    ToolCallEmitted,
    TurnFinished,
    TurnStarted,
    TurnStats,
    TurnStatus,
)
from workbench.core.provider import ProviderCapabilities
from workbench.core.timeline import TimelineModel
from workbench.tui import format as fmt
from workbench.tui.clock import SessionClock
from workbench.tui.commands import (
    CommandError,
    ConcurrencyCommand,
    FaultCommand,
    HelpCommand,
    MaxCommand,
    ModeCommand,
    ParallelCommand,
    ProfileCommand,
    ReplayCommand,
    SlashCommand,
    TimeoutCommand,
    is_command,
    parse_command,
)
from workbench.tui.palette import WorkbenchCommands
from workbench.tui.ports import RuntimeLike, SettingsUpdate
from workbench.tui.widgets.chat import ChatView, ToolChip
from workbench.tui.widgets.details import CallDetails
from workbench.tui.widgets.key_footer import KeyFooter
from workbench.tui.widgets.knobs import Knobs
from workbench.tui.widgets.replay_bar import ReplayBar
from workbench.tui.widgets.timeline import Timeline

if TYPE_CHECKING:
    from workbench.session import ReplayController
    from workbench.tui.app import WorkbenchApp

Mode = Literal["live", "replay"]
REFRESH_HZ = 20
"""How often the timeline, details and totals redraw at most; events only mark them dirty."""
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
        self.runtime: RuntimeLike | None = None
        self.controller: ReplayController | None = None
        self.model = TimelineModel()
        self.clock = SessionClock()
        self._details_dirty = False
        self._totals_dirty = True
        self._replay_total = 0
        self._replay_label = Text("")
        self._cancel_requested = False
        self._replay_done = False
        self._starting: str | None = None
        """The profile being started, while a runtime starts."""

    @property
    def workbench(self) -> WorkbenchApp:
        from workbench.tui.app import WorkbenchApp

        app = self.app
        assert isinstance(app, WorkbenchApp)
        return app

    # -- layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("workbench", id="status")
        yield Knobs(id="knobs")
        if self.mode == "replay":
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
                yield Timeline(self.model, self.clock.now, id="timeline")
                yield CallDetails(id="details")
                yield Static("", id="totals")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.set_interval(1 / REFRESH_HZ, self._tick)
        self.query_one("#details", CallDetails).border_title = "Call"
        self.query_one("#timeline", Timeline).border_title = "Timeline"
        self.query_one("#chat", ChatView).border_title = "Chat"
        if self.mode == "live":
            self.clock.rate = 0.0
            self._starting = self.profile_name or "the default profile"
            # After the first paint: the runtime's imports and profile loading take ~100 ms.
            self.call_after_refresh(self._start_runtime, self.profile_name)
        else:
            self.query_one("#knobs", Knobs).disabled = True
            self._replay()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _REPLAY_ACTIONS:
            return self.mode == "replay"
        if action == "cancel_turn":
            return self.mode == "live" or self.closable
        if action == "close_replay":
            return self.closable
        return True

    # -- feeding events ---------------------------------------------------------------------------

    async def feed(self, event: Event) -> None:
        """Apply one core event to the model and to every widget that shows it."""
        self.clock.observe(event.t)
        change = self.model.apply(event)
        timeline = self.query_one("#timeline", Timeline)
        timeline.note(change)
        details = self.query_one("#details", CallDetails)
        if details.call_id is not None and (
            change.call_id == details.call_id or details.call_id in change.closed
        ):
            self._details_dirty = True
        if change.session:
            self._totals_dirty = True
        chat = self.query_one("#chat", ChatView)
        match event:
            case TurnStarted():
                await chat.add_user(event.prompt)
            case ModelRequestStarted():
                await chat.new_response()
                if self.mode == "replay":
                    self.query_one("#knobs", Knobs).show_emission(event.emission)
            case TextDelta():
                await chat.append_text(event.text)
            case ToolCallEmitted() | CallQueued():
                await chat.add_call(event.call_id, event.tool, event.args)
            case CallStarted() | CallRetrying() | CallFinished():
                row = self.model.call(event.call_id)
                if row is not None:
                    ran = row.done and row.started_t is not None
                    chat.set_call_state(row.call_id, row.state, row.run_s if ran else None)
            case BatchStarted() if self.mode == "replay":
                self.query_one("#knobs", Knobs).show_execution(event.settings)
            case TurnFinished():
                for call_id in change.closed:
                    chat.set_call_state(call_id, "cancelled")
                await chat.end_turn()
                if event.status != "completed":
                    await chat.add_note(f"Turn {event.turn} {event.status}.", kind="warning")
            case SettingsChanged():
                self.query_one("#knobs", Knobs).show(event.settings)
                changes = ", ".join(f"{k} → {v}" for k, v in event.changes.items())
                await chat.add_note(f"⚙ {changes} (from the next request or batch)")
            case Notice():
                await chat.add_note(event.message, kind=event.level)
            case ErrorEvent():
                await chat.add_note(f"{event.kind}: {event.message}", kind="error")
                self.notify(event.message, title=event.kind, severity="error")
            case _:
                pass

    def _tick(self) -> None:
        self.query_one("#timeline", Timeline).flush()
        if self._details_dirty:
            self._details_dirty = False
            self._show_selected()
        busy = self._turn_running() or (self.controller is not None and self._replaying())
        if self._totals_dirty or busy:
            self._totals_dirty = False
            self._show_totals()

    def _show_totals(self) -> None:
        totals = self.model.totals
        failures = f" · [red]{totals.failures} failed[/]" if totals.failures else ""
        # Most telling first: a narrow terminal cuts the end of the line.
        self.query_one("#totals", Static).update(
            f"round trips {totals.round_trips} · model {fmt.seconds(totals.model_time_s)}"
            f" · tools {fmt.seconds(totals.tool_time_s)} · {fmt.tokens(totals.usage)}"
            f" · {totals.calls} calls in {totals.batches} batches{failures}"
        )

    def _show_selected(self) -> None:
        timeline = self.query_one("#timeline", Timeline)
        row = timeline.selected_call()
        batch = self.model.batch(row.batch_id) if row is not None else None
        self.query_one("#details", CallDetails).show(row, batch, self.clock.now())

    @on(Timeline.CallSelected)
    def _call_selected(self, event: Timeline.CallSelected) -> None:
        self._show_selected()

    @on(ToolChip.Selected)
    def _chip_selected(self, event: ToolChip.Selected) -> None:
        timeline = self.query_one("#timeline", Timeline)
        if timeline.select_call(event.call_id):
            timeline.focus()

    # -- live: runtime and turns ------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="runtime", description="start runtime")
    async def _start_runtime(self, profile: str | None) -> None:
        # The prompt stays enabled (and focused): disabling it would move focus, and typing ahead
        # while a profile starts is fine; only sending waits until the runtime is in place.
        self._starting = profile or "the default profile"
        try:
            await self._install_runtime(profile)
        except asyncio.CancelledError:
            raise  # a newer start replaced this one (the worker is exclusive) and owns the state
        except Exception:
            self._starting = None
            raise
        self._starting = None

    async def _install_runtime(self, profile: str | None) -> None:
        app = self.workbench
        prompt = self.query_one("#prompt", Input)
        prompt.placeholder = f"Starting {self._starting}…"
        try:
            runtime = await app.runtime_factory(profile)
        except (
            Exception
        ) as exc:  # the runtime boundary: a bad profile or provider is shown, not fatal
            self.notify(str(exc), title="Cannot start the profile", severity="error", timeout=10)
            prompt.placeholder = (
                "No runtime: pick a working profile (/profile NAME)"
                if self.runtime is None
                else "Ask something, or /help"
            )
            return
        old, self.runtime = self.runtime, runtime
        if old is not None:
            await old.aclose()
            await self._new_session()
        await self._configure_knobs(runtime)
        self._show_status()
        prompt.placeholder = "Ask something, or /help"
        app.runtime_ready.set()

    async def _configure_knobs(self, runtime: RuntimeLike) -> None:
        profile = runtime.profile
        knobs = self.query_one("#knobs", Knobs)
        await knobs.configure(
            profile_label=profile.name,
            capabilities=runtime.capabilities,
            tools=list(runtime.tool_names),
        )
        knobs.show(runtime.settings)

    async def _new_session(self) -> None:
        self.model = TimelineModel()
        self.clock.reset()
        self.query_one("#timeline", Timeline).reset(self.model)
        await self.query_one("#chat", ChatView).clear()
        self.query_one("#details", CallDetails).show(None, None, 0.0)
        self._totals_dirty = True

    def _show_status(self) -> None:
        status = self.query_one("#status", Static)
        if self.mode == "replay":
            status.update(
                Text.assemble(("workbench ", "bold"), ("▶ replay ", "bold"), self._replay_label)
            )
            return
        runtime = self.runtime
        if runtime is None:
            return
        profile = runtime.profile
        status.update(
            Text.assemble(
                ("workbench ", "bold"),
                ("● live ", "bold green"),
                f"{profile.name} · {profile.type} · {profile.model}",
                ("  session ", "dim"),
                (str(runtime.session_path), "dim"),
            )
        )

    @on(Input.Submitted, "#prompt")
    async def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        if is_command(text):
            tools = self.runtime.tool_names if self.runtime is not None else ()
            try:
                command = parse_command(text, tools=tools)
            except CommandError as exc:
                self.notify(str(exc), title="Command", severity="error")
                return  # the text stays in the prompt, to be fixed
            event.input.clear()
            await self.run_command(command)
            return
        if self._starting is not None or self.runtime is None:
            why = f"Starting {self._starting}…" if self._starting else "No runtime is running."
            self.notify(f"{why} Send the prompt once it is ready.", severity="warning")
            return
        if self._turn_running():
            self.notify("A turn is running: wait, or press Esc to cancel it.", severity="warning")
            return
        event.input.clear()
        self._cancel_requested = False
        self.workbench.turn_completed.clear()
        self.clock.rate = 1.0
        self._run_turn(text)

    def _turn_running(self) -> bool:
        return any(
            w.group == "turn" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
            for w in self.workers
        )

    def _replaying(self) -> bool:
        return any(
            w.group == "replay" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
            for w in self.workers
        )

    @work(exclusive=True, exit_on_error=False, group="turn", description="model turn")
    async def _run_turn(self, prompt: str) -> None:
        runtime = self.runtime
        assert runtime is not None
        status: TurnStatus = "error"
        try:
            async with aclosing(runtime.run_turn(prompt)) as events:
                async for event in events:
                    await self.feed(event)
                    if isinstance(event, TurnFinished):
                        status = event.status
        except asyncio.CancelledError:
            status = "cancelled"
            await self._close_cancelled_turn()
            raise
        except (
            Exception
        ) as exc:  # the worker boundary: any failure is shown and the session goes on
            await self.query_one("#chat", ChatView).add_note(f"Turn failed: {exc}", kind="error")
            self.notify(str(exc), title="Turn failed", severity="error")
        finally:
            self.clock.rate = 0.0
            self._totals_dirty = True
            self.post_message(self.TurnCompleted(status))
            self.workbench.turn_completed.set()

    async def _close_cancelled_turn(self) -> None:
        """The runtime records the cancellation, but a closed iterator yields nothing more: close the
        open turn here the same way, so running calls show as cancelled."""
        turn = next((t for t in reversed(self.model.turns) if t.status is None), None)
        if turn is None:
            return
        now = max(self.clock.now(), self.model.last_t)
        spans = [s for s in self.model.model_spans if s.turn == turn.turn]
        batches = [b for b in self.model.batches if b.turn == turn.turn]
        usage = self.model.totals.usage
        await self.feed(
            TurnFinished(
                t=now,
                turn=turn.turn,
                status="cancelled",
                text="",
                stats=TurnStats(
                    round_trips=len(spans),
                    model_time_s=sum((s.end_t or now) - s.start_t for s in spans),
                    tool_time_s=sum(b.effective_stats().wall_s for b in batches),
                    wall_s=now - turn.started_t,
                    batches=len(batches),
                    calls=sum(len(b.calls) for b in batches),
                    usage=usage,
                ),
            )
        )

    def action_cancel_turn(self) -> None:
        """Esc: ask the runtime to cancel (its cleanup events still arrive); a second Esc, or a
        runtime that cannot, cancels the worker and closes the turn here."""
        if self.mode == "replay":
            self.action_close_replay()
            return
        if not self._turn_running():
            return
        if not self._cancel_requested and self.runtime is not None and self.runtime.cancel_turn():
            self._cancel_requested = True
            self.notify("Cancelling the turn…", severity="warning", timeout=3)
            return
        self.workers.cancel_group(self, "turn")
        self.notify("Turn cancelled.", severity="warning", timeout=3)

    def action_help(self) -> None:
        from workbench.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    async def run_command(self, command: SlashCommand) -> None:
        """Do what a slash command or a palette entry asks."""
        match command:
            case HelpCommand():
                self.action_help()
            case ReplayCommand(path=path):
                await self.app.push_screen(MainScreen(mode="replay", replay=path, closable=True))
            case ProfileCommand(name=name):
                self._switch_profile(name)
            case ParallelCommand(on=on):
                await self.apply_update({"parallel": on})
            case ModeCommand(mode=mode):
                await self.apply_update({"function_calling_mode": mode})
            case ConcurrencyCommand(on=on):
                await self.apply_update({"concurrent": on})
            case MaxCommand(n=n):
                await self.apply_update({"max_concurrent": n})
            case TimeoutCommand(seconds=seconds):
                await self.apply_update({"timeout_s": seconds})
            case FaultCommand(tool=tool, preset=preset):
                await self.apply_update({"fault": (tool, preset)})

    def _switch_profile(self, name: str) -> None:
        if self.mode == "replay":
            self.notify("A replay cannot switch profile.", severity="warning")
            return
        if self._turn_running():
            self.notify(
                "Wait for the turn to finish (or Esc) before switching.", severity="warning"
            )
            return
        self._start_runtime(name)

    async def apply_update(self, update: SettingsUpdate) -> None:
        if self.mode == "replay" or self.runtime is None:
            self.notify("Settings cannot change here (replay, or no runtime).", severity="warning")
            return
        try:
            changed = self.runtime.update_settings(**update)
        except ValueError as exc:
            self.notify(str(exc), title="Setting refused", severity="error")
            self.query_one("#knobs", Knobs).show(self.runtime.settings)
            return
        await self.feed(changed)

    @on(Knobs.Changed)
    async def _knob_changed(self, event: Knobs.Changed) -> None:
        await self.apply_update(event.update)

    @on(Knobs.Invalid)
    def _knob_invalid(self, event: Knobs.Invalid) -> None:
        self.notify(event.message, severity="error")

    @on(Knobs.ProfileRequested)
    def _profile_requested(self) -> None:
        self._pick_profile()

    def action_pick_profile(self) -> None:
        if self.mode == "live":
            self._pick_profile()

    @work(exclusive=True, exit_on_error=False, group="profiles", description="list profiles")
    async def _pick_profile(self) -> None:
        from workbench.tui.screens.profiles import ProfilePicker

        try:
            entries = await asyncio.to_thread(self.workbench.profile_lister)
        except Exception as exc:  # the worker boundary: listing reads user files
            self.notify(str(exc), title="Cannot list profiles", severity="error")
            return
        current = self.runtime.profile.name if self.runtime is not None else None
        choice = await self.app.push_screen_wait(ProfilePicker(entries, current=current))
        if choice is not None and choice != current:
            self._switch_profile(choice)

    async def on_unmount(self) -> None:
        if self.runtime is not None:
            runtime, self.runtime = self.runtime, None
            await runtime.aclose()

    # -- replay -----------------------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="replay", description="replay session")
    async def _replay(self) -> None:
        from workbench.session import ReplayController, SessionError, load_session, replay_events

        app = self.workbench
        path = self.replay_path
        assert path is not None
        chat = self.query_one("#chat", ChatView)
        try:
            loaded = await asyncio.to_thread(load_session, path)
        except SessionError as exc:
            await chat.add_note(f"Cannot replay {path}: {exc}", kind="error")
            self.notify(str(exc), title="Cannot replay", severity="error", timeout=10)
            app.replay_finished.set()
            return
        if loaded.problems:
            self.notify(
                "\n".join(loaded.problems), title="Session file problems", severity="warning"
            )
        profile = loaded.header.profile
        name = str(profile.get("name", "?"))
        self._replay_label = Text.assemble(
            f"{name} · {profile.get('type', '?')} · {profile.get('model', '?')}  ",
            (str(path), "dim"),
        )
        await self._configure_replay_knobs(name, loaded.events)
        self._replay_total = len(loaded.events)
        self._show_status()
        self.controller = ReplayController(speed=app.replay_speed)
        self._sync_replay_bar()
        try:
            async for event in replay_events(loaded.events, self.controller):
                app.replay_held.clear()
                await self.feed(event)
                self._sync_replay_bar()
                if self.controller.paused and not self.controller.stepping:
                    app.replay_held.set()
        finally:
            self.clock.rate = 0.0
            self._totals_dirty = True
            self._sync_replay_bar(done=True)
            app.replay_finished.set()

    async def _configure_replay_knobs(self, profile_name: str, events: list[Event]) -> None:
        """Read-only knobs for a recording: its tools, and the settings each batch ran under."""
        tools = list(
            dict.fromkeys(e.tool for e in events if isinstance(e, ToolCallEmitted | CallQueued))
        )
        await self.query_one("#knobs", Knobs).configure(
            profile_label=profile_name,
            capabilities=ProviderCapabilities(
                parallel_knob="parallel emission", supports_function_calling_mode=True
            ),
            tools=tools,
        )

    def _sync_replay_bar(self, *, done: bool = False) -> None:
        controller = self.controller
        if controller is None:
            return
        self._replay_done = done = done or self._replay_done
        speed = controller.speed
        self.clock.rate = 0.0 if done or controller.paused or speed is None else speed
        position = f"event {controller.released:,}/{self._replay_total:,}"
        if controller.position_t is not None:
            position += f" · t={fmt.seconds(controller.position_t)}"
        if done:
            position += " · end"
        self.query_one("#replay-bar", ReplayBar).show(
            speed=speed, paused=controller.paused, position=position
        )

    def action_replay_toggle(self) -> None:
        if self.controller is None:
            return
        if self.controller.paused:
            self.controller.resume()
        else:
            self.controller.pause()
        self._sync_replay_bar()

    def action_replay_speed(self, speed: float) -> None:
        if self.controller is None:
            return
        self.controller.speed = speed or None
        if self.controller.paused:
            self.controller.resume()
        self._sync_replay_bar()

    def action_replay_step(self) -> None:
        if self.controller is None:
            return
        if not self.controller.paused:
            self.controller.pause()
        self.controller.step_batch()
        self._sync_replay_bar()

    def action_close_replay(self) -> None:
        if self.closable:
            self.dismiss()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "turn":
            self._totals_dirty = True
