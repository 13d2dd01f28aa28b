"""The session file format: its name, version, header model and errors (see docs/session-format.md).

A session is JSON Lines: one header object, then one event per line, each validated by
``workbench.core.events.EVENT_ADAPTER``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Final, Literal, get_args

from pydantic import BaseModel, ConfigDict

from workbench.core.events import Event

FORMAT_NAME: Final = "workbench-session"
FORMAT_VERSION: Final = 1
"""Bumped when an existing event or header field changes; a new event type does not bump it."""


def event_types() -> dict[str, type[BaseModel]]:
    """Every event type this workbench knows, by its ``type`` tag, in union order."""
    union = get_args(Event)[0]
    return {cls.model_fields["type"].default: cls for cls in get_args(union)}


class SessionHeader(BaseModel):
    """The first line of every session file. Written once, never rewritten."""

    # Newer writers may add header fields; an older reader keeps them without interpreting them.
    model_config = ConfigDict(extra="allow", frozen=True)

    format: Literal["workbench-session"] = FORMAT_NAME
    version: int = FORMAT_VERSION
    created: datetime
    """When recording started, UTC."""
    workbench_version: str
    """The workbench that wrote the file."""
    session_id: str
    profile: dict[str, Any]
    """The profile the session ran with (public fields only; keys are referenced by env-var name)."""
    provider: dict[str, Any] | None = None
    """The provider as the session saw it: ``name``, ``model`` and its capabilities (``parallel_knob``,
    ``parallel_note``, ``eager_dispatch``, ``supports_function_calling_mode``), so a replay can label
    the knobs as the live run did. Absent in files written before it existed."""


class SessionError(Exception):
    """A session file could not be read or written; the message is one line a user understands."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message

    def __str__(self) -> str:
        return self.message


class SessionFileError(SessionError, OSError):
    """The file is missing, unreadable or unwritable (also an ``OSError``, for callers that catch that)."""


class SessionFormatError(SessionError):
    """The file is not a session this workbench can read (wrong format, newer version, bad header)."""


class RecorderClosedError(RuntimeError):
    """An event was recorded after the recorder was closed: a bug in the caller, not a user error."""
