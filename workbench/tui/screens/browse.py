"""What the session browser's keys open in this app: a replay over the browser, and a compare run
side by side on the compare screen (Esc comes back to the browser from either).

It also tells the browser which session files are being recorded (each live screen's), so those are
marked and never deleted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App

from workbench.tui.ports import Signals
from workbench.tui.screens.sessions import SessionActions, SessionsScreen


def browser_actions(app: App[Any], signals: Signals, speed: float | None) -> SessionActions:
    async def replay(path: Path) -> None:
        from workbench.tui.screens.replay import ReplayScreen

        await app.push_screen(ReplayScreen(path, signals=signals, speed=speed, closable=True))

    async def compare(manifest: Path) -> None:
        from workbench.compare.requests import ReplayCompare
        from workbench.tui.screens.compare import CompareScreen

        await app.push_screen(CompareScreen(ReplayCompare(manifest, speed=speed), closable=True))

    def in_use() -> list[Path]:
        from workbench.tui.screens.live import LiveScreen

        return [
            screen.runtime.session_path
            for screen in app.screen_stack
            if isinstance(screen, LiveScreen)
            and screen.runtime is not None
            and screen.runtime.session_path is not None
        ]

    return SessionActions(replay=replay, compare=compare, in_use=in_use)


def session_browser(
    app: App[Any],
    signals: Signals,
    *,
    directory: Path | None = None,
    speed: float | None = 1.0,
    closable: bool = True,
) -> SessionsScreen:
    """The browser, wired to this app's replay and compare screens."""
    return SessionsScreen(directory, browser_actions(app, signals, speed), closable=closable)
