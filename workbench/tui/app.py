"""The Textual app and the one factory the CLI and the tests use to build it.

The app picks the first screen (live, a replay, a comparison or the session browser), hands it the
ports it needs, and opens what screens ask for (:mod:`workbench.tui.navigation`'s messages): no
screen imports another to navigate. The layers below it are screens, then panes, then widgets (an
import contract keeps them so).

A live start draws :class:`~workbench.tui.screens.start.StartScreen` first, which needs only
Textual: the live screen's modules (pydantic models, the timeline, the knobs: ~0.2 s) are imported
after that first frame, in a thread, and the live screen then takes its place, carrying on with
what was typed meanwhile (:meth:`WorkbenchApp.open_live`).
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.binding import Binding, BindingType
from textual.message import Message

from workbench import gcpolicy
from workbench.tui.crash import CrashReport
from workbench.tui.navigation import OpenCompare, OpenReplay, OpenSessions
from workbench.tui.ports import (
    ProfileLister,
    RuntimeFactory,
    Signals,
    default_profile_lister,
    default_runtime_factory,
)
from workbench.tui.screens.start import StartScreen

if TYPE_CHECKING:
    from workbench.compare.requests import LiveCompare, ReplayCompare
    from workbench.tui.screens.listen import ListenerLike
    from workbench.tui.screens.live import LiveScreen
    from workbench.tui.screens.sessions import SessionsScreen

LIVE_MODULE = "workbench.tui.screens.live"


class WorkbenchApp(CrashReport):
    """Chat, knobs, timeline and details on one screen; live, or replaying a recorded session."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "workbench"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        *,
        profile: str | None,
        replay: Path | None,
        runtime_factory: RuntimeFactory,
        profile_lister: ProfileLister,
        replay_speed: float | None = 1.0,
        compare: LiveCompare | ReplayCompare | None = None,
        browse_sessions: bool = False,
        sessions_dir: Path | None = None,
        listen: tuple[ListenerLike, str] | None = None,
        start_screen: bool | None = None,
    ) -> None:
        super().__init__()
        self.start_screen = start_screen
        """A live start draws the start screen first (None: when the live screen's module is not
        imported yet, that is when there is something to wait for)."""
        self._held: list[events.Event] | None = None
        """Keys and pastes that came while the live screen took the start screen's place."""
        self.listen = listen
        """Open on the incoming runs of ``workbench listen``: (the receiver, the host it shows)."""
        self.compare = compare
        """Open on a comparison (``workbench demo``, ``workbench replay MANIFEST``) instead."""
        self.profile = profile
        self.replay = replay
        self.browse_sessions = browse_sessions
        """Open on the session browser (``workbench replay`` without a file)."""
        self.sessions_dir = sessions_dir
        self.runtime_factory = runtime_factory
        self.profile_lister = profile_lister
        self.replay_speed = replay_speed
        """Initial replay speed (None: instant)."""
        self.signals = Signals()
        """What tests wait on; the screens set them."""
        self.runtime_ready = self.signals.runtime_ready
        self.turn_completed = self.signals.turn_completed
        self.replay_finished = self.signals.replay_finished
        self.replay_held = self.signals.replay_held

    def run_to_exit_code(self) -> int:
        """Run the app in the terminal; the process's exit code (1: it crashed, and said so in one
        line naming the log file with the traceback)."""
        self.run()
        return self.return_code or 0

    def on_ready(self) -> None:
        # The first frame is on screen: what start-up built stays; collect from here on (a start
        # through the CLI paused the collector until now). Behind a start screen, from when the
        # live screen is in its place.
        if not isinstance(self.screen, StartScreen):
            gcpolicy.freeze_startup()
            gcpolicy.resume_startup()

    def on_unmount(self) -> None:
        gcpolicy.thaw()  # hand every object back to the collector (an embedding process goes on)

    async def on_mount(self) -> None:
        # Pushed rather than returned from get_default_screen, which would skip the screen's .tcss.
        if self.listen is not None:
            from workbench.tui.screens.listen import ListenScreen
            from workbench.tui.screens.replay import ReplayScreen

            async def open_session(path: Path) -> None:
                await self.push_screen(
                    ReplayScreen(path, signals=self.signals, speed=self.replay_speed, closable=True)
                )

            listener, host = self.listen

            async def open_live(trace_id: str) -> None:
                from workbench.tui.screens.live_run import LiveRunScreen

                await self.push_screen(LiveRunScreen(listener.live, trace_id, signals=self.signals))

            await self.push_screen(
                ListenScreen(listener, host=host, open_session=open_session, open_live=open_live)
            )
        elif self.compare is not None:
            from workbench.tui.screens.compare import CompareScreen  # a live start skips it

            await self.push_screen(CompareScreen(self.compare, closable=False))
        elif self.browse_sessions:
            await self.push_screen(
                self.session_browser(self.replay_speed, self.sessions_dir, closable=False)
            )
        elif self.replay is not None:
            from workbench.tui.screens.replay import ReplayScreen  # a live start skips it

            await self.push_screen(
                ReplayScreen(self.replay, signals=self.signals, speed=self.replay_speed)
            )
        elif self.start_screen or (self.start_screen is None and LIVE_MODULE not in sys.modules):
            await self.push_screen(StartScreen(starting=self.profile or "the default profile"))
        else:
            await self.push_screen(self.live_screen())

    # -- a live start -----------------------------------------------------------------------------

    def live_screen(self) -> LiveScreen:
        from workbench.tui.screens.live import LiveScreen

        return LiveScreen(
            profile=self.profile,
            runtime_factory=self.runtime_factory,
            profile_lister=self.profile_lister,
            signals=self.signals,
            replay_speed=self.replay_speed,
        )

    async def load_live_screen(self) -> None:
        """Import the live screen's modules, off the event loop: the start screen keeps taking
        typing meanwhile (the interpreter hands the loop back every switch interval)."""
        await asyncio.to_thread(importlib.import_module, LIVE_MODULE)

    @on(StartScreen.Shown)
    def _start_screen_shown(self, message: StartScreen.Shown) -> None:
        self.run_worker(self.open_live(message.start), group="open-live", description="live screen")

    async def open_live(self, start: StartScreen) -> None:
        """Put the live screen in the start screen's place and hand it what was typed there.

        Keys that come while the live screen mounts are held, then handled in order once its prompt
        has focus: none is lost, none lands on a screen about to go."""
        await self.load_live_screen()
        self._held = []
        live = self.live_screen()
        if self.screen is start:
            await self.switch_screen(live)
        else:  # something opened over the start screen: the live screen goes on top of it
            await self.push_screen(live)
        await live.carry_on(start.typed_ahead())
        self.post_message(self._Release())
        gcpolicy.freeze_startup()
        gcpolicy.resume_startup()

    class _Release(Message):
        """Handle the next held key: everything before this message in the queue has been held."""

    @on(_Release)
    async def _release_next(self) -> None:
        # One at a time, each once the last has done all it does (an Enter reaches the prompt,
        # bubbles back to the app's bindings, and submits): handled as a burst, the letters after
        # an Enter would land in the prompt before it submits. Keys coming meanwhile queue behind.
        held = self._held
        if not held:
            self._held = None
            self.signals.live_took_over.set()
            return
        await super().on_event(held.pop(0))
        self._after_settling(lambda: self.post_message(self._Release()))

    def _after_settling(self, then: Callable[[], object], rounds: int = 2) -> None:
        """Call ``then`` once the focused widget, then each of its ancestors up to the app, has
        handled what was posted to it before; ``rounds`` times (what a key's handling posts, such
        as an ``Input.Submitted``, is handled in the next round)."""
        focused = self.focused
        chain = [*focused.ancestors_with_self] if focused is not None else [self.screen, self]

        def step(index: int, left: int) -> None:
            if index == len(chain):
                if left > 1:
                    step(0, left - 1)
                else:
                    then()
            elif not chain[index].call_later(step, index + 1, left):  # gone: nothing to wait for
                step(index + 1, left)

        step(0, rounds)

    async def on_event(self, event: events.Event) -> None:
        if (
            self._held is not None
            and isinstance(event, events.Key | events.Paste)
            and not event.is_forwarded
        ):
            self._held.append(event)
            return
        await super().on_event(event)

    def action_command_palette(self) -> None:
        if isinstance(self.screen, StartScreen):  # the live screen's palette, once it is there
            self.screen.later("app.command_palette")
            return
        super().action_command_palette()

    # -- navigation: what the screens ask for -----------------------------------------------------

    async def on_open_replay(self, message: OpenReplay) -> None:
        from workbench.tui.screens.replay import ReplayScreen  # a live start skips it

        await self.push_screen(
            ReplayScreen(message.path, signals=self.signals, speed=message.speed, closable=True)
        )

    async def on_open_compare(self, message: OpenCompare) -> None:
        from workbench.tui.screens.compare import CompareScreen  # a live start skips it

        await self.push_screen(CompareScreen(message.source, closable=True))

    async def on_open_sessions(self, message: OpenSessions) -> None:
        await self.push_screen(self.session_browser(message.speed))

    def session_browser(
        self, speed: float | None, directory: Path | None = None, *, closable: bool = True
    ) -> SessionsScreen:
        """The browser (of ``directory``, default the user's sessions): Enter replays over it, ``c``
        reopens a compare run side by side (Esc comes back from either); the files live screens
        are recording are marked and never deleted."""
        from workbench.compare.requests import ReplayCompare
        from workbench.tui.screens.sessions import SessionActions, SessionsScreen

        def replay(path: Path) -> None:
            self.post_message(OpenReplay(path, speed=speed))

        def compare(manifest: Path) -> None:
            self.post_message(OpenCompare(ReplayCompare(manifest, speed=speed)))

        def in_use() -> list[Path]:
            if LIVE_MODULE not in sys.modules:  # no live screen has been opened
                return []
            from workbench.tui.screens.live import LiveScreen

            return [
                screen.runtime.session_path
                for screen in self.screen_stack
                if isinstance(screen, LiveScreen)
                and screen.runtime is not None
                and screen.runtime.session_path is not None
            ]

        actions = SessionActions(replay=replay, compare=compare, in_use=in_use)
        return SessionsScreen(directory, actions, closable=closable)


def create_app(
    *,
    profile: str | None = None,
    replay: Path | None = None,
    record: Path | None = None,
    runtime_factory: RuntimeFactory | None = None,
    profile_lister: ProfileLister | None = None,
    replay_speed: float | None = 1.0,
    compare: LiveCompare | ReplayCompare | None = None,
    browse_sessions: bool = False,
    sessions_dir: Path | None = None,
    listen: tuple[ListenerLike, str] | None = None,
    app_class: type[WorkbenchApp] = WorkbenchApp,
) -> WorkbenchApp:
    """Build the app. ``runtime_factory``, ``profile_lister`` (and ``app_class``, a subclass that
    records what it shows, say) replace the real ones in tests.

    ``browse_sessions`` opens on the session browser (of ``sessions_dir``, default the user's)."""
    # What importing the app built (modules, classes, CSS parsers) lives as long as the process:
    # frozen, it is not scanned again by every later collection (~30 ms of the first frame).
    gcpolicy.freeze_startup()

    def trace_problem(message: str) -> None:  # a live trace export that stopped
        app.notify(message, title="Trace export", severity="warning", timeout=10)

    app = app_class(
        profile=profile,
        replay=replay,
        runtime_factory=runtime_factory
        or default_runtime_factory(record, on_problem=trace_problem),
        profile_lister=profile_lister or default_profile_lister,
        replay_speed=replay_speed,
        compare=compare,
        browse_sessions=browse_sessions,
        sessions_dir=sessions_dir,
        listen=listen,
    )
    return app
