"""Where a screen asks to go: messages the app handles by pushing the screen (no screen imports
another to open it; an import contract keeps it so).

A screen posts one (``self.post_message(OpenReplay(path))``); it bubbles to the app, which builds
the replay, compare or session-browser screen (:class:`workbench.tui.app.WorkbenchApp`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from workbench.compare.requests import LiveCompare, ReplayCompare


class OpenSessions(Message):
    """The session browser over the current screen; a replay opened from it comes back to it."""

    def __init__(self, speed: float | None = 1.0) -> None:
        super().__init__()
        self.speed = speed
        """The speed a replay opened from the browser starts at (None: instant)."""


class OpenReplay(Message):
    """A recorded session replayed over the current screen (Esc comes back)."""

    def __init__(self, path: Path, speed: float | None = 1.0) -> None:
        super().__init__()
        self.path = path
        self.speed = speed


class OpenCompare(Message):
    """A comparison, live or replayed from its manifest, over the current screen."""

    def __init__(self, source: LiveCompare | ReplayCompare) -> None:
        super().__init__()
        self.source = source
