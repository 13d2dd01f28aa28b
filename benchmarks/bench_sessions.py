"""Listing a large sessions directory: 1,000 sessions of 1,000 events each, as `workbench sessions`
reads it.

Run: .venv/bin/python benchmarks/bench_sessions.py [sessions] [events]

One session is recorded with the real runtime on the scripted model (weather calls, some failing,
several turns), then copied under new headers. Every figure is measured in this run, with its floor:
- floor: stat every file (what any listing must do to notice a change), and read every byte;
- a full scan without the index (the one pass `summarise_session` makes over every file);
- the first listing with the index (the same scan, plus writing the index);
- warm: the index is fresh, only files are stat-ed and the index read (what a user sees);
- warm after 10 sessions changed (their modification time: those are read again).
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbench.config import Profile
from workbench.runtime import Runtime
from workbench.session.index import index_path
from workbench.session.listing import list_rows
from workbench.tools.latency import set_latency_scale

FAST = Profile.model_validate(
    {
        "name": "bench",
        "type": "scripted",
        "scripted": {"ttft_ms": 0, "tokens_per_s": 1_000_000},
        "faults": {"get_weather": {"failure_rate": 0.1}},
        "seed": 7,
    }
)


async def record_one(path: Path, events: int) -> None:
    set_latency_scale(0.0)
    runtime = await Runtime.start(FAST, record=path)
    written = 0
    turn = 0
    while written < events:
        turn += 1
        prompt = ", ".join(f'get_weather(city="City {turn}-{j}")' for j in range(20))
        async for _ in runtime.run_turn(prompt):
            written += 1
    await runtime.aclose()


def clone(source: Path, directory: Path, count: int) -> None:
    header_line, _, body = source.read_bytes().partition(b"\n")
    header = orjson.loads(header_line)
    for i in range(count):
        header["session_id"] = f"{i:016x}"
        header["created"] = f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z"
        path = directory / f"session-{i:05d}.jsonl"
        path.write_bytes(orjson.dumps(header) + b"\n" + body)


def timed(fn: Callable[[], object], repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    sessions = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    events = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {platform.system()}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = root / "source.jsonl"
        asyncio.run(record_one(source, events))
        directory = root / "sessions"
        directory.mkdir()
        clone(source, directory, sessions)
        files = sorted(directory.glob("*.jsonl"))
        lines = source.read_bytes().count(b"\n") - 1
        total = sum(p.stat().st_size for p in files)
        print(f"{sessions} sessions of {lines} events, {total / 1e6:.0f} MB")

        stat_floor = timed(lambda: [p.stat() for p in directory.glob("*.jsonl")])
        read_floor = timed(lambda: [p.read_bytes() for p in files], repeat=3)
        no_index = timed(lambda: list_rows(directory, index=False), repeat=3)
        first = time.perf_counter()
        listing = list_rows(directory)
        first_s = time.perf_counter() - first
        assert len(listing.rows) == sessions, len(listing.rows)
        warm = timed(lambda: list_rows(directory))

        def touched() -> None:
            for path in files[:10]:
                os.utime(path, ns=(time.time_ns(), time.time_ns()))
            list_rows(directory)

        changed = timed(touched)
        index_size = index_path(directory).stat().st_size

    print(f"{'floor: stat every file':<44} {stat_floor * 1e3:9.1f} ms")
    print(f"{'floor: read every byte':<44} {read_floor * 1e3:9.1f} ms")
    print(f"{'full scan, no index':<44} {no_index * 1e3:9.1f} ms")
    print(f"{'first listing (scan + write the index)':<44} {first_s * 1e3:9.1f} ms")
    print(f"{'warm listing (index fresh)':<44} {warm * 1e3:9.1f} ms")
    print(f"{'warm, 10 sessions changed':<44} {changed * 1e3:9.1f} ms")
    print(f"index: {index_size / 1e3:.0f} KB for {sessions} sessions")
    verdict = "under" if warm < 1.0 else "OVER"
    print(f"warm listing {verdict} 1 s ({warm:.3f} s)")


if __name__ == "__main__":
    main()
