"""Recorded sessions: JSONL recording, loading back, and paced replay of the same events.

No UI here; the format is documented in docs/session-format.md.
"""

from workbench.session.format import (
    FORMAT_NAME,
    FORMAT_VERSION,
    RecorderClosedError,
    SessionError,
    SessionFileError,
    SessionFormatError,
    SessionHeader,
)
from workbench.session.reader import LoadedSession, SessionSummary, list_sessions, load_session
from workbench.session.recorder import SessionRecorder
from workbench.session.replay import ReplayController, replay_events

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
