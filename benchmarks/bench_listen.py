"""How much ``workbench listen`` holds its event loop while receiving 5,000 spans a second.

Run: .venv/bin/python benchmarks/bench_listen.py [seconds] [spans_per_s]

The receiver (the real :class:`~workbench.traces.receiver.Listener`: uvicorn, Starlette, decoding in
a worker thread, runs closed and their sessions written as their roots arrive) serves on a loopback
port in this process; a client in another process POSTs OTLP protobuf requests of 500 spans
(pydantic-ai-shaped runs, benchmarks/trace_data.py) at a steady rate, as an SDK's batching exporter
would. A 1 ms ticker on the receiver's loop records how late each tick is. The floor is the same
ticker on the same loop with the receiver idle, measured first in the same run. Target: the worst
stall under 16 ms.
"""

from __future__ import annotations

import asyncio
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

PER_REQUEST = 500


def client(url: str, seconds: float, rate: float) -> None:
    """The sending side (a separate process): paced POSTs of pre-encoded requests."""
    import requests as http
    from bench_import import _protobuf
    from trace_data import requests

    count = int(seconds * rate / PER_REQUEST)
    bodies = [_protobuf(doc) for doc in requests(count * PER_REQUEST, per_request=PER_REQUEST)]
    session = http.Session()
    print("ready", flush=True)
    sys.stdin.readline()
    start = time.perf_counter()
    interval = PER_REQUEST / rate
    late = 0.0
    for i, body in enumerate(bodies):
        due = start + i * interval
        now = time.perf_counter()
        if due > now:
            time.sleep(due - now)
        else:
            late = max(late, now - due)
        answer = session.post(
            url, data=body, headers={"Content-Type": "application/x-protobuf"}, timeout=30
        )
        answer.raise_for_status()
    print(
        f"sent {len(bodies)} requests in {time.perf_counter() - start:.2f} s (client late by up to {late * 1e3:.0f} ms)",
        flush=True,
    )


async def ticker(stop: asyncio.Event, lateness: list[float]) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        due = loop.time() + 0.001
        await asyncio.sleep(0.001)
        lateness.append(loop.time() - due)


async def serve(seconds: float, rate: float) -> None:
    from workbench.traces.live import LiveRuns
    from workbench.traces.receiver import Listener, bind

    tmp = Path(tempfile.mkdtemp(prefix="bench-listen-"))
    written: list[object] = []
    live = LiveRuns(tmp, grace_s=0.5, on_closed=written.append)
    listener = Listener(live, bind("127.0.0.1", 0))
    server = asyncio.create_task(listener.run())
    url = f"http://127.0.0.1:{listener.port}/v1/traces"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--client",
        url,
        str(seconds),
        str(rate),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stdin is not None
    await proc.stdout.readline()  # "ready": its bodies are encoded

    idle: list[float] = []
    stop = asyncio.Event()
    task = asyncio.create_task(ticker(stop, idle))
    await asyncio.sleep(2.0)
    stop.set()
    await task

    busy: list[float] = []
    stop = asyncio.Event()
    task = asyncio.create_task(ticker(stop, busy))
    proc.stdin.write(b"go\n")
    await proc.stdin.drain()
    said = (await proc.stdout.readline()).decode()
    await proc.wait()
    await asyncio.sleep(1.0)  # the last runs close and their sessions are written
    stop.set()
    await task
    listener.stop()
    await server

    def figures(samples: list[float]) -> str:
        ordered = sorted(samples)
        p99 = ordered[int(len(ordered) * 0.99)] if ordered else 0.0
        return (
            f"median {statistics.median(ordered) * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms,"
            f" worst {ordered[-1] * 1e3:.2f} ms over {len(ordered):,} ticks"
        )

    print(said.strip())
    print(
        f"received {live.spans_received:,} spans in {listener.receiver.requests} requests;"
        f" {len(written)} sessions written; {platform.python_version()}"
    )
    print(f"idle loop (floor): {figures(idle)}")
    print(f"receiving {rate:,.0f} spans/s: {figures(busy)}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        client(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]))
        return
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    rate = float(sys.argv[2]) if len(sys.argv) > 2 else 5_000.0
    asyncio.run(serve(seconds, rate))


if __name__ == "__main__":
    main()
