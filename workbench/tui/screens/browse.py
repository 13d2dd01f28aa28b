"""What the session browser's keys open in this app: a replay over the browser (Esc comes back), and a
compare run side by side when a compare screen is installed.

The compare hook: a module ``workbench.tui.screens.compare`` with
``async def open_compare(app, manifest: Path, *, signals, speed) -> None``. Until one exists, ``c``
says so and Enter on a compare run replays its first variant.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from textual.app import App

from workbench.tui.ports import Signals
from workbench.tui.screens.sessions import Opener, SessionActions, SessionsScreen

COMPARE_MODULE = "workbench.tui.screens.compare"


def browser_actions(app: App[Any], signals: Signals, speed: float | None) -> SessionActions:
    async def replay(path: Path) -> None:
        from workbench.tui.screens.replay import ReplayScreen

        await app.push_screen(ReplayScreen(path, signals=signals, speed=speed, closable=True))

    def in_use() -> list[Path]:
        from workbench.tui.screens.live import LiveScreen

        return [
            screen.runtime.session_path
            for screen in app.screen_stack
            if isinstance(screen, LiveScreen)
            and screen.runtime is not None
            and screen.runtime.session_path is not None
        ]

    return SessionActions(replay=replay, compare=compare_opener(app, signals, speed), in_use=in_use)


def compare_opener(app: App[Any], signals: Signals, speed: float | None) -> Opener | None:
    try:
        module = importlib.import_module(COMPARE_MODULE)
    except ImportError:
        return None
    open_compare = getattr(module, "open_compare", None)
    if open_compare is None:
        return None

    async def compare(manifest: Path) -> None:
        await open_compare(app, manifest, signals=signals, speed=speed)

    return compare


def session_browser(
    app: App[Any],
    signals: Signals,
    *,
    directory: Path | None = None,
    speed: float | None = 1.0,
    closable: bool = True,
) -> SessionsScreen:
    """The browser, wired to this app's replay (and compare) screens."""
    return SessionsScreen(directory, browser_actions(app, signals, speed), closable=closable)
