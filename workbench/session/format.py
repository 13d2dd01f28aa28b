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
FORMAT_VERSION: Final = 2
"""Bumped when an existing event or header field changes; a new event type or header field does not
bump it (``t0_unix_ns`` and ``tools`` were added so: older files lack them, older readers ignore them).
2 added the response's id and model and ``Usage.reported``; version-1 files load as they are (their
defaults say "not known"), see docs/session-format.md, Versioning."""


def event_types() -> dict[str, type[BaseModel]]:
    """Every event type this workbench knows, by its ``type`` tag, in union order."""
    union = get_args(Event)[0]
    return {cls.model_fields["type"].default: cls for cls in get_args(union)}


class ProfileSummary(BaseModel):
    """The profile a session ran with: its public fields (keys only by env-var name, never a value).

    Every profile field is kept (``extra="allow"``); the ones readers need are typed here."""

    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    name: str | None = None
    type: str | None = None
    model: str | None = None
    description: str | None = None

    def field(self, name: str, default: Any = None) -> Any:
        """Any other public profile field as recorded (``max_concurrent_tools``, say)."""
        return (self.model_extra or {}).get(name, default)


class ProviderSummary(BaseModel):
    """The provider as the session saw it, so a replay labels the knobs as the live run did."""

    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    name: str
    model: str
    parallel_knob: str | None = None
    """The provider's own name for the parallel switch, or None where it has none."""
    parallel_note: str = ""
    eager_dispatch: bool = False
    supports_function_calling_mode: bool = False


class ToolInfo(BaseModel):
    """One tool the session offered the model."""

    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    name: str
    kind: Literal["function", "extension"] = "function"
    """``extension`` for tools served by an MCP server."""
    source: str | None = None
    """The tool source (MCP server name), or None for built-in and Python tools."""


class SessionHeader(BaseModel):
    """The first line of every session file. Written once, never rewritten."""

    # Newer writers may add header fields; an older reader keeps them without interpreting them.
    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    format: Literal["workbench-session"] = FORMAT_NAME
    version: int = FORMAT_VERSION
    created: datetime
    """When recording started, UTC."""
    workbench_version: str
    """The workbench that wrote the file."""
    session_id: str
    t0_unix_ns: int | None = None
    """The wall-clock instant of the session clock's t = 0, in nanoseconds since the Unix epoch
    Absent in files written before it existed: use :meth:`start_unix_ns`."""
    profile: ProfileSummary
    """The profile the session ran with (public fields only; keys are referenced by env-var name)."""
    provider: ProviderSummary | None = None
    """The provider as the session saw it. Absent in the earliest files."""
    tools: list[ToolInfo] = []
    """The tools offered, with their kind and source (empty in files written before it existed)."""
    source: dict[str, Any] | None = None
    """Where the session came from when workbench did not record it live: ``workbench import`` and
    ``listen`` write ``{"kind": "imported", "format", "files", "service", "scope", "scope_version",
    "batches_by", "slot_wait", ...}`` (docs/session-format.md). None for a recorded run."""

    def start_unix_ns(self) -> tuple[int, bool]:
        """When t = 0 was on the wall clock, in Unix ns, and whether that is exact.

        Files written before ``t0_unix_ns`` existed did not record it: ``created`` stands in, taken
        a little before t = 0, so times placed with it are approximate (``False``)."""
        if self.t0_unix_ns is not None:
            return self.t0_unix_ns, True
        return int(self.created.timestamp() * 1_000_000) * 1000, False

    def wall_ns(self, t: float) -> int:
        """An event's ``t`` as Unix ns on the wall clock (approximate for files without t0)."""
        return self.start_unix_ns()[0] + round(t * 1e9)

    def tool_info(self, name: str) -> ToolInfo:
        """What the header says of a tool (a plain function tool when it says nothing)."""
        for info in self.tools:
            if info.name == name:
                return info
        return ToolInfo(name=name)


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
