"""A real terminal for the real ``workbench`` command: tmux runs it in a pseudo terminal of a fixed
size, types into it and reads the screen back (tests/tui/test_tmux.py, tests/cli/test_signals.py).

The screen of an external process can only be polled: each wait is bounded and polls every 0.1 s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
SIZE = (160, 48)
DEADLINE_S = 20.0
"""Upper bound on each wait (start-up, one turn, quitting); a wait ends as soon as the screen shows it."""
POLL_S = 0.1


class Terminal:
    """One tmux session on a private server, so the user's tmux and its environment stay apart."""

    def __init__(self, socket: Path) -> None:
        self.socket = socket
        # A new tmux server takes its environment from the client that starts it: ours, with the
        # test's XDG_* directories. $TMUX would point the client at the user's server instead.
        self.env = {k: v for k, v in os.environ.items() if k != "TMUX"}

    def tmux(self, *args: str) -> str:
        assert TMUX is not None
        done = subprocess.run(
            [TMUX, "-S", str(self.socket), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return done.stdout

    def start(self, *command: str, size: tuple[int, int] = SIZE) -> None:
        width, height = size
        # remain-on-exit keeps a crashed app's last screen readable for the failure message.
        self.tmux(
            "start-server",
            ";",
            "set-option",
            "-g",
            "remain-on-exit",
            "on",
            ";",
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            str(width),
            "-y",
            str(height),
            "--",
            *command,
        )

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "main")

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "main", "-l", text)

    def press(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "main", *keys)

    def pane(self, field: str) -> str:
        return self.tmux("display-message", "-p", "-t", "main", f"#{{{field}}}").strip()

    def wait_until(self, what: str, shown: Callable[[str], bool]) -> str:
        """Poll the screen until ``shown(screen)``; fail with the last screen after the deadline."""
        deadline = time.monotonic() + DEADLINE_S
        while True:
            screen = self.screen()
            if shown(screen):
                return screen
            if self.pane("pane_dead") == "1" or time.monotonic() > deadline:
                pytest.fail(f"{what}: not on screen after {DEADLINE_S:g} s. Screen:\n{screen}")
            time.sleep(POLL_S)

    def kill(self) -> None:
        subprocess.run(
            [TMUX or "tmux", "-S", str(self.socket), "kill-server"],
            env=self.env,
            capture_output=True,
            timeout=10,
        )


@contextmanager
def terminal() -> Iterator[Terminal]:
    """A terminal on a server of its own, killed (with what runs in it) on leaving."""
    # A short private directory: socket paths are limited to ~100 bytes, pytest's tmp_path may not be.
    folder = Path(tempfile.mkdtemp(prefix="wb-tmux-"))
    term = Terminal(folder / "socket")
    try:
        yield term
    finally:
        term.kill()
        shutil.rmtree(folder, ignore_errors=True)


requires_tmux = pytest.mark.skipif(
    TMUX is None, reason="tmux is not installed (apt-get install tmux)"
)
"""With ``pytest.mark.tmux``, on a test that drives tmux."""
