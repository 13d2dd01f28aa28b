"""A live session: the runtime, the prompt, and settings changed from the knobs or commands.

The runtime starts in a worker after the first paint and is replaced on a profile switch (a new
session). The prompt stays enabled meanwhile: typing ahead is fine, sending waits for the runtime.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Input, Static

from workbench import gcpolicy
from workbench.session.format import SessionFileError
from workbench.tui.commands import CommandError, is_command, parse_command
from workbench.tui.ports import RuntimeLike, SettingsUpdate
from workbench.tui.screens.main.turns import TurnRunner
from workbench.tui.screens.main.view import SessionView

if TYPE_CHECKING:
    from workbench.tui.screens.main.screen import MainScreen

READY_PLACEHOLDER = "Ask something, or /help"


class LiveSession:
    def __init__(self, host: MainScreen, view: SessionView) -> None:
        self.host = host
        self.view = view
        self.turns = TurnRunner(host, view)
        self.runtime: RuntimeLike | None = None
        self.starting: str | None = None
        """The profile being started, while a runtime starts."""
        self._prompt = host.query_one("#prompt", Input)
        self._status = host.query_one("#status", Static)

    # -- the runtime ------------------------------------------------------------------------------

    def start(self, profile: str | None) -> None:
        """Start (or switch to) a profile's runtime in the background, after the next paint: its
        imports and profile files take ~100 ms of CPU that the first frame need not wait for."""
        self.starting = profile or "the default profile"
        self._prompt.placeholder = f"Starting {self.starting}…"
        self.host.call_after_refresh(self._start_worker, profile)

    def _start_worker(self, profile: str | None) -> None:
        self.host.run_worker(
            self._start(profile),
            group="runtime",
            exclusive=True,
            exit_on_error=False,
            description="start runtime",
        )

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
        app = self.host.workbench
        try:
            runtime = await app.runtime_factory(profile)
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
            self.host.notify(message, title=title, severity="error", timeout=10)
            self._prompt.placeholder = hint if self.runtime is None else READY_PLACEHOLDER
            return
        old, self.runtime = self.runtime, runtime
        if old is not None:
            gcpolicy.thaw()  # the old session's objects are about to become garbage
            await old.aclose()
            await self.view.reset()
        self._show_status(runtime)
        self._prompt.placeholder = READY_PLACEHOLDER
        await self.view.panes.knobs.configure(
            profile_label=runtime.profile.name,
            capabilities=runtime.capabilities,
            tools=list(runtime.tool_names),
            settings=runtime.settings,
        )
        await self.view.panes.chat.add_note(_welcome(runtime))
        app.runtime_ready.set()

    def _show_status(self, runtime: RuntimeLike) -> None:
        profile = runtime.profile
        # The scripted type's model is "scripted" again: say it once.
        model = f" · {profile.model}" if profile.model and profile.model != profile.type else ""
        self._status.update(
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
            self.host.notify(
                "Wait for the turn to finish (or Esc) before switching.", severity="warning"
            )
            return
        self.start(name)

    def pick_profile(self) -> None:
        """Open the profile picker; the listing reads user files, so it runs in a thread."""
        self.host.run_worker(
            self._pick_profile(),
            group="profiles",
            exclusive=True,
            exit_on_error=False,
            description="list profiles",
        )

    async def _pick_profile(self) -> None:
        from workbench.tui.screens.profiles import ProfilePicker

        try:
            entries = await asyncio.to_thread(self.host.workbench.profile_lister)
        except Exception as exc:  # the worker boundary: listing reads user files
            self.host.notify(str(exc), title="Cannot list profiles", severity="error")
            return
        current = self.runtime.profile.name if self.runtime is not None else None
        choice = await self.host.app.push_screen_wait(ProfilePicker(entries, current=current))
        if choice is not None and choice != current:
            self.switch_profile(choice)

    async def close(self) -> None:
        if self.runtime is not None:
            runtime, self.runtime = self.runtime, None
            await runtime.aclose()

    # -- the prompt and the knobs -----------------------------------------------------------------

    async def submit(self, prompt: Input) -> None:
        """Enter in the prompt: a slash command, or a message that starts a turn."""
        text = prompt.value.strip()
        if not text:
            return
        if is_command(text):
            tools = self.runtime.tool_names if self.runtime is not None else ()
            try:
                command = parse_command(text, tools=tools)
            except CommandError as exc:
                self.host.notify(str(exc), title="Command", severity="error")
                return  # the text stays in the prompt, to be fixed
            prompt.clear()
            await self.host.run_command(command)
            return
        if self.starting is not None:
            self.host.notify(
                f"Starting {self.starting}… Send the prompt once it is ready.", severity="warning"
            )
            return
        if self.runtime is None:
            self.host.notify(
                "No profile is running: pick one that works with /profile NAME (e.g. /profile local).",
                severity="warning",
            )
            return
        if self.turns.running:
            self.host.notify(
                "A turn is running: wait, or press Esc to cancel it.", severity="warning"
            )
            return
        prompt.clear()
        self.turns.start(self.runtime, text)

    async def apply_update(self, update: SettingsUpdate) -> None:
        """Change settings on the runtime; what it answers is fed like any event."""
        if self.runtime is None:
            self.host.notify(
                "Settings cannot change before the runtime starts.", severity="warning"
            )
            return
        try:
            changed = self.runtime.update_settings(**update)
        except ValueError as exc:
            self.host.notify(str(exc), title="Setting refused", severity="error")
            self.view.panes.knobs.show(self.runtime.settings)
            return
        await self.view.feed(changed)

    def cancel_turn(self) -> None:
        self.turns.cancel(self.runtime)


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
