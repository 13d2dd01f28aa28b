"""Recording a run as a JSONL session file, without costing the run it records.

``record()`` only appends the (frozen, immutable) event to a list: it sits on the executor's hot path,
three events per tool call. Serialising and writing happen in bulk, in loop callbacks of their own
rather than inside the caller, so on an event loop they overlap what the run waits for (a model
response, a tool's I/O) instead of delaying it:

- every ``batch_size`` events, and on ``flush_soon()`` (the runtime calls it at batch and turn ends),
  a write is scheduled behind whatever the loop has ready, and what that makes ready;
- at most ``max_delay_s`` after an event was buffered, a timer writes it (without a loop, ``record()``
  checks the clock instead), so a hanging tool cannot keep earlier events out of the file;
- ``flush()`` and ``close()`` write at once, and so does ``record()`` when ``max_buffer`` events are
  waiting (a loop busy with thousands of instant calls has no turn to spare), or every ``batch_size``
  events when there is no running loop. Events are kept few on purpose: thousands of them alive at
  once cost more in garbage collection than writing them does.

A backlog is written ``DRAIN_CHUNK`` events per loop turn, so writing never stalls the loop for long.
Every write ends on a line boundary, so a reader sees whole lines; a process killed mid-write leaves
at most one torn last line, which the reader tolerates.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import weakref
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import orjson
import pydantic_core

import workbench
from workbench.core.events import Event
from workbench.paths import sessions_dir
from workbench.session.format import (
    RecorderClosedError,
    SessionFileError,
    SessionHeader,
)
from workbench.session.redact import Redactor, scrub

DEFAULT_BATCH_SIZE = 200
"""Events buffered before a write is scheduled."""
DEFAULT_MAX_BUFFER = 400
"""Events buffered before ``record()`` writes them itself."""
DEFAULT_MAX_DELAY_S = 0.2
DRAIN_CHUNK = 5_000
"""Events written per loop turn when a backlog is drained (1-2 ms of work)."""


class SessionRecorder:
    """Writes one session file: the header at creation, then events in bulk.

    Use :meth:`create`; close it (or use it as a context manager) to write the last events. If it is
    garbage-collected or the interpreter exits while it is open, the buffered events are still written.
    """

    def __init__(
        self,
        path: Path,
        file: IO[bytes],
        header: SessionHeader,
        redactor: Redactor,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_buffer: int = DEFAULT_MAX_BUFFER,
        max_delay_s: float = DEFAULT_MAX_DELAY_S,
    ) -> None:
        self.path = path
        self.header = header
        self._file = file
        self._redactor = redactor
        self._buffer: list[Event] = []
        self._max_buffer = max_buffer
        self._batch_size = min(batch_size, max_buffer)
        self._limit = self._batch_size
        self._drain: asyncio.Handle | None = None
        self.failure: SessionFileError | None = None
        """A write that failed in the background, reported by the next ``flush()`` or ``close()``."""
        self._max_delay_s = max_delay_s
        self._last_write = time.monotonic()
        self._closed = False
        self._timer: asyncio.TimerHandle | None = None
        self.events_written = 0
        # The buffer list is shared with the finalizer, so events still buffered at exit are written.
        self._finalizer = weakref.finalize(self, _final_flush, file, self._buffer, redactor)

    @classmethod
    def create(
        cls,
        path: Path | None = None,
        *,
        profile: dict[str, Any],
        provider: dict[str, Any] | None = None,
        tools: list[dict[str, Any]] | None = None,
        t0_unix_ns: int | None = None,
        session_id: str | None = None,
        created: datetime | None = None,
        source: dict[str, Any] | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_buffer: int = DEFAULT_MAX_BUFFER,
        max_delay_s: float = DEFAULT_MAX_DELAY_S,
    ) -> SessionRecorder:
        """Open a new session file and write its header.

        ``path`` defaults to ``sessions_dir()/<UTC timestamp>-<short id>.jsonl``; parent directories are
        created. An existing file at an explicit ``path`` is replaced. ``created`` (default: now) and
        ``source`` are for sessions made from something else than a live run (an imported trace).
        """
        session_id = session_id or secrets.token_hex(8)
        created = created or datetime.now(UTC)
        if path is None:
            path = sessions_dir() / f"{created:%Y%m%d-%H%M%S}-{session_id[:8]}.jsonl"
        header = SessionHeader(
            created=created,
            workbench_version=workbench.__version__,
            session_id=session_id,
            t0_unix_ns=t0_unix_ns,
            profile=scrub(profile),
            provider=scrub(provider) if provider is not None else None,
            tools=tools or [],
            source=scrub(source) if source is not None else None,
        )
        redactor = Redactor.from_environment(profile)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            file = path.open("wb")
        except OSError as exc:
            blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
            reason = f"{blocker} is a file, not a directory" if blocker else _reason(exc)
            raise SessionFileError(path, f"cannot create session file {path}: {reason}") from exc
        try:
            file.write(redactor.redact(header.model_dump_json().encode()) + b"\n")
            file.flush()
        except OSError as exc:
            file.close()
            raise SessionFileError(
                path, f"cannot write session file {path}: {_reason(exc)}"
            ) from exc
        return cls(
            path,
            file,
            header,
            redactor,
            batch_size=batch_size,
            max_buffer=max_buffer,
            max_delay_s=max_delay_s,
        )

    @property
    def session_id(self) -> str:
        return self.header.session_id

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def pending(self) -> int:
        """Events recorded but not yet in the file."""
        return len(self._buffer)

    def record(self, event: Event) -> None:
        """Buffer one event; it is written within ``max_delay_s``, or at once if the buffer is full."""
        # On the executor's hot path (three events per tool call): an append and two checks. A
        # closed recorder has a limit of 0, so the closed check costs nothing here.
        buffer = self._buffer
        buffer.append(event)
        if len(buffer) >= self._limit:
            self._full()
        elif (
            self._timer is None
            and not self._arm_timer()
            and time.monotonic() - self._last_write >= self._max_delay_s
        ):
            self._write_buffered()  # no event loop to keep time for us: the clock is checked per event

    def _full(self) -> None:
        if self._closed:
            self._buffer.pop()
            raise RecorderClosedError(f"session recorder for {self.path} is closed")
        if len(self._buffer) >= self._max_buffer or not self._schedule_drain():
            self._write_buffered()
        else:
            self._limit = self._max_buffer  # until the drain runs

    def flush_soon(self) -> None:
        """Write the buffer soon, behind the loop's ready work (at once if no loop is running)."""
        if self._buffer and not self._closed and not self._schedule_drain():
            self._write_buffered()

    def _schedule_drain(self) -> bool:
        if self._drain is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return False
            # Two hops: the write runs after the callbacks that were ready before it, and after
            # those they make ready (a batch's waiter, woken by its last call), so the end of a
            # batch of instant calls is one write, not two.
            self._drain = loop.call_soon(self._hop)
        return True

    def _hop(self) -> None:
        self._drain = asyncio.get_running_loop().call_soon(self._on_drain)

    def _on_drain(self) -> None:
        self._drain = None
        if len(self._buffer) > DRAIN_CHUNK:
            self._write_buffered(DRAIN_CHUNK)
            self._schedule_drain()
        else:
            self._write_buffered()

    def _arm_timer(self) -> bool:
        # Without it, the calls started before a tool hangs would sit in the buffer until it returns.
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        self._timer = loop.call_later(self._max_delay_s, self._on_timer)
        return True

    def _on_timer(self) -> None:
        self._timer = None
        self._on_drain()

    def _write_buffered(self, limit: int | None = None) -> None:
        """Write buffered events (at most ``limit``) to the file."""
        if self._closed:
            return
        buffer = self._buffer
        if limit is None or len(buffer) <= limit:
            events = buffer[:]
            buffer.clear()
            self._limit = self._batch_size
            self._last_write = time.monotonic()
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        else:
            events = buffer[:limit]
            del buffer[:limit]
        if events:
            self._write(events)

    def _write(self, events: list[Event]) -> None:
        chunk = _serialise(events, self._redactor)
        try:
            self._file.write(chunk)
            self._file.flush()
        except OSError as exc:
            # Reported by the next flush() or close(): a loop callback has no caller to tell.
            self.failure = SessionFileError(
                self.path, f"cannot write session file {self.path}: {_reason(exc)}"
            )
        else:
            self.events_written += len(events)

    def flush(self) -> None:
        """Write every buffered event and flush the file (no fsync): readers then see whole lines.

        Raises :class:`SessionFileError` if a write failed since the last flush.
        """
        if self._closed:
            return
        self._write_buffered()
        failure, self.failure = self.failure, None
        if failure is not None:
            raise failure

    def close(self) -> None:
        """Write what is buffered and close the file. Safe to call more than once."""
        if self._closed:
            return
        try:
            self.flush()
        finally:
            self._closed = True
            self._limit = 0
            if self._drain is not None:
                self._drain.cancel()
                self._drain = None
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._finalizer.detach()
            self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"SessionRecorder({str(self.path)!r}, {state}, {self.events_written} written)"


def _serialise(events: list[Event], redactor: Redactor) -> bytes | bytearray:
    """The events as JSON Lines.

    An event's ``__dict__`` holds its fields in declaration order, so orjson writes it straight from
    there, several times cheaper than pydantic's serializer (benchmarks/bench_recorder.py); a value
    orjson does not know (a nested settings model, a set) is handed to pydantic, and an event orjson
    refuses (an integer over 64 bits, a non-string key) is written by pydantic whole.
    tests/session/test_recorder.py holds that every line says what pydantic would write.
    """
    out = bytearray()
    dumps = orjson.dumps
    for event in events:
        try:
            out += dumps(event.__dict__, default=_pydantic_value, option=_NEWLINE)
        except orjson.JSONEncodeError:
            out += _pydantic_json(event) + b"\n"
    return redactor.redact(out) if redactor else out


_NEWLINE = orjson.OPT_APPEND_NEWLINE


def _pydantic_value(value: Any) -> orjson.Fragment:
    # A value orjson does not know (a set, a custom object) is written as pydantic would write it.
    return orjson.Fragment(pydantic_core.to_json(value, fallback=repr))


def _pydantic_json(event: Event) -> bytes:
    # fallback: an argument value JSON cannot hold (a set, a custom object) is written as its repr
    # rather than failing the whole write.
    return event.__pydantic_serializer__.to_json(event, fallback=repr)


def _final_flush(file: IO[bytes], buffer: list[Event], redactor: Redactor) -> None:
    """Last-chance write when an open recorder is collected or the interpreter exits."""
    if file.closed:
        return
    try:
        if buffer:
            file.write(_serialise(buffer, redactor))
            buffer.clear()
        file.close()
    except OSError:
        pass  # Nowhere to report it at interpreter exit; the file still loads up to its last line.


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
