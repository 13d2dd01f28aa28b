"""The first frame as a user meets it: from spawning the command in a terminal to a drawn screen.

Run: .venv/bin/python benchmarks/bench_first_frame.py [runs]   (or `make bench`)

Each run spawns the command in a fresh tmux session (a real pseudo terminal, 140×45) on a private
tmux server and polls the screen every 20 ms (``capture-pane``) until it shows anything: that is the
first frame, measured from outside the process, spawn included. The floor is a bare Textual app (one
Static) spawned and polled the same way in the same run; the configurations alternate run by run so a
change in the machine's speed hits all alike. For workbench it also notes when the prompt says the
runtime is ready ("Ask something"), which is allowed to come after the first frame.

``--variant LABEL=COMMAND`` adds a configuration (e.g. another checkout's ``python -m
workbench.cli``), to compare changes A/B in one run.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SIZE = (140, 45)
POLL_S = 0.02
DEADLINE_S = 15.0
READY = "Ask something"
"""The live prompt's placeholder once the runtime has started."""

BARE_APP = """
from textual.app import App, ComposeResult
from textual.widgets import Static

class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("bare textual app")

Bare().run()
"""


@dataclass
class Variant:
    label: str
    command: list[str]
    ready: str | None = None
    first: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    ready_at: list[float] = field(default_factory=list)


class Tmux:
    """A private tmux server (no user config), kept alive between runs so its start is not timed."""

    def __init__(self, env: dict[str, str], cwd: str) -> None:
        tmux = shutil.which("tmux")
        if tmux is None:
            sys.exit("bench_first_frame: tmux is not installed (apt-get install tmux)")
        self.folder = Path(tempfile.mkdtemp(prefix="wb-ff-"))
        self.base = [tmux, "-f", "/dev/null", "-S", str(self.folder / "socket")]
        self.env = env
        self.cwd = cwd
        self("new-session", "-d", "-s", "keepalive", "--", "sleep", "86400")

    def __call__(self, *args: str) -> str:
        done = subprocess.run(
            [*self.base, *args], env=self.env, capture_output=True, text=True, check=True
        )
        return done.stdout

    def close(self) -> None:
        subprocess.run([*self.base, "kill-server"], env=self.env, capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)


def measure(tmux: Tmux, variant: Variant, run: int) -> None:
    name = f"run{run}"
    width, height = SIZE
    t0 = time.perf_counter()
    size = ("-x", str(width), "-y", str(height))
    # A neutral working directory: a checkout's own would shadow a variant's PYTHONPATH.
    pid = tmux(
        "new-session", "-d", "-P", "-F", "#{pane_pid}", "-s", name, "-c", tmux.cwd, *size,
        "--", *variant.command,
    ).strip()  # fmt: skip
    first: float | None = None
    try:
        while True:
            screen = tmux("capture-pane", "-p", "-t", name)
            now = time.perf_counter() - t0
            if first is None and screen.strip():
                first = now
                variant.first.append(first)
                cpu = cpu_time(pid)
                if cpu is not None:
                    variant.cpu.append(cpu)
                if variant.ready is None:
                    return
            if variant.ready is not None and variant.ready in screen:
                variant.ready_at.append(now)
                return
            if now > DEADLINE_S:
                sys.exit(f"{variant.label}: nothing on screen after {DEADLINE_S:g} s:\n{screen}")
            time.sleep(POLL_S)
    finally:
        tmux("kill-session", "-t", name)


def cpu_time(pid: str) -> float | None:
    """CPU seconds the process has used so far (Linux), which a busy machine inflates far less."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def summary(times: list[float], floor: list[float] | None = None) -> str:
    med, worst, best = statistics.median(times), max(times), min(times)
    text = f"median {med * 1e3:4.0f} ms  best {best * 1e3:4.0f}  worst {worst * 1e3:4.0f}"
    if floor:
        # Both: the median is the typical start; best against best (the measure) is what
        # each can do when nothing else on the machine gets in the way.
        text += (
            f"  ({med / statistics.median(floor):.2f}× the floor's median,"
            f" best {best / min(floor):.2f}× the floor's best)"
        )
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="?", type=int, default=15)
    parser.add_argument("--variant", action="append", default=[], metavar="LABEL=COMMAND")
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="wb-ff-home-")
    # The app records a session and logs as a user's would: keep the benchmark's out of the user's
    # dirs, and the user's own profiles out of the benchmark. $TMUX would reach the user's server.
    env = {k: v for k, v in os.environ.items() if k != "TMUX"}
    env.update({v: os.path.join(home, v) for v in ("XDG_DATA_HOME", "XDG_STATE_HOME")})
    env["XDG_CONFIG_HOME"] = os.path.join(home, "XDG_CONFIG_HOME")
    bare_script = Path(home) / "bare_app.py"
    bare_script.write_text(BARE_APP)
    workbench = Path(sys.executable).parent / "workbench"

    variants = [
        Variant("bare Textual app (floor)", [sys.executable, str(bare_script)]),
        Variant("workbench", [str(workbench)], ready=READY),
    ]
    for spec in args.variant:
        label, _, command = spec.partition("=")
        variants.append(Variant(label, shlex.split(command), ready=READY))

    load = os.getloadavg()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {platform.system()}; "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")  # fmt: skip
    tmux = Tmux(env, cwd=home)
    try:
        for variant in variants:  # once each, unmeasured: disk caches and .pyc files warm
            measure(tmux, variant, -1)
            variant.first.clear()
            variant.cpu.clear()
            variant.ready_at.clear()
        for run in range(args.runs):
            for variant in variants if run % 2 == 0 else variants[::-1]:
                measure(tmux, variant, run)
    finally:
        tmux.close()
        shutil.rmtree(home, ignore_errors=True)

    floor = variants[0]
    print(
        f"\nFirst frame from spawn, {args.runs} runs alternating, polled every {POLL_S * 1e3:.0f} ms"
    )
    for variant in variants:
        base = None if variant is floor else floor.first
        print(f"  {variant.label:<26} {summary(variant.first, base)}")
        if variant.ready_at:
            print(f"  {'  runtime ready':<26} {summary(variant.ready_at)}")
    if all(len(v.cpu) == len(v.first) for v in variants):
        print(
            "CPU time the process had used by then (10 ms ticks; a busy machine inflates it less)"
        )
        for variant in variants:
            base = None if variant is floor else floor.cpu
            print(f"  {variant.label:<26} {summary(variant.cpu, base)}")
    load = os.getloadavg()
    print(f"load average after: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()
