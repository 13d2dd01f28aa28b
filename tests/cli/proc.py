"""The real ``workbench`` console script in a child process, for what only a real process shows:
signals, closed pipes, file size limits, named pipes, exit codes and stderr.

A child's progress can only be seen in what it writes: :func:`wait_for` polls a file, every wait
bounded, and ends as soon as the file says what it waits for.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

WORKBENCH = Path(sys.executable).parent / "workbench"
DEADLINE_S = 30.0
"""Upper bound on a child's run or a wait; each ends as soon as what it waits for happens."""
FAST_PROFILE = """\
name: fast
type: scripted
scripted: {ttft_ms: 0, tokens_per_s: 1000000}
"""


def fast_profile(directory: Path) -> Path:
    path = directory / "fast.yaml"
    path.write_text(FAST_PROFILE)
    return path


def workbench(
    *args: str | bytes,
    cwd: Path | None = None,
    preexec_fn: Callable[[], None] | None = None,
    timeout: float = DEADLINE_S,
) -> subprocess.CompletedProcess[str]:
    """Run ``workbench ARGS`` to its end; stdout and stderr captured (pipes: a size limit set in
    ``preexec_fn`` applies to the files it writes, not to them)."""
    return subprocess.run(
        [os.fsencode(WORKBENCH), *(os.fsencode(a) if isinstance(a, str) else a for a in args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="replace",
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        preexec_fn=preexec_fn,
        check=False,
    )


def record_run(
    directory: Path,
    session: Path,
    *args: str | bytes,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``workbench run`` on the fast scripted profile (written to ``directory``), recording to
    ``session``, to its end: ``args`` are the further flags and the prompt."""
    return workbench(
        "run",
        "--profile",
        str(fast_profile(directory)),
        "--record",
        str(session),
        *args,
        preexec_fn=preexec_fn,
    )


def start(
    *args: str, cwd: Path | None = None, stdout: int | None = None, stderr: int | None = None
) -> subprocess.Popen[bytes]:
    """Start ``workbench ARGS`` and return at once."""
    child: subprocess.Popen[bytes] = subprocess.Popen(
        [str(WORKBENCH), *args], cwd=cwd, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr
    )
    return child


def wait_for(path: Path, needle: bytes, *, count: int = 1, deadline_s: float = DEADLINE_S) -> None:
    """Until ``path`` holds ``needle`` ``count`` times (a child's session file, say)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            if path.read_bytes().count(needle) >= count:
                return
        except FileNotFoundError:
            pass
        time.sleep(0.02)
    raise AssertionError(f"{path} never held {needle!r} x{count} within {deadline_s} s")


def no_traceback(text: str) -> bool:
    return "Traceback" not in text and "Exception ignored" not in text


def lines(text: str) -> Sequence[str]:
    return [line for line in text.splitlines() if line.strip()]
