"""The real ``workbench`` command in a real terminal: tmux types a prompt and reads the screen back.

Pilot tests drive the app in-process; this one runs the installed console script in a pseudo
terminal at a fixed size, so it also covers the entry point, the driver and the real runtime. The
screen of an external process can only be polled: each wait is bounded and polls every 0.1 s.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests import tmux_driver
from tests.cli.proc import WORKBENCH, fast_profile
from tests.tmux_driver import DEADLINE_S, POLL_S, Terminal, requires_tmux

pytestmark = [
    pytest.mark.tmux,
    requires_tmux,
    pytest.mark.skipif(
        not WORKBENCH.exists(),
        reason=f"no workbench console script at {WORKBENCH} (pip install -e . in this venv)",
    ),
]


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    with tmux_driver.terminal() as term:
        yield term


def test_a_prompt_in_the_real_command_draws_the_batch_and_the_answer(
    terminal: Terminal, tmp_path: Path
) -> None:
    profile = fast_profile(tmp_path)
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


def test_what_is_typed_from_the_first_frame_is_kept_and_runs_once_the_runtime_is_ready(
    terminal: Terminal, tmp_path: Path
) -> None:
    # The first frame comes before the live screen and the runtime have loaded: a prompt typed
    # and sent on it at once is neither lost nor mangled, and runs when the runtime is ready.
    profile = fast_profile(tmp_path)
    terminal.start(str(WORKBENCH), "--profile", str(profile))
    first = terminal.wait_until("the first frame", lambda screen: "Starting" in screen)
    assert "Ask something" not in first  # typed before the runtime was ready
    for key in "get_date()":  # at a quick typist's pace, from the first frame on
        terminal.type(key)
        time.sleep(0.03)
    terminal.press("Enter")
    for key in "next":  # right behind Enter: not sent with the message (the prompt submits at once)
        terminal.type(key)
        time.sleep(0.03)
    screen = terminal.wait_until(
        "the typed-ahead turn", _contains("turn 1 · get_date()", "b1 · 1 call", "round trips 2")
    )
    # What was typed after Enter stays in the prompt.
    assert _line_with(screen.splitlines(), "▊  next")


def test_a_prompt_typed_before_the_terminal_is_in_raw_mode_is_sent(
    terminal: Terminal, tmp_path: Path
) -> None:
    # Typed at once, before the app has switched the terminal to raw mode, Enter passes the line
    # discipline, which turns its carriage return into a line feed: Textual reads ctrl+j, which the
    # prompt ignored, and the text sat there unsent.
    profile = fast_profile(tmp_path)
    terminal.start(str(WORKBENCH), "--profile", str(profile))
    terminal.type("get_date()")
    terminal.press("Enter")
    terminal.wait_until("the turn typed at spawn", _contains("turn 1 · get_date()", "b1 · 1 call"))


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
