"""The Textual app and the one factory the CLI and the tests use to build it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from workbench import gcpolicy
from workbench.tui.ports import (
    ProfileLister,
    RuntimeFactory,
    default_profile_lister,
    default_runtime_factory,
)
from workbench.tui.screens.main import MainScreen

# What the imports above built (modules, classes, CSS parsers) lives as long as the process: frozen,
# it is not scanned again by every later collection (~30 ms of the first frame, less per refresh).
gcpolicy.freeze_startup()


class WorkbenchApp(App[None]):
    """Chat, knobs, timeline and details on one screen; live, or replaying a recorded session."""

    CSS_PATH = "app.tcss"
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
    ) -> None:
        super().__init__()
        self.profile = profile
        self.replay = replay
        self.runtime_factory = runtime_factory
        self.profile_lister = profile_lister
        self.replay_speed = replay_speed
        """Initial replay speed (None: instant)."""
        self.runtime_ready = asyncio.Event()
        """Set once a runtime has started (live mode)."""
        self.turn_completed = asyncio.Event()
        """Cleared when a turn starts, set when it ends however it ends: what tests wait on."""
        self.replay_finished = asyncio.Event()
        """Set when a replay has fed its last event (or failed to load)."""
        self.replay_held = asyncio.Event()
        """Set while a paused replay holds its next event (after a step, say)."""

    def on_unmount(self) -> None:
        gcpolicy.thaw()  # hand every object back to the collector (an embedding process goes on)

    async def on_mount(self) -> None:
        # Pushed rather than returned from get_default_screen, which would skip the screen's .tcss.
        if self.replay is not None:
            await self.push_screen(MainScreen(mode="replay", replay=self.replay))
        else:
            await self.push_screen(MainScreen(mode="live", profile=self.profile))


def create_app(
    *,
    profile: str | None = None,
    replay: Path | None = None,
    record: Path | None = None,
    runtime_factory: RuntimeFactory | None = None,
    profile_lister: ProfileLister | None = None,
    replay_speed: float | None = 1.0,
) -> WorkbenchApp:
    """Build the app. ``runtime_factory`` and ``profile_lister`` replace the real ones in tests."""
    return WorkbenchApp(
        profile=profile,
        replay=replay,
        runtime_factory=runtime_factory or default_runtime_factory(record),
        profile_lister=profile_lister or default_profile_lister,
        replay_speed=replay_speed,
    )
