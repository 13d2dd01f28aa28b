"""A server's log file: its stderr (stdio) and workbench's own notes, with secrets masked.

No MCP SDK here: the pipe and the thread draining it are plain OS objects.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO, cast

from workbench.paths import log_dir
from workbench.session.redact import MASK

_STDERR_TAIL = 5
_LOG_ROTATE_BYTES = 4 * 1024 * 1024


def server_log_path(name: str) -> Path:
    """Where a server's stderr goes: ``$XDG_STATE_HOME/workbench/mcp/{name}.log``."""
    return log_dir() / "mcp" / f"{name}.log"


class ServerLog:
    """A pipe for a server's stderr, drained by a thread into its log file with secrets masked.

    The child writes to the pipe directly (no per-line cost on the event loop); the last lines are
    kept to say why a server would not start.
    """

    def __init__(self, path: Path, secrets: Sequence[str], *, pipe: bool) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            if path.stat().st_size > _LOG_ROTATE_BYTES:  # one old generation is kept, as .log.1
                path.replace(path.with_suffix(path.suffix + ".1"))
        self.path = path
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._file = path.open("a", encoding="utf-8", buffering=1)
        self.tail: deque[str] = deque(maxlen=_STDERR_TAIL)
        self._thread: threading.Thread | None = None
        if not pipe:  # an HTTP server's stderr is not ours; the file gets workbench's notes
            self.writer = cast(TextIO, self._file)
            return
        read_fd, write_fd = os.pipe()
        self.writer = cast(TextIO, os.fdopen(write_fd, "w"))
        self._reader = os.fdopen(read_fd, "r", encoding="utf-8", errors="replace")
        self._thread = threading.Thread(
            target=self._drain, name="workbench-mcp-stderr", daemon=True
        )
        self._thread.start()

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def note(self, text: str) -> None:
        """A line of workbench's own in the log (started, exited...)."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        with contextlib.suppress(ValueError, OSError):
            self._file.write(f"--- {stamp} workbench: {self.mask(text)}\n")

    def release_writer(self) -> None:
        """Drop our end once the child holds its own, so the reader sees EOF when it exits."""
        if self._thread is not None:
            with contextlib.suppress(OSError):
                self.writer.close()

    def _drain(self) -> None:
        with contextlib.suppress(ValueError, OSError):
            for line in self._reader:
                line = self.mask(line)
                self.tail.append(line.rstrip("\n"))
                self._file.write(line if line.endswith("\n") else line + "\n")
        with contextlib.suppress(OSError):
            self._reader.close()

    def last_line(self, wait_s: float = 0.5) -> str | None:
        if self._thread is not None:
            self._thread.join(wait_s)
        for line in reversed(self.tail):
            if line.strip():
                return line.strip()[:200]
        return None

    def close(self) -> None:
        self.release_writer()
        if self._thread is not None:
            self._thread.join(1.0)
        with contextlib.suppress(OSError):
            self._file.close()
