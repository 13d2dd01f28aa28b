"""The real ``workbench`` command in a real terminal: tmux types a prompt and reads the screen back.

Pilot tests drive the app in-process; this one runs the installed console script in a pseudo
terminal at a fixed size, so it also covers the entry point, the driver and the real runtime. The
screen of an external process can only be polled: each wait is bounded and polls every 0.1 s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
WORKBENCH = Path(sys.executable).parent / "workbench"
SIZE = (160, 48)
DEADLINE_S = 20.0
"""Upper bound on each wait (start-up, one turn, quitting); a wait ends as soon as the screen shows it."""
POLL_S = 0.1
FAST_PROFILE = """\
type: scripted
scripted:
  ttft_ms: 0
  tokens_per_s: 1000000
"""

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)"),
    pytest.mark.skipif(
        not WORKBENCH.exists(),
        reason=f"no workbench console script at {WORKBENCH} (pip install -e . in this venv)",
    ),
]


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

    def start(self, *command: str) -> None:
        width, height = SIZE
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


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    # A short private directory: socket paths are limited to ~100 bytes, pytest's tmp_path may not be.
    folder = Path(tempfile.mkdtemp(prefix="wb-tmux-"))
    term = Terminal(folder / "socket")
    try:
        yield term
    finally:
        term.kill()
        shutil.rmtree(folder, ignore_errors=True)


def test_a_prompt_in_the_real_command_draws_the_batch_and_the_answer(
    terminal: Terminal, tmp_path: Path
) -> None:
    profile = tmp_path / "fast.yaml"
    profile.write_text(FAST_PROFILE)
    exit_status = tmp_path / "exit-status"
    # Through sh only to keep the exit status: tmux does not always report it for a closed pty.
    terminal.start(
        "sh",
        "-c",
        'status="$1"; shift; "$@"; echo $? > "$status"',
        "sh",
        str(exit_status),
        str(WORKBENCH),
        "--profile",
        str(profile),
    )
    ready = terminal.wait_until("the prompt, once the runtime is ready", _contains("Ask something"))
    assert "● live fast · scripted" in ready
    faults = _line_with(ready.splitlines(), "Faults")
    assert "get_weather" in faults and "hang" in faults  # a fault switch for every tool

    terminal.type("What's the weather in Paris, Rome and Tokyo?")
    terminal.press("Enter")
    screen = terminal.wait_until(
        "the batch and the final answer",
        _contains("b1 · 3 calls", "All 3 tool calls succeeded", "round trips 2"),
    )

    lines = screen.splitlines()
    for city in ("Paris", "Rome", "Tokyo"):
        row = _line_with(lines, f"get_weather city={city}")
        assert "█" in row and "✓" in row, row  # a bar for the run, and a tick: it succeeded
        chip = _line_with(lines, f'get_weather(city="{city}")')
        assert "✓" in chip, chip
    header = _line_with(lines, "▾ b1 · 3 calls")
    assert "peak 3" in header, header  # the three calls ran at once
    assert "◆ rt 1" in screen and "◆ rt 2" in screen  # the model's two round trips
    totals = _line_with(lines, "round trips 2")
    assert "3 calls in 1 batch " in totals, totals
    assert "^q Quit" in screen

    terminal.press("Escape")  # nothing to cancel: the app stays
    terminal.press("C-q")
    deadline = time.monotonic() + DEADLINE_S
    while not exit_status.exists() or not exit_status.read_text():
        if time.monotonic() > deadline:
            pytest.fail(f"ctrl+q did not quit after {DEADLINE_S:g} s. Screen:\n{terminal.screen()}")
        time.sleep(POLL_S)
    assert exit_status.read_text().strip() == "0"
    sessions = list((Path(os.environ["XDG_DATA_HOME"]) / "workbench" / "sessions").glob("*.jsonl"))
    assert len(sessions) == 1  # the session was recorded in the test's own data directory


def _contains(*texts: str) -> Callable[[str], bool]:
    return lambda screen: all(text in screen for text in texts)


def _line_with(lines: list[str], text: str) -> str:
    found = [line for line in lines if text in line]
    assert found, f"no line with {text!r} in:\n" + "\n".join(lines)
    return found[0]


def test_a_bad_profile_on_the_command_line_ends_with_its_error_and_exit_2(
    terminal: Terminal, tmp_path: Path
) -> None:
    # The screen opens before the profile is read (the first frame does not wait for it); a
    # profile that fails then still ends the command as it did before the screen opened.
    status, err = tmp_path / "exit-status", tmp_path / "stderr"
    terminal.start(
        "sh",
        "-c",
        'status="$1"; err="$2"; shift 2; "$@" 2> "$err"; echo $? > "$status"',
        "sh",
        str(status),
        str(err),
        str(WORKBENCH),
        "--profile",
        "no-such-profile",
    )
    deadline = time.monotonic() + DEADLINE_S
    while not status.exists() or not status.read_text():
        if time.monotonic() > deadline:
            pytest.fail(
                f"workbench did not exit after {DEADLINE_S:g} s. Screen:\n{terminal.screen()}"
            )
        time.sleep(POLL_S)
    assert status.read_text().strip() == "2"
    # Textual draws on stderr; the command's own message comes after the screen is closed.
    last = err.read_text().rstrip().splitlines()[-1]
    assert "workbench: " in last and "no-such-profile" in last
    assert "Traceback" not in err.read_text()
