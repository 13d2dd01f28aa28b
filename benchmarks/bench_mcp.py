"""MCP tools: overhead per call over the bare SDK ``call_tool``, and a batch of ten 1 s calls.

Run: .venv/bin/python benchmarks/bench_mcp.py

One stdio server (tests/mcp/server.py, written with the SDK), one session. The floor is measured in
the same run on the same session: ``client.call_tool`` on the SDK client the source holds. Rounds
alternate bare / workbench so drift on a shared machine falls on both alike; medians are reported.
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbench.config.mcp import McpServerConfig
from workbench.core.events import BatchFinished, Event
from workbench.core.executor import ToolExecutor
from workbench.core.messages import ToolCall
from workbench.core.settings import ExecutionSettings
from workbench.core.tools import ToolRegistry
from workbench.tools.mcp import McpServerSource

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "tests" / "mcp" / "server.py"
CALLS = 1500
BATCH = 20
BATCHES = 150


async def timed(fn: Callable[[], Awaitable[object]]) -> float:
    t = time.perf_counter()
    await fn()
    return time.perf_counter() - t


async def main() -> None:
    source = McpServerSource(
        McpServerConfig(name="bench", command=sys.executable, args=[str(SERVER)])
    )
    await source.start()
    try:
        conn = source._conn
        assert conn is not None and conn.client is not None
        client = conn.client
        echo = next(t for t in source.tools() if t.mcp_name == "echo")
        args = {"text": "x"}
        events: list[Event] = []
        executor = ToolExecutor(ToolRegistry(source.tools()), emit=events.append)
        settings = ExecutionSettings()
        batch_settings = ExecutionSettings(max_concurrent=BATCH)  # as many at once as gather
        n_batch = 0

        async def bare() -> object:
            return await client.call_tool("echo", args)

        async def tool() -> object:
            return await echo.invoke(**echo.validate(args))

        async def through_executor() -> object:
            nonlocal n_batch
            n_batch += 1
            call = ToolCall(id=f"c{n_batch}", name="bench__echo", arguments=args)
            return await executor.run(f"b{n_batch}", [call], settings)

        async def bare_batch() -> object:
            return await asyncio.gather(*(client.call_tool("echo", args) for _ in range(BATCH)))

        async def executor_batch() -> object:
            nonlocal n_batch
            n_batch += 1
            calls = [
                ToolCall(id=f"c{n_batch}-{i}", name="bench__echo", arguments=args)
                for i in range(BATCH)
            ]
            return await executor.run(f"b{n_batch}", calls, batch_settings)

        sequential = {"bare": bare, "tool": tool, "executor": through_executor}
        batched = {"bare": bare_batch, "executor": executor_batch}
        for fn in (*sequential.values(), *batched.values()):  # warm up
            await timed(fn)
        # Interleaved call by call, so a change in the machine's speed falls on every path alike;
        # medians of single calls, so a stall on the shared machine does not count.
        figures: dict[str, list[float]] = {k: [] for k in sequential}
        for _ in range(CALLS):
            for key, fn in sequential.items():
                figures[key].append(await timed(fn))
        events.clear()
        batch_figures: dict[str, list[float]] = {k: [] for k in batched}
        for _ in range(BATCHES):
            for key, fn in batched.items():
                batch_figures[key].append(await timed(fn) / BATCH)
            events.clear()
        med = {k: statistics.median(v) for k, v in figures.items()}
        bmed = {k: statistics.median(v) for k, v in batch_figures.items()}

        # Ten calls of 1 s in one batch at cap 10, and the same ten straight through the SDK.
        t = time.perf_counter()
        await asyncio.gather(*(client.call_tool("sleep", {"seconds": 1.0}) for _ in range(10)))
        bare_wall = time.perf_counter() - t
        events.clear()
        calls = [
            ToolCall(id=f"s{i}", name="bench__sleep", arguments={"seconds": 1.0}) for i in range(10)
        ]
        results = await executor.run("ten", calls, ExecutionSettings(max_concurrent=10))
        assert all(r.status == "ok" for r in results), results
        [finished] = [e for e in events if isinstance(e, BatchFinished)]
        stats = finished.stats
    finally:
        await source.aclose()

    def ms(s: float) -> str:
        return f"{s * 1000:.3f} ms"

    print(
        f"bench_mcp · {platform.python_implementation()} {platform.python_version()} · "
        f"{platform.machine()} · {os.cpu_count()} cores · stdio, one session"
    )
    print(f"per call (median of {CALLS} sequential echo calls each, interleaved):")
    print(f"  bare SDK client.call_tool          {ms(med['bare'])}")
    over = med["tool"] / med["bare"] - 1
    print(f"  McpTool validate + invoke          {ms(med['tool'])}   overhead {over:+.1%}")
    over_ex = med["executor"] / med["bare"] - 1
    print(
        f"  through the executor (1-call batch) {ms(med['executor'])}   overhead {over_ex:+.1%}"
        "   (a worker task, events, timeout watchdog)"
    )
    print(f"per call in batches of {BATCH} echo calls (median of {BATCHES} batches each):")
    print(f"  bare SDK, asyncio.gather           {ms(bmed['bare'])}")
    over_b = bmed["executor"] / bmed["bare"] - 1
    print(
        f"  executor, cap {BATCH}                   {ms(bmed['executor'])}   overhead {over_b:+.1%}"
    )
    print("ten calls of sleep(1 s) in one batch:")
    print(f"  bare SDK, asyncio.gather           wall {bare_wall:.3f} s")
    print(
        f"  executor, cap 10                   wall {stats.wall_s:.3f} s · sum {stats.sum_s:.2f} s"
        f" · peak {stats.peak_concurrency} · speedup {stats.speedup:.2f}x"
    )


if __name__ == "__main__":
    asyncio.run(main())
