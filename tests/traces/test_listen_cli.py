"""``workbench listen`` as a user runs it: a child process on a free port, a trace POSTed to it, its
run printed and written, Ctrl-C to stop."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from tests.traces.expect import write_protobuf
from tests.traces.frameworks import Collect, Script, instrumented, run_pydantic_ai
from workbench.cli import main
from workbench.emulator.server import EmulatorServer


def _agent_trace(path: Path) -> bytes:
    state = instrumented()
    sink = Collect()
    state.switch.targets = [sink]

    async def go() -> None:
        server = EmulatorServer()
        await server.start()
        try:
            script = Script([["Tokyo", "Lima"], ["Lima"], "Done."])
            await run_pydantic_ai(server, script, parallel=True)
        finally:
            await server.stop()

    try:
        asyncio.run(go())
    finally:
        state.switch.targets = []
    return write_protobuf(sink.spans, path).read_bytes()


def test_listen_prints_the_run_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    body = _agent_trace(tmp_path / "t.pb")
    sessions = tmp_path / "sessions"
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workbench.cli",
            "listen",
            "--headless",
            "--port",
            "0",
            "--dir",
            str(sessions),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        assert child.stdout is not None
        first = child.stdout.readline()
        assert first.startswith("listening on http://127.0.0.1:")
        url = first.split()[2]
        answer = requests.post(
            url, data=body, headers={"Content-Type": "application/x-protobuf"}, timeout=10
        )
        assert answer.status_code == 200
        printed = ""
        while "batch b2" not in printed:
            line = child.stdout.readline()
            assert line, "listen ended before printing the run"
            printed += line
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0
    assert err == ""
    assert "weather (pydantic-ai)" in printed and "3 calls" in printed
    assert len(list(sessions.glob("*.jsonl"))) == 1


def test_a_bad_port_is_a_usage_error() -> None:
    assert main(["listen", "--port", "70000"]) == 2
