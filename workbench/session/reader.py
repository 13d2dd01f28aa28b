"""Reading session files back: typed events, and plain-worded notes on anything that was wrong.

Loading is the one reader (:mod:`workbench.session.records`: how a bad, torn or unknown line is
treated, and in which words) with every event validated on top of it. Summaries for a session
picker are read here too, without validating every event.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from workbench.core.events import Event
from workbench.gcpolicy import paused
from workbench.session.format import SessionHeader
from workbench.session.records import (
    EVENT_TYPES,
    open_recording,
    parse_header,
    read_bytes,
    read_lines,
)

__all__ = [
    "EVENT_TYPES",
    "LoadedSession",
    "SessionSummary",
    "load_session",
    "parse_header",
    "read_lines",
    "summarise_session",
]


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
    """``t`` of the last complete event line, when it could be read: the session's span, from its
    start to its last event, idle time between turns included."""
    provider: str | None = None
    """The provider type (``openai-chat``), from the header."""
    model: str | None = None
    calls: int = 0
    """Tool calls that finished (every call gets exactly one ``call_finished``)."""
    failures: int = 0
    """Finished calls whose status is not ``ok`` (errors, timeouts, cancellations)."""
    size: int = 0
    """The file's size in bytes."""
    prompts: tuple[str, ...] = ()
    """Every turn's prompt, in order (``--grep`` and the browser's filter search them)."""
    t0_unix_ns: int = 0
    """When t = 0 was, in Unix ns (from ``created`` in files that predate ``t0_unix_ns``)."""
    wall_s: float | None = None
    """The sum of the turns' walls, idle time between turns not counted: the session fold's
    ``SessionTotals.wall_s`` (tests/session/test_views_agree.py holds it); None when
    ``duration_s`` is."""


def load_session(path: Path) -> LoadedSession:
    """Load a session file. Raises :class:`SessionFileError` or :class:`SessionFormatError`."""
    recording = open_recording(path)
    with paused():
        events = list(recording.events())
    return LoadedSession(path, recording.header, events, recording.problems, recording.truncated_at)


def summarise_session(path: Path) -> SessionSummary:
    """The header, parsed and validated, plus what a listing shows, without parsing every event.

    Only ``turn_started``, ``turn_finished`` and ``call_finished`` lines are parsed. When every line has the shape the
    recorder writes (``{"t":…,"type":"…",``), they are found with ``bytes.find`` (the common case:
    ~10x faster than a loop over lines); otherwise every line's tag is read in turn. Like
    :func:`load_session`, counting stops at the first line that is not JSON, and a torn last line
    is not an event. Raises :class:`SessionFileError` or :class:`SessionFormatError`.
    """
    data = read_bytes(path)
    newline = data.find(b"\n")
    header = parse_header(path, data if newline < 0 else data[:newline])
    # Up to the last newline: a torn last line is not an event.
    body = b"" if newline < 0 else data[newline + 1 : data.rfind(b"\n") + 1]
    counted = _scan_shaped(body) or _scan_lines(body)
    events, last_t, prompts, calls, failures, wall = counted
    provider = header.provider
    return SessionSummary(
        path=path,
        created=header.created,
        session_id=header.session_id,
        profile_name=header.profile.name,
        turns=len(prompts),
        events=events,
        first_prompt=prompts[0] if prompts else None,
        duration_s=last_t,
        provider=provider.name if provider is not None else header.profile.type,
        model=provider.model if provider is not None else header.profile.model,
        calls=calls,
        failures=failures,
        size=len(data),
        prompts=tuple(prompts),
        t0_unix_ns=header.start_unix_ns()[0],
        wall_s=None if last_t is None else wall,
    )


_Counts = tuple[int, float | None, list[str], int, int, float]
"""events, the last event's ``t``, prompts, finished calls, failed calls, the turns' walls."""


class _TurnWalls:
    """The turns' walls as the session fold sums them (``SessionFold.totals``): each finished
    turn's recorded ``stats.wall_s``, and the turn still open at the end (the latest started and not
    finished after it: cut by a kill) measured from its start to the last event."""

    __slots__ = ("done", "open")

    def __init__(self) -> None:
        self.done = 0.0
        self.open: tuple[object, float] | None = None
        """The open turn's number and start."""

    def started(self, raw: dict[str, Any]) -> None:
        t = raw.get("t")
        if isinstance(t, int | float):
            self.open = (raw.get("turn"), float(t))

    def finished(self, raw: dict[str, Any]) -> None:
        stats = raw.get("stats")
        wall = stats.get("wall_s") if isinstance(stats, dict) else None
        if isinstance(wall, int | float):
            self.done += wall
        if self.open is not None and self.open[0] == raw.get("turn"):
            self.open = None

    def total(self, last_t: float | None) -> float:
        if self.open is None or last_t is None:
            return self.done
        return self.done + (last_t - self.open[1])


def _scan_shaped(body: bytes) -> _Counts | None:
    """The fast path, or None when some line is not shaped as the recorder writes them."""
    lines = body.count(b"\n")
    if not lines or (b"\n" + body).count(b'\n{"t":') != lines:
        return None
    last_start = body.rfind(b"\n", 0, len(body) - 1) + 1
    _, last_t = _tag_and_t(body[last_start:-1])
    if last_t is None:
        return None
    prompts: list[str] = []
    calls = failures = 0
    walls = _TurnWalls()
    try:
        turns = [(at, True, raw) for at, raw in _tagged(body, b"turn_started")]
        turns += [(at, False, raw) for at, raw in _tagged(body, b"turn_finished")]
        for raw in (raw for _, started, raw in turns if started):
            prompt = raw.get("prompt")
            if isinstance(prompt, str):
                prompts.append(prompt)
        for _, started, raw in sorted(turns, key=lambda turn: turn[0]):
            (walls.started if started else walls.finished)(raw)
        for _, raw in _tagged(body, b"call_finished"):
            calls += 1
            failures += raw.get("status") != "ok"
    except _Untrusted:
        return None  # the line loop finds where to stop
    return lines, last_t, prompts, calls, failures, walls.total(last_t)


class _Untrusted(Exception):
    """A line looked like an event but is not JSON."""


def _tagged(body: bytes, tag: bytes) -> Iterator[tuple[int, dict[str, Any]]]:
    """The parsed lines whose own ``type`` is ``tag`` (not a nested object's that happens to be),
    with where each starts in ``body``."""
    needle = _TYPE_KEY + tag + b'"'
    find, rfind, loads = body.find, body.rfind, orjson.loads
    at = find(needle)
    while at >= 0:
        start = rfind(b"\n", 0, at) + 1
        end = find(b"\n", at)
        # The event's own tag follows its number ``t`` directly: no quote between.
        if at - start < 48 and b'"' not in body[start + 5 : at]:
            try:
                raw = loads(body[start:end])
            except orjson.JSONDecodeError:
                raise _Untrusted from None
            if not isinstance(raw, dict):
                raise _Untrusted
            yield start, raw
        at = find(needle, end)


def _scan_lines(body: bytes) -> _Counts:
    events = calls = failures = 0
    prompts: list[str] = []
    last_t: float | None = None
    walls = _TurnWalls()
    loads = orjson.loads
    for line in body.split(b"\n"):
        if not line.strip():
            continue
        tag, t = _tag_and_t(line)
        raw: dict[str, Any] | None = None
        if tag is None or tag in _PARSED:
            try:
                parsed = loads(line)
            except orjson.JSONDecodeError:
                break  # what follows is not trusted (load_session stops here too)
            if not isinstance(parsed, dict):
                break
            raw = parsed
            tag = raw.get("type") if tag is None else tag
            value = raw.get("t")
            t = float(value) if isinstance(value, int | float) else t
        events += 1
        last_t = t if t is not None else last_t
        if raw is None:
            continue
        if tag == "turn_started":
            prompt = raw.get("prompt")
            if isinstance(prompt, str):
                prompts.append(prompt)
            walls.started(raw)
        elif tag == "turn_finished":
            walls.finished(raw)
        elif tag == "call_finished":
            calls += 1
            failures += raw.get("status") != "ok"
    return events, last_t, prompts, calls, failures, walls.total(last_t)


_PARSED = frozenset({"turn_started", "turn_finished", "call_finished"})
_T_PREFIX = b'{"t":'
_TYPE_KEY = b',"type":"'


def _tag_and_t(line: bytes) -> tuple[str | None, float | None]:
    """``type`` and ``t`` of an event line as the recorder writes it (``{"t":1.5,"type":"…",``),
    read without parsing the line; ``(None, None)`` for any other shape (then it is parsed)."""
    if not line.startswith(_T_PREFIX):
        return None, None
    comma = line.find(_TYPE_KEY, 5, 48)
    if comma < 0:
        return None, None
    end = line.find(b'"', comma + 9, comma + 64)
    if end < 0:
        return None, None
    try:
        t = float(line[5:comma])
    except ValueError:
        return None, None
    return line[comma + 9 : end].decode("ascii", "replace"), t
