"""Recorded sessions: JSONL recording, loading back, and paced replay of the same events.

No UI here; the format is documented in docs/session-format.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.session.format import (
        FORMAT_NAME,
        FORMAT_VERSION,
        RecorderClosedError,
        SessionError,
        SessionFileError,
        SessionFormatError,
        SessionHeader,
    )
    from workbench.session.index import list_sessions
    from workbench.session.reader import LoadedSession, SessionSummary, load_session
    from workbench.session.recorder import SessionRecorder
    from workbench.session.replay import ReplayController, replay_events

_HOMES = {
    **dict.fromkeys(
        (
            "FORMAT_NAME",
            "FORMAT_VERSION",
            "RecorderClosedError",
            "SessionError",
            "SessionFileError",
            "SessionFormatError",
            "SessionHeader",
        ),
        "format",
    ),
    **dict.fromkeys(("LoadedSession", "SessionSummary", "load_session"), "reader"),
    "list_sessions": "index",
    "SessionRecorder": "recorder",
    **dict.fromkeys(("ReplayController", "replay_events"), "replay"),
}
"""Where each name lives. Loaded on first use: the app's first frame needs only the format's errors,
not the reader, the recorder and their imports (~15 ms)."""


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'workbench.session' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"workbench.session.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "LoadedSession",
    "RecorderClosedError",
    "ReplayController",
    "SessionError",
    "SessionFileError",
    "SessionFormatError",
    "SessionHeader",
    "SessionRecorder",
    "SessionSummary",
    "list_sessions",
    "load_session",
    "replay_events",
]
