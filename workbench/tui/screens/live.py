"""The live screen: a runtime, the prompt, the knobs, and its slash commands.

The runtime starts in a worker after the first paint and is replaced on a profile switch (a new
session). The prompt stays enabled meanwhile: typing ahead is fine, sending waits for the runtime.
Turns run in :class:`~workbench.tui.screens.turns.TurnRunner`; what a command does is a ``@handles``
method below (see :mod:`workbench.tui.screens.base`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import Input
from textual.worker import Worker

from workbench import gcpolicy
from workbench.core.events import Event, SettingsChanged, TurnStatus
from workbench.core.knobs import TABLE, KnobChange
from workbench.session.format import SessionFileError
from workbench.tui.commands import (
    CompareCommand,
    KnobCommand,
    ProfileCommand,
    ReplayCommand,
    knob_palette,
)
from workbench.tui.navigation import OpenCompare, OpenReplay
from workbench.tui.ports import ProfileLister, RuntimeFactory, RuntimeLike, Signals
from workbench.tui.screens.base import SessionScreen, handles
from workbench.tui.screens.keys import LIVE_BINDINGS
from workbench.tui.screens.palette import PaletteEntry
from workbench.tui.screens.servers import McpCommand, ServersScreen, servers_of
from workbench.tui.screens.turns import TurnPorts, TurnRunner
from workbench.tui.widgets.knobs import Knobs
from workbench.tui.widgets.prompt import Prompt, take_sent

if TYPE_CHECKING:
    from workbench.tui.screens.start import TypedAhead

READY_PLACEHOLDER = "Ask something, or /help"


class LiveScreen(SessionScreen):
    AUTO_FOCUS = "#prompt"
    """The prompt, typeable while the runtime starts."""
    PLACE: ClassVar[str] = "live session"
    BINDINGS: ClassVar[list[BindingType]] = [*LIVE_BINDINGS]

    def __init__(
        self,
        *,
        profile: str | None,
        runtime_factory: RuntimeFactory,
        profile_lister: ProfileLister,
        signals: Signals,
        replay_speed: float | None = 1.0,
    ) -> None:
        super().__init__(signals=signals, replay=False)
        self.profile_name = profile
        self.runtime_factory = runtime_factory
        self.profile_lister = profile_lister
        self.replay_speed = replay_speed
        """The speed a replay opened from here starts at."""
        self.runtime: RuntimeLike | None = None
        self.starting: str | None = None
        """The profile being started, while a runtime starts."""
        self._waiting_prompt: str | None = None
        """A prompt sent before the runtime was ready: it runs once it is."""
        self.turns = TurnRunner(
            TurnPorts(
                feed=self.feed,
                note=self._error_note,
                notify=self.notify,
                run_worker=self._run_worker,
                started=self._turn_started,
                finished=self._turn_finished,
            )
        )

    def compose_prompt(self) -> Input:
        return Prompt(id="prompt", placeholder="Starting…")

    @property
    def prompt(self) -> Input:
        return self.query_one("#prompt", Input)

    def action_slash(self) -> None:
        """``/`` typed anywhere (the timeline has focus, say) starts a slash command in the prompt."""
        prompt = self.prompt
        prompt.focus()

        def start_command() -> None:  # after focusing, which selects the prompt's text
            if not prompt.value:
                prompt.value = "/"
            prompt.cursor_position = len(prompt.value)

        self.call_after_refresh(start_command)

    def on_mount(self) -> None:
        self.start(self.profile_name)

    async def on_unmount(self) -> None:
        if self.runtime is not None:
            runtime, self.runtime = self.runtime, None
            await runtime.aclose()

    async def feed(self, event: Event) -> None:
        await self.pane.feed(event)
        if isinstance(event, SettingsChanged):
            self.knobs.show(event.settings)

    def tool_names(self) -> list[str]:
        return list(self.runtime.tool_names) if self.runtime is not None else []

    def _run_worker(self, work: Coroutine[Any, Any, None], group: str) -> Worker[None]:
        return self.run_worker(
            work, group=group, exclusive=True, exit_on_error=False, description=group
        )

    # -- the runtime ------------------------------------------------------------------------------

    def start(self, profile: str | None) -> None:
        """Start (or switch to) a profile's runtime in the background, after the next paint: its
        imports and profile files take ~100 ms of CPU that the first frame need not wait for."""
        self.starting = profile or "the default profile"
        self.prompt.placeholder = f"Starting {self.starting}…"
        self.call_after_refresh(lambda: self._run_worker(self._start(profile), "runtime"))

    async def _start(self, profile: str | None) -> None:
        try:
            await self._install(profile)
        except asyncio.CancelledError:
            raise  # a newer start replaced this one (the worker is exclusive) and owns the state
        except Exception:
            self.starting = None
            raise
        self.starting = None

    async def _install(self, profile: str | None) -> None:
        try:
            runtime = await self.runtime_factory(profile)
        except (
            Exception
        ) as exc:  # the runtime boundary: a bad profile or provider is shown, not fatal
            if isinstance(exc, SessionFileError):
                # The --record path: only the first start uses it, so a /profile starts a session
                # recorded to the default place.
                title = "Cannot record the session"
                message = f"{exc}. /profile {profile or 'local'} starts one recorded to the default place."
                hint = f"No session: /profile {profile or 'local'} starts one"
            else:
                title, message = "Cannot start the profile", str(exc)
                hint = "No runtime: pick a working profile (/profile NAME)"
            self.notify(message, title=title, severity="error", timeout=10)
            self.prompt.placeholder = hint if self.runtime is None else READY_PLACEHOLDER
            return
        old, self.runtime = self.runtime, runtime
        self.turns.watch(runtime)
        if old is not None:
            gcpolicy.thaw()  # the old session's objects are about to become garbage
            await old.aclose()
            await self.pane.reset()
        self._show_status(runtime)
        self.prompt.placeholder = READY_PLACEHOLDER
        await self.knobs.configure(
            profile_label=runtime.profile.name,
            capabilities=runtime.capabilities,
            tools=list(runtime.tool_names),
            settings=runtime.settings,
        )
        await self.pane.add_note(_welcome(runtime))
        for notice in runtime.start_notices:  # a tool source that did not start, say
            await self.feed(notice)
        self.signals.runtime_ready.set()
        waiting, self._waiting_prompt = self._waiting_prompt, None
        if waiting is not None and not self.turns.running:
            self.turns.start(runtime, waiting)

    def _show_status(self, runtime: RuntimeLike) -> None:
        profile = runtime.profile
        # The scripted type's model is "scripted" again: say it once.
        model = f" · {profile.model}" if profile.model and profile.model != profile.type else ""
        self.status.update(
            Text.assemble(
                ("workbench ", "bold"),
                ("● live ", "bold green"),
                f"{profile.name} · {profile.type}{model}",
                ("  session ", "dim"),
                (_tilde(runtime.session_path), "dim"),
            )
        )

    def switch_profile(self, name: str) -> None:
        if self.turns.running:
            self.notify(
                "Wait for the turn to finish (or Esc) before switching.", severity="warning"
            )
            return
        self.start(name)

    async def _pick_profile(self) -> None:
        from workbench.tui.screens.profiles import ProfilePicker

        try:
            entries = await asyncio.to_thread(self.profile_lister)
        except Exception as exc:  # the worker boundary: listing reads user files
            self.notify(str(exc), title="Cannot list profiles", severity="error")
            return
        current = self.runtime.profile.name if self.runtime is not None else None
        choice = await self.app.push_screen_wait(ProfilePicker(entries, current=current))
        if choice is not None and choice != current:
            self.switch_profile(choice)

    # -- turns ------------------------------------------------------------------------------------

    class TurnCompleted(Message):
        """A turn ended (completed, cancelled or failed); tests wait on this rather than sleep."""

        def __init__(self, status: TurnStatus) -> None:
            super().__init__()
            self.status = status

    def _turn_started(self) -> None:
        self.signals.turn_completed.clear()
        self.pane.clock.rate = 1.0

    def _turn_finished(self, status: TurnStatus) -> None:
        self.pane.clock.rate = 0.0
        self.pane.mark_totals()
        self.post_message(self.TurnCompleted(status))
        self.signals.turn_completed.set()

    async def _error_note(self, text: str) -> None:
        await self.pane.add_note(text, kind="error")

    @on(Input.Submitted, "#prompt")
    async def _submitted(self, event: Input.Submitted) -> None:
        await self._send(event.input, event.value)

    async def carry_on(self, typed: TypedAhead) -> None:
        """Take over from the start screen: what was sent there is sent here, in order, each key
        pressed there does here what it does, and the prompt holds what was being typed."""
        prompt = self.prompt
        prompt.focus()
        for kind, value in typed.steps:
            if kind == "send":
                prompt.value = value
                await self._send(prompt)
            else:
                await self.run_action(value)
        if typed.draft:
            prompt.value = typed.draft
            prompt.cursor_position = typed.cursor

    async def _send(self, prompt: Input, sent: str | None = None) -> None:
        """Enter in the prompt: a slash command, or a message that starts a turn. ``sent`` is the
        text the Enter sent; what was typed after it stays in the prompt."""
        sent = prompt.value if sent is None else sent
        if await self.submit_command(prompt, sent):
            return
        text = sent.strip()
        if not text:
            return
        if self.starting is not None:
            # Kept, and sent once the runtime is ready (see _install).
            self._waiting_prompt = text
            take_sent(prompt, sent)
            await self.pane.add_note(
                f"Starting {self.starting}… this prompt is sent once it is ready."
            )
            return
        if self.runtime is None:
            self.notify(
                "No profile is running: pick one that works with /profile NAME (e.g. /profile local).",
                severity="warning",
            )
            return
        if self.turns.running:
            self.notify("A turn is running: wait, or press Esc to cancel it.", severity="warning")
            return
        take_sent(prompt, sent)
        self.turns.start(self.runtime, text)

    # -- settings ---------------------------------------------------------------------------------

    async def apply(self, change: KnobChange) -> None:
        """Turn knobs on the runtime. During a turn the change reaches the pane through the turn
        (the runtime emits it there); otherwise it is fed here. Either way, once."""
        if self.runtime is None:
            self.notify("Settings cannot change before the runtime starts.", severity="warning")
            return
        try:
            changed = self.runtime.apply(change)
        except ValueError as exc:
            self.notify(str(exc), title="Setting not applied", severity="error")
            self.knobs.show(self.runtime.settings)
            # In the transcript too, where every other knob change is noted.
            await self.pane.add_note(f"⚙ {exc}", kind="warning")
            return
        if not self.turns.tap.active:
            await self.feed(changed)

    @on(Knobs.Changed)
    async def _knob_changed(self, event: Knobs.Changed) -> None:
        await self.apply(event.change)

    @on(Knobs.ProfileRequested)
    def _profile_requested(self) -> None:
        self.action_pick_profile()

    # -- commands and keys ------------------------------------------------------------------------

    @handles(KnobCommand)
    async def _knob(self, command: KnobCommand) -> None:
        await self.apply(command.change)

    @handles(ProfileCommand)
    async def _profile(self, command: ProfileCommand) -> None:
        self.switch_profile(command.profile)

    def session_file(self) -> Path | None:
        return self.runtime.session_path if self.runtime is not None else None

    @handles(McpCommand)
    async def _mcp(self, command: McpCommand) -> None:
        await self.app.push_screen(ServersScreen(servers_of(self.runtime)))

    @handles(ReplayCommand)
    async def _replay(self, command: ReplayCommand) -> None:
        await self.open_replay(command.path)

    def browser_replay_speed(self) -> float | None:
        return self.replay_speed

    async def open_replay(self, path: Path) -> None:
        is_file, is_dir = await asyncio.to_thread(lambda: (path.is_file(), path.is_dir()))
        if not is_file:  # said here: the live session stays on screen
            what = "is a directory" if is_dir else "does not exist"
            self.notify(f"{path} {what}.", title="Cannot replay", severity="error", timeout=10)
            return

        self.post_message(OpenReplay(path, speed=self.replay_speed))

    @handles(CompareCommand)
    async def _compare(self, command: CompareCommand) -> None:
        await self.open_compare(command.prompt, command.variants)

    async def open_compare(self, prompt: str = "", specs: tuple[str, ...] = ()) -> None:
        """The compare screen over this one: ``prompt`` (or the last one) under the variants."""
        from workbench.compare.requests import LiveCompare
        from workbench.compare.variants import DEFAULT_VARIANTS, parse_variants
        from workbench.config.profile import Profile

        turns = self.pane.model.turns
        text = prompt or (turns[-1].prompt if turns else "")
        if not text:
            self.notify("Nothing to compare yet: send a prompt, or /compare PROMPT.")
            return
        if self.turns.running:
            self.notify("A turn is running: wait, or press Esc to cancel it.", severity="warning")
            return
        profile = self.runtime.profile if self.runtime is not None else None
        if not isinstance(profile, Profile):
            self.notify("Compare needs a running profile.", severity="warning")
            return
        variants = parse_variants(specs or DEFAULT_VARIANTS)
        self.post_message(OpenCompare(LiveCompare(profile, text, variants)))

    def action_cancel_turn(self) -> None:
        """Esc: cancel the running turn."""
        self.turns.cancel(self.runtime)

    def action_pick_profile(self) -> None:
        """Open the profile picker; the listing reads user files, so it runs in a thread."""
        self._run_worker(self._pick_profile(), "profiles")

    def palette_entries(self) -> Iterator[PaletteEntry]:
        yield from super().palette_entries()
        runtime = self.runtime
        yield "Switch profile…", "Pick another profile (starts a new session)", "pick_profile"
        yield "Cancel the running turn", "Esc", "cancel_turn"
        yield (
            "Compare the last prompt under three settings",
            "sequential, parallel emission and parallel, side by side (/compare)",
            CompareCommand(),
        )
        yield "MCP servers", "Each server's state, tools and log file (/mcp)", McpCommand()
        if runtime is None:
            return
        # Every knob's values from the table; mode only where the provider has one.
        skip = () if runtime.capabilities.supports_function_calling_mode else ("mode",)
        knobs = [entry.name for entry in TABLE if entry.name not in skip]
        yield from knob_palette(runtime.tool_names, knobs=knobs)


def _tilde(path: Path | None) -> str:
    """``~/.local/share/…`` rather than the whole home directory: the status line is one line."""
    if path is None:
        return "not recorded"
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def _welcome(runtime: RuntimeLike) -> str:
    """What to try first, under the profile's name, in an empty transcript."""
    profile = runtime.profile
    return (
        f"Profile {profile.name} ({profile.type}). Try:\n"
        "  What's the weather in Tokyo and New York, and the time in Paris?\n"
        '  sleep(ms=400), sleep(ms=400), fail(message="boom"), hang()\n'
        "Then turn the knobs above (or /parallel, /concurrency, /max, /timeout, /fault) and ask again."
        " Esc cancels a turn; F1 lists everything."
    )
