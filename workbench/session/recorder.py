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
at most one torn last line, which the reader tolerates. A write that fails (a full disk, a file size
limit) is cut back to the last whole line, recording stops there, and ``on_failure`` is told once.

The file is locked (``flock``) while it is recorded: a second process asked to record to the same
path is refused instead of interleaving its lines. An existing file is only replaced when it is a
session and the caller said ``overwrite``; anything else there is left alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import re
import secrets
import time
import weakref
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import orjson
import pydantic_core

import workbench
from workbench.core.events import Event
from workbench.inputs import CLOEXEC, NONBLOCK, kind_problem
from workbench.paths import sessions_dir
from workbench.session.format import (
    FORMAT_NAME,
    RecorderClosedError,
    SessionFileError,
    SessionHeader,
)
from workbench.session.redact import Redactor, scrub

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, recording goes on without one
    fcntl = None  # type: ignore[assignment]

DEFAULT_BATCH_SIZE = 200
"""Events buffered before a write is scheduled."""
DEFAULT_MAX_BUFFER = 400
"""Events buffered before ``record()`` writes them itself."""
DEFAULT_MAX_DELAY_S = 0.2
DRAIN_CHUNK = 5_000
"""Events written per loop turn when a backlog is drained (1-2 ms of work)."""


class SessionPathTaken(SessionFileError):
    """The path holds something recording must not replace: a file that is not a session, a
    session without ``overwrite``, or a session another process is recording."""


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
        """A write that failed in the background, reported by the next ``flush()`` or ``close()``
        (or handed to ``on_failure``)."""
        self.on_failure: Callable[[SessionFileError], None] | None = None
        """Told once, at the first failed write; then ``flush()`` and ``close()`` do not raise it."""
        self.broken = False
        """A write failed: nothing more is written (the file ends at its last whole line)."""
        self._written_bytes = file.tell()
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
        overwrite: bool = False,
    ) -> SessionRecorder:
        """Open a new session file and write its header.

        ``path`` defaults to ``sessions_dir()/<UTC timestamp>-<short id>.jsonl``; parent directories are
        created. An existing session at an explicit ``path`` is replaced only with ``overwrite``;
        any other existing file, or a session being recorded by another process, is refused with
        :class:`SessionPathTaken` (an empty file is used). ``created`` (default: now) and
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
        new_file = not _exists(path)
        file = _open_for_recording(path, overwrite=overwrite)
        try:
            _write_all(file, redactor.redact(header.model_dump_json().encode()) + b"\n")
        except OSError as exc:
            with contextlib.suppress(OSError):  # no torn header left behind
                if new_file:
                    path.unlink()
                else:
                    os.ftruncate(file.fileno(), 0)
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

    def record_all(self, events: Sequence[Event]) -> None:
        """Record events that all exist already (an imported session), writing them at once, in
        chunks of ``max_buffer``: the same lines as ``record()`` one by one, without its per-event
        checks."""
        if self._closed:
            raise RecorderClosedError(f"session recorder for {self.path} is closed")
        step = self._max_buffer
        for start in range(0, len(events), step):
            self._buffer.extend(events[start : start + step])
            self._write_buffered()

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
        if self.broken:
            return
        chunk = _serialise(events, self._redactor)
        try:
            _write_all(self._file, chunk)
        except OSError as exc:
            self._failed(exc)
        else:
            self._written_bytes += len(chunk)
            self.events_written += len(events)

    def _failed(self, exc: OSError) -> None:
        """Cut the file back to its last whole line (shrinking needs no space), stop writing, and
        tell ``on_failure``, or the next ``flush()`` or ``close()`` (a loop callback has no caller
        to tell)."""
        self.broken = True
        self._buffer.clear()
        with contextlib.suppress(OSError):
            os.ftruncate(self._file.fileno(), self._written_bytes)
        failure = SessionFileError(
            self.path, f"cannot write session file {self.path}: {_reason(exc)}"
        )
        if self.on_failure is not None:
            self.on_failure(failure)
        else:
            self.failure = failure

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
            try:
                out += _pydantic_json(event) + b"\n"
            except pydantic_core.PydanticSerializationError:
                # Text that is not valid Unicode (bytes a tool could not decode): replaced with
                # U+FFFD, so the event is recorded rather than lost.
                fixed = valid_unicode(event.model_dump())
                out += dumps(fixed, default=_pydantic_value, option=_NEWLINE)
    return redactor.redact(out) if redactor else out


def valid_unicode(value: Any) -> Any:
    """``value`` with lone surrogates (undecodable bytes, as ``surrogateescape`` leaves them) in
    every string replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if _has_surrogate(value) else value
    if isinstance(value, dict):
        return {valid_unicode(k): valid_unicode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [valid_unicode(v) for v in value]
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


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
    if exc.errno == errno.EFBIG:
        return "the file is over the size limit (ulimit -f)"
    return exc.strerror or str(exc)


def _write_all(file: IO[bytes], data: bytes | bytearray) -> None:
    """Write every byte (an unbuffered file may take part of them, the limit reached midway)."""
    view = memoryview(data)
    while view:
        written = file.write(view)
        if not written:
            raise OSError(errno.EIO, "the file took no more bytes")
        view = view[written:]


def _open_for_recording(path: Path, *, overwrite: bool) -> IO[bytes]:
    """The file at ``path``, locked and empty, unbuffered (the recorder writes in bulk itself).

    Opened without truncating, so that nothing is lost before the checks: a named pipe or device is
    refused without waiting for a reader, a file locked by another recorder or that is not a
    session (or is one, without ``overwrite``) is left as it was."""
    problem = kind_problem(os.stat(path).st_mode) if _exists(path) else None
    if problem is not None:
        raise SessionPathTaken(path, f"cannot record to {path}: it {problem}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_RDWR | os.O_CREAT | NONBLOCK | CLOEXEC | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        blocker = next((p for p in path.parents if _exists(p) and not p.is_dir()), None)
        reason = f"{blocker} is a file, not a directory" if blocker else _reason(exc)
        raise SessionFileError(path, f"cannot create session file {path}: {reason}") from exc
    try:
        _claim(fd, path, overwrite=overwrite)
    except BaseException:
        os.close(fd)
        raise
    if NONBLOCK:
        os.set_blocking(fd, True)
    return open(fd, "wb", buffering=0)


def check_free(path: Path, *, overwrite: bool = False) -> None:
    """Raise :class:`SessionPathTaken` now if recording to ``path`` would be refused, without
    creating or changing anything (the app checks before its screen opens)."""
    if not _exists(path):
        return
    problem = kind_problem(os.stat(path).st_mode)
    if problem is not None:
        raise SessionPathTaken(path, f"cannot record to {path}: it {problem}")
    try:
        fd = os.open(path, os.O_RDONLY | NONBLOCK | CLOEXEC)
    except OSError:
        return  # the recorder's own open says why
    try:
        _claim(fd, path, overwrite=overwrite, truncate=False)
    finally:
        os.close(fd)  # and with it the lock


def _claim(fd: int, path: Path, *, overwrite: bool, truncate: bool = True) -> None:
    info = os.fstat(fd)
    problem = kind_problem(info.st_mode)
    if problem is not None:
        raise SessionPathTaken(path, f"cannot record to {path}: it {problem}")
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SessionPathTaken(
            path, f"{path} is being recorded by another workbench process right now"
        ) from None
    except OSError:
        pass  # a filesystem without locks: record anyway
    if info.st_size > 0:
        os.lseek(fd, 0, os.SEEK_SET)
        first = os.read(fd, 1 << 16).split(b"\n", 1)[0]
        if not _is_session_header(first):
            raise SessionPathTaken(
                path, f"{path} exists and is not a workbench session: not overwriting it"
            )
        if not overwrite:
            raise SessionPathTaken(
                path, f"{path} already holds a recorded session (--overwrite replaces it)"
            )
    if truncate:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)  # the check above read from it


def _is_session_header(line: bytes) -> bool:
    try:
        header = orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return isinstance(header, dict) and header.get("format") == FORMAT_NAME


def _exists(path: Path) -> bool:
    try:
        os.stat(path)
    except OSError:
        return False
    return True
