"""A real session cut by SIGKILL mid-batch: ``workbench run`` in a child process, killed while a
batch runs (one call finished, two hanging, one waiting for a slot), as a crash leaves the file.

``python -m tests.session.killed`` rewrites the recorded fixture in ``tests/session/killed/``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "killed" / "sigkill-mid-batch.jsonl"

PROFILE = """\
name: killed
type: scripted
scripted: {ttft_ms: 0, tokens_per_s: 1000000}
max_concurrent_tools: 2
"""
PROMPT = "sleep(ms=5), hang(), hang(), sleep(ms=5)"


def record_killed(directory: Path) -> Path:
    """Run one turn in a child ``workbench run`` and SIGKILL it once the recording shows the first
    call finished and the hanging calls started; returns the session file."""
    profile = directory / "killed.yaml"
    profile.write_text(PROFILE)
    session = directory / "killed.jsonl"
    script = Path(sys.executable).parent / "workbench"
    proc = subprocess.Popen(
        [str(script), "run", "-p", str(profile), "--record", str(session), PROMPT],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=directory,
    )
    try:
        # The recorder writes within 0.2 s of an event: wait for the lines that say the batch is
        # where we want it (a bounded wait on the file, not on the clock's speed).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            data = session.read_bytes() if session.exists() else b""
            if data.count(b'"type":"call_finished"') >= 1 and data.count(b'"call_started"') >= 3:
                break
            time.sleep(0.02)
        else:
            raise AssertionError(f"the run never reached its batch (exit {proc.poll()})")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    return session


if __name__ == "__main__":
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        recorded = record_killed(Path(tmp))
        FIXTURE.parent.mkdir(exist_ok=True)
        shutil.copyfile(recorded, FIXTURE)
    print(FIXTURE)
