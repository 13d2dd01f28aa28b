"""Start-up cost: `workbench --help`, and the app's first frame on the default profile.

Run: .venv/bin/python benchmarks/bench_startup.py
Vendor SDKs are imported only when their provider is used; this shows what that buys.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

# The app records a session and logs as a user's would: keep the benchmark's out of the user's dirs.
_HOME = tempfile.mkdtemp(prefix="workbench-bench-")
ENV = {**os.environ, **{v: os.path.join(_HOME, v) for v in ("XDG_DATA_HOME", "XDG_STATE_HOME")}}

PAINTED = """
import time
t0 = time.perf_counter()
from workbench.tui.app import create_app
app = create_app()
def on_ready(self, event):  # Textual posts Ready once the first frame has been displayed
    print(f"{time.perf_counter() - t0:.3f}")
    self.exit()
type(app).on_ready = on_ready
app.run(headless=True, size=(140, 45))
"""

FIRST_FRAME = """
import time
t0 = time.perf_counter()
from workbench.tui.app import create_app
app = create_app()
async def ready(pilot):
    await app.runtime_ready.wait()  # the live screen is in, the runtime started
    await pilot.pause()
    print(f"{time.perf_counter() - t0:.3f}")
    app.exit()
app.run(headless=True, size=(140, 45), auto_pilot=ready)
"""


def timed(cmd: list[str], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=ENV)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def first_frame(runs: int = 5, script: str = FIRST_FRAME) -> tuple[float, float]:
    inner, outer = [], []
    for _ in range(runs):
        t = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", script], check=True, capture_output=True, text=True, env=ENV
        )
        outer.append(time.perf_counter() - t)
        inner.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(inner), statistics.median(outer)


def main() -> None:
    python = timed([sys.executable, "-c", "pass"])
    help_ = timed([sys.executable, "-m", "workbench.cli", "--help"])
    print(f"python -c pass:          {python * 1e3:6.0f} ms")
    print(f"workbench --help:        {help_ * 1e3:6.0f} ms (process start to exit)")
    for sdk in ("openai", "anthropic", "google.genai"):
        cost = timed([sys.executable, "-c", f"import {sdk}"], runs=3) - python
        print(f"  import {sdk:<13}    {cost * 1e3:6.0f} ms (paid only when that provider is used)")
    for label, script in (("app first frame:", PAINTED), ("app idle, runtime ready:", FIRST_FRAME)):
        inner, outer = first_frame(script=script)
        print(
            f"{label:<24} {inner * 1e3:6.0f} ms after imports start ({outer * 1e3:.0f} ms process)"
        )


if __name__ == "__main__":
    main()
