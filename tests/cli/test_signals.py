"""SIGTERM (``kill``, ``timeout``, systemd, a container stopping) ends a run as Ctrl-C does: the
running calls end cancelled, every call gets its result, the turn is closed in the session file,
exit 143. Real processes, real signals; on the old code the default action killed the process
mid-batch (exit -15, no ``turn_finished``)."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.cli.proc import DEADLINE_S, WORKBENCH, fast_profile, no_traceback, start, wait_for
from tests.tmux_driver import requires_tmux, terminal
from workbench.session import load_session


def _closed_cleanly(path: Path) -> None:
    events = load_session(path).events
    started = {e.call_id for e in events if e.type == "call_started"}
    finished = [e for e in events if e.type == "call_finished"]
    assert started and started == {e.call_id for e in finished}  # every call got its result
    assert {e.status for e in finished} >= {"cancelled"}
    last = events[-1]
    assert last.type == "turn_finished" and last.status == "cancelled"


def test_sigterm_cancels_the_running_batch_and_closes_the_turn(tmp_path: Path) -> None:
    session = tmp_path / "run.jsonl"
    child = start(
        "run",
        "--profile",
        str(fast_profile(tmp_path)),
        "--record",
        str(session),
        "sleep(ms=10), hang(), hang()",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    wait_for(session, b'"type":"call_started"', count=3)
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=DEADLINE_S)
    assert child.returncode == 143, err
    assert no_traceback(err.decode())
    assert b"cancelled" in out  # the batch and the turn's totals are still printed
    _closed_cleanly(session)


@pytest.mark.tmux
@requires_tmux
def test_sigterm_closes_the_apps_running_turn_and_exits_143(tmp_path: Path) -> None:
    session = tmp_path / "app.jsonl"
    # A shell runs the app and writes its exit code to a file: tmux's own record of a dead pane's
    # status can lag behind its terminal closing.
    rc_file = tmp_path / "rc"
    app = f"{WORKBENCH} --profile {fast_profile(tmp_path)} --record {session}"
    command = f"sh -c '{app}; echo $? > {rc_file}'"
    with terminal() as term:
        term.start(command, size=(120, 40))
        wait_for(session, b'"format":"workbench-session"')  # the runtime is up
        end = time.monotonic() + DEADLINE_S
        while time.monotonic() < end:  # and the screen has it: the prompt takes a turn
            if "Profile fast (scripted)" in term.screen():
                break
            time.sleep(0.05)
        term.type("sleep(ms=10), hang(), hang()")
        term.press("Enter")
        wait_for(session, b'"type":"call_started"', count=3)
        shell = int(term.pane("pane_pid"))
        children = Path(f"/proc/{shell}/task/{shell}/children").read_text().split()
        assert len(children) == 1, children  # the app, started by the shell
        subprocess.run(["kill", "-TERM", children[0]], check=True, timeout=10)
        wait_for(rc_file, b"\n")
        assert rc_file.read_text().strip() == "143"  # as the shell reports a SIGTERM death too:
        # what tells the handled signal from the default action is the closed turn, below.
    _closed_cleanly(session)


def test_a_second_signal_stops_the_run_with_that_signals_exit_code() -> None:
    """Ctrl-C cancels the turn; a SIGTERM behind it (a supervisor escalating) stops the run at
    once, and the exit code is the SIGTERM's, 143, not Ctrl-C's 130. Real signals to this process,
    handled by the command's own handlers (two separate processes can't order them reliably: a
    pending signal of a kind already pending is merged by the kernel)."""
    import asyncio
    import os

    from workbench.cli.common import exit_for_signal, interrupts

    class Turn:
        cancelled = 0

        def cancel_turn(self) -> bool:
            self.cancelled += 1
            return True

    turn = Turn()

    async def main() -> int | None:
        with interrupts(turn) as interrupted:  # type: ignore[arg-type]  # only cancel_turn is used
            try:
                os.kill(os.getpid(), signal.SIGINT)
                await asyncio.sleep(0.01)  # the first: the turn is cancelled, the run goes on
                assert turn.cancelled == 1
                os.kill(os.getpid(), signal.SIGTERM)
                await asyncio.sleep(5)  # the second cancels this task at once
            except asyncio.CancelledError:
                return interrupted()
        return None

    signum = asyncio.run(main())
    assert signum == signal.SIGTERM and exit_for_signal(signum) == 143
