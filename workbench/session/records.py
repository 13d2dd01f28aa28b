"""The one session reader: a file's header, then its event lines as records, and what was wrong.

Every reader of session files goes through :class:`Recording`: typed loading
(:func:`workbench.session.load_session`, which validates every event on top of it), analysis and the
exporters (which build events without validating them again and let the session fold check what it
reads). One set of rules, in one set of words:

- the header must be a workbench session of a version this workbench understands, or the file is
  refused (:class:`SessionFormatError`; a missing or unreadable file, :class:`SessionFileError`);
- blank lines are ignored;
- a line of a type this workbench does not know (a newer one wrote it) is skipped and counted;
- the first line that is not a JSON object with a ``type``, or an event that is invalid, ends the
  usable part: what follows is not trusted. Only the last line can be torn (the recorder writes whole
  lines): that one is said to be an interrupted session.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from itertools import islice
from pathlib import Path
from typing import Any, cast

import orjson
from pydantic import ValidationError

from workbench.core.events import EVENT_ADAPTER, Event
from workbench.core.fold import SessionFold
from workbench.core.trusted import TrustedModel, trusted
from workbench.inputs import InputFileError, read_regular
from workbench.session.format import (
    FORMAT_NAME,
    FORMAT_VERSION,
    SessionFileError,
    SessionFormatError,
    SessionHeader,
    event_types,
)

Record = dict[str, Any]
"""One event line as JSON: the shape docs/session-format.md documents."""

_Hot = tuple[Callable[[Record], object], int]
"""A handler of records of one type, and how many fields such a record has."""

EVENT_TYPES = frozenset(event_types())

_NESTED = frozenset(
    {
        "settings_changed",
        "model_request_started",
        "model_response_finished",
        "batch_started",
        "batch_finished",
        "turn_finished",
    }
)
"""Event types holding nested objects (settings, stats, usage): always validated, so every nested
value a view reads is typed. They are a few per batch; the flat per-call events are the bulk."""

_TRUSTED: dict[str, tuple[type[TrustedModel], int]] = {
    tag: (cast("type[TrustedModel]", cls), len(cls.model_fields))
    for tag, cls in event_types().items()
    if tag not in _NESTED
}


class Recording:
    """A session file's header, and its event lines to be read once (:meth:`records`,
    :meth:`events` or :meth:`trusted_events`)."""

    __slots__ = (
        "_first_unknown",
        "_stop",
        "_unknown",
        "header",
        "line",
        "lines",
        "path",
        "read",
        "truncated_at",
    )

    def __init__(self, path: Path, header: SessionHeader, lines: list[bytes]) -> None:
        self.path = path
        self.header = header
        self.lines = lines
        self.truncated_at: int | None = None
        """The 1-based line where reading stopped, or None when every line was read."""
        self.line = 1
        """The 1-based line of the record last handed on."""
        self.read = 0
        """Events read so far (handed on or passed over), before the current line."""
        self._unknown: Counter[str] = Counter()
        self._first_unknown: dict[str, int] = {}
        self._stop: str | None = None

    @property
    def problems(self) -> list[str]:
        """What was wrong with the body, one line each; complete once reading is over."""
        out = [
            f"skipped {_count(n, 'line')} of unknown event type {kind!r}"
            f" (first at line {self._first_unknown[kind]}); a newer workbench probably wrote them"
            for kind, n in self._unknown.items()
        ]
        if self._stop is not None:
            out.append(self._stop)
        return out

    def ends_cleanly(self) -> bool:
        """Whether the last event line is a ``turn_finished`` (a session whose every turn ended),
        read from its first bytes without parsing it."""
        lines = self.lines
        for line in reversed(lines[-3:]):
            if line.strip():
                at = line.find(b'"type":"', 0, 48)
                return at > 0 and line.startswith(b'turn_finished"', at + 8)
        return False

    @property
    def complete(self) -> bool:
        return self.truncated_at is None and not self._unknown

    def records(self, skip: AbstractSet[str] = frozenset()) -> Iterator[Record]:
        """The event lines as dicts, in order, up to the first line that is not one.

        Events of the types in ``skip`` are not handed on. A line the recorder wrote names its type
        in its first few bytes (``{"t":0.25,"type":"text_delta",...``): such a line of a skipped
        type is passed over without being parsed, 0.3-0.5 µs saved on most lines of a recording.
        The last line (the one that can be torn) is always parsed.
        """
        for _, record in self._typed(skip):
            yield record

    def _typed(
        self, skip: AbstractSet[str], hot: dict[str, _Hot] | None = None
    ) -> Iterator[tuple[str, Record]]:
        """:meth:`records`, each with its type (read once from the record). A record that ``hot``
        has a handler for, with that handler's count of fields, goes to it instead, in this loop
        (no yield: the per-call lines of a recording, the bulk of it); when the handler cannot use
        it, reading stops there (:meth:`stop` with :func:`why_invalid`)."""
        handler_for = (hot if hot is not None else {}).get
        loads = orjson.loads
        # One lookup per line: True hands the event on, False skips it, None: unknown type.
        table = {kind: kind not in skip for kind in EVENT_TYPES}
        wanted = table.get
        # The skipped types with their closing quote, so that a longer name is not taken for one.
        passed_over = tuple(f'{kind}"'.encode() for kind in sorted(skip) if kind in EVENT_TYPES)
        lines = self.lines
        torn_tail = lines[-1] != b""
        last = len(lines) if torn_tail else len(lines) - 1  # 1-based number of the last line
        final = lines[last - 1]
        unknown = self._unknown
        read = 0
        for number, line in enumerate(islice(lines, 1, last), 2):
            if passed_over:
                at = line.find(b'"type":"', 0, 48)
                if at > 0 and line.startswith(passed_over, at + 8) and line is not final:
                    read += 1
                    continue
            try:
                record = loads(line)
                kind = record["type"]
                verdict = wanted(kind)
            except orjson.JSONDecodeError:
                if not line.strip():
                    continue
                why = "not valid JSON"
                if number == last and torn_tail:
                    why += " (the file ends mid-line; the session was probably interrupted)"
                    self._end(number, read, why, trusted_rest=True)
                else:
                    self._end(number, read, why)
                return
            except (TypeError, KeyError):
                self._end(number, read, _not_an_event(line))
                return
            if verdict:
                direct = handler_for(kind)
                if direct is not None and len(record) == direct[1]:
                    try:
                        direct[0](record)
                    except (AttributeError, KeyError, TypeError, ValueError):
                        self.line = number
                        self.read = read
                        self.stop(why_invalid(record))
                        return
                    read += 1
                    continue
                self.line = number
                self.read = read
                yield kind, record
                if self._stop is not None:
                    return  # the consumer found it unusable (stop())
                read += 1
            elif verdict is None:
                if not isinstance(kind, str):
                    self._end(number, read, 'an event without a "type"')
                    return
                unknown[kind] += 1
                self._first_unknown.setdefault(kind, number)
            else:
                read += 1

    def stop(self, what: str) -> None:
        """The record last handed on cannot be used (``what`` says why): reading ends there."""
        self._end(self.line, self.read, what)

    def events(self, skip: AbstractSet[str] = frozenset()) -> Iterator[Event]:
        """The events, each validated (pydantic), up to the first invalid one."""
        # From the line's own text (not the parsed record): JSON integers wider than 64 bits stay
        # integers, as the recorder wrote them.
        validate = EVENT_ADAPTER.validate_json
        lines = self.lines
        for _, record in self._typed(skip):
            try:
                event = validate(lines[self.line - 1])
            except ValidationError as exc:
                self.stop(_invalid(record, exc))
                return
            yield event

    def trusted_events(self, skip: AbstractSet[str] = frozenset()) -> Iterator[Event]:
        """The events, those with nested objects validated and the flat per-call ones built from
        their record as it is (~0.2 µs instead of ~5): for a consumer such as the session fold
        that checks what it reads, and calls :meth:`stop` with :func:`why_invalid` when a field
        is not what the format says."""
        validate = EVENT_ADAPTER.validate_python
        flat = _TRUSTED.get
        for kind, record in self._typed(skip):
            found = flat(kind)
            if found is not None and len(record) == found[1]:
                yield trusted(found[0], record)  # type: ignore[misc]
                continue
            try:
                event = validate(record)
            except ValidationError as exc:
                self.stop(_invalid(record, exc))
                return
            yield event

    def feed(self, apply: Callable[[Event], object], skip: AbstractSet[str] = frozenset()) -> None:
        """Every usable event to ``apply`` (a session fold's, or a view's built on one), stopping
        at the first whose fields it cannot use."""
        for event in self.trusted_events(skip):
            try:
                apply(event)
            except (AttributeError, KeyError, TypeError, ValueError):
                self.stop(why_invalid(event.__dict__))
                break

    def fold(
        self, fold: SessionFold | None = None, skip: AbstractSet[str] = frozenset()
    ) -> SessionFold:
        """Every usable event into ``fold`` (a new one by default), then :meth:`SessionFold.end`:
        a file that stops mid-turn leaves its open turn, round trip and batch interrupted."""
        fold = SessionFold() if fold is None else fold
        self.feed_fold(fold, skip)
        fold.end()
        return fold

    def feed_fold(self, fold: SessionFold, skip: AbstractSet[str] = frozenset()) -> None:
        """Every usable event into ``fold`` (without :meth:`SessionFold.end`), as :meth:`feed`
        does with ``fold.apply``; the per-call lines, most of a recording, go to
        :meth:`SessionFold.apply_record` as parsed, no event built for them."""
        validate = EVENT_ADAPTER.validate_python
        flat = _TRUSTED.get
        # The per-call handlers, with the field count a record of their type has: a record with
        # one missing (a default filled in) or one too many is validated, as any other.
        hot = {kind: (handler, _TRUSTED[kind][1]) for kind, handler in fold.record_handlers.items()}
        apply = fold.apply
        for kind, record in self._typed(skip, hot):
            found = flat(kind)
            if found is not None and len(record) == found[1]:
                try:
                    apply(trusted(found[0], record))  # type: ignore[arg-type]
                except (AttributeError, KeyError, TypeError, ValueError):
                    self.stop(why_invalid(record))
                    break
                continue
            try:
                event = validate(record)
            except ValidationError as exc:
                self.stop(_invalid(record, exc))
                return
            try:
                apply(event)
            except (AttributeError, KeyError, TypeError, ValueError):
                self.stop(why_invalid(event.__dict__))
                break

    def _end(self, number: int, read: int, why: str, *, trusted_rest: bool = False) -> None:
        self.truncated_at = number
        loaded = f"loaded the {_count(read, 'event')} before it"
        if trusted_rest:
            self._stop = f"line {number}: {why} — {loaded}"
        else:
            self._stop = (
                f"line {number}: {why} — stopped there and {loaded}; the rest is not trusted"
            )


def open_recording(path: Path) -> Recording:
    """Open a session file: its header checked, its body not yet read. Raises
    :class:`SessionFileError` or :class:`SessionFormatError`."""
    lines = read_lines(path)
    return Recording(path, parse_header(path, lines[0]), lines)


def why_invalid(record: Record) -> str:
    """Why an event record cannot be used, naming its field: ``invalid 'call_finished' event
    (started_t: Field required)``."""
    try:
        EVENT_ADAPTER.validate_python(record)
    except ValidationError as exc:
        return _invalid(record, exc)
    return f"a {record.get('type')!r} event this workbench could not read"


def _invalid(record: Record, error: ValidationError) -> str:
    type_ = record.get("type")
    return f"invalid {type_!r} event ({first_error(error, skip_tag=str(type_))})"


def _not_an_event(line: bytes) -> str:
    return 'an event without a "type"' if line.lstrip().startswith(b"{") else "not a JSON object"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def read_lines(path: Path) -> list[bytes]:
    """The file's lines as bytes (the last one empty when the file ends with a newline), or the
    loader's one-line :class:`SessionFileError` for a file that is missing, unreadable or empty."""
    return read_bytes(path).split(b"\n")


MAX_SESSION_BYTES = 2 * 1024**3
"""Largest session file read (2 GiB, several million events): it is read whole, so anything bigger,
or a device that never ends, is refused before memory runs out."""


def read_bytes(path: Path) -> bytes:
    try:
        # Regular files only (a FIFO blocks the open, /dev/zero never ends), under the limit.
        data = read_regular(path, limit=MAX_SESSION_BYTES, what="session file")
    except FileNotFoundError as exc:
        raise SessionFileError(path, f"session file not found: {path}") from exc
    except IsADirectoryError as exc:
        raise SessionFileError(path, f"{path} is a directory, not a session file") from exc
    except InputFileError as exc:
        if path.is_dir():
            raise SessionFileError(path, f"{path} is a directory, not a session file") from exc
        raise SessionFileError(path, f"cannot read session file {exc}") from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise SessionFileError(path, f"cannot read session file {path}: {reason}") from exc
    if not data or (data[:1].isspace() and data.isspace()):  # without copying a large file
        raise SessionFormatError(path, f"{path} is empty: not a workbench session")
    return data


def parse_header(path: Path, line: bytes) -> SessionHeader:
    """The first line as a header, or :class:`SessionFormatError` saying why it is not one."""
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
            path, f"{path}: the session header is invalid ({first_error(exc)})"
        ) from exc


def first_error(error: ValidationError, *, skip_tag: str | None = None) -> str:
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
