"""``workbench … | head``: when the reader of standard output goes away, every command that prints
ends quietly (no traceback, no "Exception ignored"), exit 141 as a shell shows for SIGPIPE; a run
still closes its turn in the session file. On the old code each printed a BrokenPipeError
traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cli.proc import DEADLINE_S, fast_profile, no_traceback, start, workbench
from workbench.session import load_session


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("sessions")
    session = directory / "one.jsonl"
    done = workbench(
        "run",
        "--profile",
        str(fast_profile(directory)),
        "--record",
        str(session),
        "sleep(ms=1), sleep(ms=1) then get_date()",
    )
    assert done.returncode == 0, done.stderr
    return session


def closed_stdout(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    """Run with standard output a pipe whose reader is already gone."""
    child = start(*args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()
    err = child.stderr.read().decode(errors="replace")
    child.wait(timeout=DEADLINE_S)
    return child.returncode, err


@pytest.mark.parametrize(
    "command",
    [
        ["--version"],
        ["providers"],
        ["profiles"],
        ["sessions", "--dir", "{dir}"],
        ["sessions", "--dir", "{dir}", "--json"],
        ["replay", "{session}", "--headless"],
        ["replay", "{session}", "--headless", "--turn-axis"],
        ["analyze", "{session}"],
        ["analyze", "{session}", "--json"],
        ["stats", "{dir}"],
        ["export", "{session}", "--format", "chrome", "-o", "{dir}/trace.json"],
        ["demo", "--list"],
        ["run", "--profile", "{profile}", "get_date()"],
        ["run", "--profile", "{profile}", "--json", "get_date()"],
    ],
    ids=lambda command: " ".join(a for a in command if "{" not in a),
)
def test_a_closed_pipe_ends_the_command_quietly(command: list[str], recorded: Path) -> None:
    directory = recorded.parent
    values = {
        "{dir}": str(directory),
        "{session}": str(recorded),
        "{profile}": str(directory / "fast.yaml"),
    }
    args = [values.get(a, a).replace("{dir}", str(directory)) for a in command]
    code, err = closed_stdout(*args, cwd=directory)
    assert no_traceback(err), err
    assert code in (0, 141), err  # 0: it finished its writes into the pipe's buffer unnoticed


def test_run_json_into_head_closes_the_turn_in_the_session(tmp_path: Path) -> None:
    session = tmp_path / "head.jsonl"
    child = start(
        "run",
        "--profile",
        str(fast_profile(tmp_path)),
        "--record",
        str(session),
        "--json",
        "sleep(ms=50), sleep(ms=50) then sleep(ms=50)",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    assert b'"type":"turn_started"' in child.stdout.readline()  # what `head -1` reads
    child.stdout.close()
    err = child.stderr.read().decode()
    child.wait(timeout=DEADLINE_S)
    assert child.returncode == 141, err
    assert err == ""
    last = load_session(session).events[-1]
    assert last.type == "turn_finished"
