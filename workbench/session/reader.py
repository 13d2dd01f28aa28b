"""Reading session files back: typed events, and plain-worded notes on anything that was wrong.

The header must be a workbench session of a version this workbench understands, or loading is refused
(:class:`SessionFormatError`). After it, loading stops at the first line that is not valid JSON or not a
valid event (what follows is not trusted) and says which line; a valid line whose ``type`` is unknown
(written by a newer workbench) is skipped and noted.
"""

from __future__ import annotations

import gc
import json
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from workbench.core.events import EVENT_ADAPTER, Event
from workbench.paths import sessions_dir
from workbench.session.format import (
    FORMAT_NAME,
    FORMAT_VERSION,
    SessionError,
    SessionFileError,
    SessionFormatError,
    SessionHeader,
    event_types,
)

EVENT_TYPES = frozenset(event_types())
_TURN_STARTED = re.compile(rb'"type"\s*:\s*"turn_started"')


@dataclass(slots=True)
class LoadedSession:
    path: Path
    header: SessionHeader
    events: list[Event]
    problems: list[str] = field(default_factory=list)
    """One line per thing that was wrong, for the user; empty for a clean file."""
    truncated_at: int | None = None
    """The 1-based line where loading stopped, or None when the whole file loaded."""

    @property
    def complete(self) -> bool:
        return self.truncated_at is None and not self.problems


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """What a session picker shows, read without validating every event."""

    path: Path
    created: datetime
    session_id: str
    profile_name: str | None
    turns: int
    events: int
    first_prompt: str | None
    duration_s: float | None
    """``t`` of the last complete event line, when it could be read."""


def load_session(path: Path) -> LoadedSession:
    """Load a session file. Raises :class:`SessionFileError` or :class:`SessionFormatError`."""
    lines = _read_lines(path)
    header = _parse_header(path, lines[0])
    with _gc_paused():
        events, problems, truncated_at = _load_events(lines)
    return LoadedSession(path, header, events, problems, truncated_at)


def _load_events(lines: list[bytes]) -> tuple[list[Event], list[str], int | None]:
    events: list[Event] = []
    problems: list[str] = []
    unknown: Counter[str] = Counter()
    first_unknown: dict[str, int] = {}
    truncated_at: int | None = None
    torn_tail = lines[-1] != b""
    last = len(lines) if torn_tail else len(lines) - 1

    for number in range(2, last + 1):
        line = lines[number - 1]
        if not line.strip():
            continue
        try:
            events.append(EVENT_ADAPTER.validate_json(line))
            continue
        except ValidationError as exc:
            error = exc
        verdict = _diagnose(line, error)
        if isinstance(verdict, _Unknown):
            unknown[verdict.type] += 1
            first_unknown.setdefault(verdict.type, number)
            continue
        truncated_at = number
        loaded = f"loaded the {_count(len(events), 'event')} before it"
        if verdict is None and number == last and torn_tail:
            problems.append(
                f"line {number}: not valid JSON (the file ends mid-line; the session was probably"
                f" interrupted) — {loaded}"
            )
        elif verdict is None:
            problems.append(
                f"line {number}: not valid JSON — stopped there and {loaded}; the rest is not trusted"
            )
        else:
            problems.append(
                f"line {number}: {verdict} — stopped there and {loaded}; the rest is not trusted"
            )
        break

    skipped = [
        f"skipped {_count(count, 'line')} of unknown event type {type_!r}"
        f" (first at line {first_unknown[type_]}); a newer workbench probably wrote them"
        for type_, count in unknown.items()
    ]
    return events, skipped + problems, truncated_at


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Validating tens of thousands of events allocates enough containers to trigger repeated full
    collections; pausing the collector makes loading ~3x faster (benchmarks/bench_recorder.py)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def list_sessions(
    directory: Path | None = None, *, limit: int | None = None
) -> list[SessionSummary]:
    """Summaries of the sessions in ``directory`` (default: ``sessions_dir()``), newest first.

    Files that are not readable sessions of a known version are left out.
    """
    directory = sessions_dir() if directory is None else directory
    if not directory.is_dir():
        return []
    summaries: list[SessionSummary] = []
    for path in directory.glob("*.jsonl"):
        try:
            summaries.append(summarise_session(path))
        except SessionError:
            continue
    summaries.sort(key=lambda s: s.created, reverse=True)
    return summaries if limit is None else summaries[:limit]


def summarise_session(path: Path) -> SessionSummary:
    """Header plus a scan for turns, without validating every event."""
    lines = _read_lines(path)
    header = _parse_header(path, lines[0])
    body = [line for line in lines[1:] if line.strip()]
    if lines[-1] != b"" and body:
        body.pop()  # a torn last line is not an event
    turn_lines = [line for line in body if b"turn_started" in line and _TURN_STARTED.search(line)]
    first_prompt = None
    if turn_lines:
        first = _json_object(turn_lines[0])
        prompt = first.get("prompt") if first else None
        first_prompt = prompt if isinstance(prompt, str) else None
    duration = None
    if body:
        last = _json_object(body[-1])
        t = last.get("t") if last else None
        duration = float(t) if isinstance(t, int | float) else None
    name = header.profile.name
    return SessionSummary(
        path=path,
        created=header.created,
        session_id=header.session_id,
        profile_name=name if isinstance(name, str) else None,
        turns=len(turn_lines),
        events=len(body),
        first_prompt=first_prompt,
        duration_s=duration,
    )


def _read_lines(path: Path) -> list[bytes]:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise SessionFileError(path, f"session file not found: {path}") from exc
    except IsADirectoryError as exc:
        raise SessionFileError(path, f"{path} is a directory, not a session file") from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise SessionFileError(path, f"cannot read session file {path}: {reason}") from exc
    if not data.strip():
        raise SessionFormatError(path, f"{path} is empty: not a workbench session")
    return data.split(b"\n")


def _parse_header(path: Path, line: bytes) -> SessionHeader:
    not_session = f"{path} is not a workbench session"
    raw = _json_object(line)
    if raw is None:
        raise SessionFormatError(path, f"{not_session} (its first line is not a JSON object)")
    if raw.get("format") != FORMAT_NAME:
        raise SessionFormatError(path, f'{not_session} (no "format": "{FORMAT_NAME}" header)')
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SessionFormatError(path, f"{path}: unknown session format version {version!r}")
    if version > FORMAT_VERSION:
        raise SessionFormatError(
            path,
            f"{path}: session format version {version} is newer than this workbench understands"
            f" ({FORMAT_VERSION}); upgrade workbench",
        )
    try:
        return SessionHeader.model_validate(raw)
    except ValidationError as exc:
        raise SessionFormatError(
            path, f"{path}: the session header is invalid ({_first_error(exc)})"
        ) from exc


class _Unknown:
    __slots__ = ("type",)

    def __init__(self, type_: str) -> None:
        self.type = type_


def _diagnose(line: bytes, error: ValidationError) -> _Unknown | str | None:
    """Why a line failed: an unknown type (skippable), a worded invalid event, or None (not JSON)."""
    try:
        raw = json.loads(line)
    except ValueError:
        return None
    if not isinstance(raw, dict):
        return "not a JSON object"
    type_ = raw.get("type")
    if not isinstance(type_, str):
        return 'an event without a "type"'
    if type_ not in EVENT_TYPES:
        return _Unknown(type_)
    return f"invalid {type_!r} event ({_first_error(error, skip_tag=type_)})"


def _first_error(error: ValidationError, *, skip_tag: str | None = None) -> str:
    first = error.errors(include_url=False)[0]
    parts = list(first["loc"])
    # A union error's path starts with the discriminator tag, which the message already names.
    if skip_tag is not None and parts[:1] == [skip_tag]:
        parts = parts[1:]
    loc = ".".join(str(part) for part in parts)
    more = error.error_count() - 1
    extra = f"; {more} more" if more > 0 else ""
    return f"{loc}: {first['msg']}{extra}" if loc else f"{first['msg']}{extra}"


def _json_object(line: bytes) -> dict[str, Any] | None:
    try:
        raw = json.loads(line)
    except ValueError:
        return None
    return raw if isinstance(raw, dict) else None
