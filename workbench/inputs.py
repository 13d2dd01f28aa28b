"""Reading the files a user names: regular files only, and no more of them than a limit.

A named pipe blocks whoever opens it for reading until a writer comes; a device such as ``/dev/zero``
never ends. Both are refused here before a byte is read: :func:`not_a_file` looks with ``stat``
(which never blocks), and :func:`read_regular` opens with ``O_NONBLOCK`` and checks the open file
itself, so a path swapped between the look and the open is caught too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # 0 on Windows, which has no named pipes to fear
"""Opening a named pipe with it returns at once instead of waiting for a writer."""
CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class InputFileError(OSError):
    """A file that cannot be read as the user meant: not a regular file, or over a size limit.
    ``reason`` reads after "the file" (``is a named pipe (FIFO), not a regular file``); ``str()``
    is one line naming the file."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def kind_problem(mode: int) -> str | None:
    """Why a file of this ``st_mode`` is not one to read, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    return "is not a regular file"


def not_a_file(path: Path) -> str | None:
    """Why ``path`` exists but is not a regular file (following symlinks), or None: a regular file,
    or nothing there at all, which the caller's own read reports in its words."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    return kind_problem(mode)


def read_regular(path: Path, *, limit: int, what: str = "file") -> bytes:
    """The bytes of the regular file ``path``, refused (:class:`InputFileError`) when it is not a
    regular file or holds more than ``limit`` bytes. Other ``OSError``s (missing, no permission)
    are raised as they are."""
    fd = os.open(path, os.O_RDONLY | NONBLOCK | CLOEXEC | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        problem = kind_problem(info.st_mode)
        if problem is not None:
            raise InputFileError(path, problem)
        if info.st_size > limit:
            raise InputFileError(path, _too_large(info.st_size, limit, what))
        if NONBLOCK:
            os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while True:  # a file that grows while read is still cut at the limit
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise InputFileError(path, _too_large(size, limit, what))
        return b"".join(chunks)
    finally:
        os.close(fd)


def _too_large(size: int, limit: int, what: str) -> str:
    return f"holds {size:,} bytes, more than a {what} may ({limit:,})"


__all__ = ["CLOEXEC", "NONBLOCK", "InputFileError", "kind_problem", "not_a_file", "read_regular"]
