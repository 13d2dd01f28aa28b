"""Sync tools in threads: one that never returns cannot stop the loop, the timeout, a cancel or exit.

The threads are real; the hung ones wait on an event the test sets at the end, so nothing is left
running after it. The exit test runs a real child process.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from workbench.core.events import CallFinished, Event
from workbench.core.executor import ToolExecutor
from workbench.core.messages import ToolCall
from workbench.core.settings import ExecutionSettings
from workbench.core.threadpool import ToolThreads
from workbench.tools.base import ToolRegistry, tool


@pytest.fixture
def never() -> Iterator[threading.Event]:
    """What a hung tool waits for: set only after the test, so its thread ends then."""
    event = threading.Event()
    yield event
    event.set()


def executor(never: threading.Event) -> tuple[ToolExecutor, list[Event], threading.Semaphore]:
    """An executor with two tools that hang and one that does not; the semaphore is released by a
    hung tool as it begins."""
    events: list[Event] = []
    entered = threading.Semaphore(0)

    @tool
    def stuck() -> str:
        """Blocks in C code that releases the interpreter (a lock wait), and never returns."""
        entered.release()
        never.wait()
        return "never"

    @tool
    def spin() -> str:
        """A pure-Python loop that never ends (it only lets others run between bytecodes)."""
        entered.release()
        n = 0
        while not never.is_set():
            n += 1
        return "never"

    @tool
    def quick() -> str:
        """Returns at once, from a thread of its own."""
        return threading.current_thread().name

    return ToolExecutor(ToolRegistry([stuck, spin, quick]), emit=events.append), events, entered


def call(i: int, name: str) -> ToolCall:
    return ToolCall(id=f"c{i}", name=name, arguments={})


async def test_a_sync_tool_that_never_returns_times_out_and_its_siblings_finish(
    never: threading.Event,
) -> None:
    ex, events, _ = executor(never)
    async with asyncio.timeout(30):  # a guard: the old pool waited here for good
        results = await ex.run(
            "b1",
            [call(0, "stuck"), call(1, "spin"), call(2, "quick")],
            ExecutionSettings(timeout_s=0.2),
        )
    assert [r.status for r in results] == ["timeout", "timeout", "ok"]
    assert results[0].content == "Error: tool 'stuck' timed out after 0.2 s"
    assert {e.call_id for e in events if isinstance(e, CallFinished)} == {"c0", "c1", "c2"}
    # The next batch is not short of a thread: the stuck ones are left behind, new ones start.
    again = await ex.run("b2", [call(3, "quick"), call(4, "quick")], ExecutionSettings())
    assert [r.status for r in again] == ["ok", "ok"]
    ex.close()


async def test_cancelling_a_batch_with_a_hung_sync_call_ends_it_at_once(
    never: threading.Event,
) -> None:
    ex, _, entered = executor(never)
    batch = ex.batch("b1", ExecutionSettings(timeout_s=None))
    batch.submit(call(0, "stuck"))
    batch.submit(call(1, "spin"))
    for _ in range(2):  # both calls are inside their tools
        assert await asyncio.to_thread(entered.acquire, timeout=10.0)
    async with asyncio.timeout(30):
        results = await batch.cancel()
    assert [r.status for r in results] == ["cancelled", "cancelled"]
    assert "before it finished" in results[0].content
    ex.close()


def test_warming_counts_the_threads_whether_or_not_the_first_call_has_finished() -> None:
    # The old pool started (size - 1) more threads, counting the first call as still running;
    # when it had already finished, its idle thread took one of them and one thread was missing.
    threads = ToolThreads()
    assert threads.submit(lambda: 1).result(10) == 1  # finished: its thread is idle
    threads.warm(4)
    assert threads.wait_for(4, 10.0), f"{threads.alive} threads, expected 4"
    threads.warm(4)  # already warm: nothing more
    threads.warm(2)
    assert threads.wait_for(4, 10.0)
    threads.shutdown()
    assert threads.wait_for(0, 10.0)


def test_a_call_given_up_on_does_not_count_as_a_ready_thread(never: threading.Event) -> None:
    threads = ToolThreads()
    hung = threads.submit(never.wait)
    threads.abandon(hung)
    threads.warm(2)
    assert threads.wait_for(3, 10.0)  # the stuck one, and two ready
    threads.shutdown()
    with pytest.raises(RuntimeError, match="shut down"):
        threads.submit(lambda: None)


def test_a_process_whose_sync_tool_never_returns_still_exits() -> None:
    # concurrent.futures joins its threads at exit: a timed-out call that never returned kept
    # `workbench run` alive after the turn had ended. A real child process, a real hung thread.
    script = textwrap.dedent(
        """
        import asyncio, threading
        from workbench.core.executor import ToolExecutor
        from workbench.core.messages import ToolCall
        from workbench.core.settings import ExecutionSettings
        from workbench.tools.base import ToolRegistry, tool

        @tool
        def stuck() -> str:
            \"\"\"Never returns.\"\"\"
            threading.Event().wait()
            return "never"

        async def main() -> None:
            ex = ToolExecutor(ToolRegistry([stuck]), emit=lambda event: None)
            call = ToolCall(id="c0", name="stuck", arguments={})
            (result,) = await ex.run("b1", [call], ExecutionSettings(timeout_s=0.2))
            print(result.status, flush=True)

        asyncio.run(main())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "timeout", "")


def test_ctrl_c_during_a_hung_sync_call_ends_workbench_run(tmp_path: Path) -> None:
    # The whole way a user meets it: a tool of their own that never returns, no timeout, Ctrl-C.
    # The call ends as cancelled, the turn is closed, and the process exits (130) at once.
    (tmp_path / "stuck_tools.py").write_text(
        textwrap.dedent(
            """
            import threading
            from workbench.tools import tool

            @tool
            def stuck() -> str:
                \"\"\"Never returns.\"\"\"
                threading.Event().wait()
                return "never"
            """
        )
    )
    (tmp_path / "stuck.yaml").write_text("type: scripted\ntool_modules: [stuck_tools.py]\n")
    command = [sys.executable, "-m", "workbench.cli", "run", "--json", "--profile", "stuck.yaml"]
    command += ["--tool-timeout", "0", "stuck()"]
    with subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        try:
            assert child.stdout is not None
            events: list[dict[str, Any]] = []
            for line in child.stdout:  # until the call is inside its tool
                events.append(json.loads(line))
                if events[-1]["type"] == "call_started":
                    break
            child.send_signal(signal.SIGINT)
            out, _ = child.communicate(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
    events += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert child.returncode == 130
    [finished] = [e for e in events if e["type"] == "call_finished"]
    assert finished["status"] == "cancelled"
    assert events[-1]["type"] == "turn_finished" and events[-1]["status"] == "cancelled"
