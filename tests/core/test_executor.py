"""The executor: overlap, cap, timeouts, cancellation, isolation, ordering, sync tools off the loop."""

from __future__ import annotations

import asyncio
import threading
from typing import Annotated, Any

import pytest
from pydantic import AfterValidator

from workbench.core.clock import Clock
from workbench.core.events import BatchFinished, CallFinished, CallRetrying, CallStarted, Event
from workbench.core.executor import ToolExecutor
from workbench.core.messages import ToolCall
from workbench.core.settings import ExecutionSettings, Fault
from workbench.tools.base import ToolRegistry, tool


class Gate:
    """Lets a test hold calls running, count how many run at once, and release them."""

    def __init__(self) -> None:
        self.running = 0
        self.peak = 0
        self.release = asyncio.Event()
        self.changed = asyncio.Event()

    async def hold(self) -> None:
        self.running += 1
        self.peak = max(self.peak, self.running)
        self.changed.set()
        try:
            await self.release.wait()
        finally:
            self.running -= 1

    async def until_running(self, n: int) -> None:
        while self.running < n:
            self.changed.clear()
            await self.changed.wait()


def make(gate: Gate | None = None) -> tuple[ToolExecutor, list[Event]]:
    events: list[Event] = []

    @tool
    async def held(n: int) -> str:
        """Waits at the gate."""
        assert gate is not None
        await gate.hold()
        return f"done {n}"

    @tool
    async def quick(n: int) -> dict[str, int]:
        """Returns at once."""
        return {"n": n}

    @tool
    async def boom(message: str = "boom") -> None:
        """Raises."""
        raise RuntimeError(message)

    @tool
    async def hang() -> None:
        """Never returns."""
        await asyncio.Event().wait()

    @tool
    def blocking(ms: int) -> str:
        """A sync tool; records the thread it ran on."""
        threading.Event().wait(ms / 1000)
        return threading.current_thread().name

    @tool
    async def junk() -> object:
        """Returns something no model can read."""
        return object()

    registry = ToolRegistry([held, quick, boom, hang, blocking, junk])
    return ToolExecutor(registry, emit=events.append, clock=Clock()), events


def calls(*specs: tuple[str, dict[str, Any] | None]) -> list[ToolCall]:
    return [ToolCall(id=f"c{i}", name=name, arguments=args) for i, (name, args) in enumerate(specs)]


def finished(events: list[Event]) -> list[CallFinished]:
    return [e for e in events if isinstance(e, CallFinished)]


async def test_calls_overlap_up_to_the_cap_and_wait_for_a_slot_beyond_it() -> None:
    gate = Gate()
    ex, events = make(gate)
    settings = ExecutionSettings(max_concurrent=3)
    task = asyncio.create_task(
        ex.run("b1", calls(*[("held", {"n": i}) for i in range(7)]), settings)
    )
    await gate.until_running(3)
    await asyncio.sleep(0)
    assert gate.running == 3  # the other four wait for a slot
    gate.release.set()
    results = await task
    assert [r.content for r in results] == [f"done {i}" for i in range(7)]
    assert gate.peak == 3
    stats = next(e for e in events if isinstance(e, BatchFinished)).stats
    assert stats.peak_concurrency == 3
    assert stats.calls == 7 and stats.ok == 7


async def test_waiting_for_a_slot_means_every_slot_was_taken() -> None:
    """100 calls at a cap of 100: none waits, however long the workers take to start."""
    ex, events = make()
    await ex.run(
        "b1",
        calls(*[("quick", {"n": i}) for i in range(100)]),
        ExecutionSettings(max_concurrent=100),
    )
    stats = next(e for e in events if isinstance(e, BatchFinished)).stats
    assert stats.wait_s == 0.0
    gate = Gate()
    ex, events = make(gate)
    task = asyncio.create_task(
        ex.run(
            "b2",
            calls(*[("held", {"n": i}) for i in range(3)]),
            ExecutionSettings(max_concurrent=2),
        )
    )
    await gate.until_running(2)
    await asyncio.sleep(0)
    gate.release.set()
    await task
    finished = {e.call_id: e for e in events if isinstance(e, CallFinished)}
    third = finished["c2"]
    assert third.started_t is not None
    stats = next(e for e in events if isinstance(e, BatchFinished)).stats
    # Only the third call found both slots taken: the batch's waiting is exactly its wait.
    assert stats.wait_s == pytest.approx(third.started_t - third.queued_t)
    assert stats.wait_s > 0


async def test_sequential_execution_runs_one_call_at_a_time() -> None:
    gate = Gate()
    gate.release.set()
    ex, events = make(gate)
    await ex.run(
        "b1", calls(*[("held", {"n": i}) for i in range(4)]), ExecutionSettings(concurrent=False)
    )
    assert gate.peak == 1
    starts = [e.call_id for e in events if isinstance(e, CallStarted)]
    assert starts == ["c0", "c1", "c2", "c3"]


async def test_a_failure_never_cancels_its_siblings_and_every_call_gets_one_result() -> None:
    ex, events = make()
    results = await ex.run(
        "b1",
        calls(("quick", {"n": 1}), ("boom", {"message": "disk full"}), ("quick", {"n": 2})),
        ExecutionSettings(),
    )
    assert [r.status for r in results] == ["ok", "error", "ok"]
    assert results[1].content == "Error: tool 'boom' raised RuntimeError: disk full"
    assert sorted(e.call_id for e in finished(events)) == ["c0", "c1", "c2"]


async def test_a_hanging_call_times_out_with_a_message_the_model_can_read() -> None:
    ex, events = make()
    results = await ex.run(
        "b1", calls(("hang", {}), ("quick", {"n": 1})), ExecutionSettings(timeout_s=0.05)
    )
    assert results[0].status == "timeout"
    assert results[0].content == "Error: tool 'hang' timed out after 0.05 s"
    assert results[1].status == "ok"
    stats = next(e for e in events if isinstance(e, BatchFinished)).stats
    assert stats.timeouts == 1 and stats.ok == 1


async def test_results_come_in_call_order_while_events_come_in_completion_order() -> None:
    gate = Gate()
    ex, events = make(gate)
    task = asyncio.create_task(
        ex.run("b1", calls(("held", {"n": 0}), ("quick", {"n": 1})), ExecutionSettings())
    )
    await gate.until_running(1)
    gate.release.set()
    results = await task
    assert [r.call_id for r in results] == ["c0", "c1"]
    assert [e.call_id for e in finished(events)] == ["c1", "c0"]


async def test_cancelling_drains_running_and_queued_calls_as_cancelled() -> None:
    gate = Gate()
    ex, events = make(gate)
    batch = ex.batch("b1", ExecutionSettings(max_concurrent=2))
    for call in calls(*[("held", {"n": i}) for i in range(4)]):
        batch.submit(call)
    await gate.until_running(2)
    results = await batch.cancel()
    assert [r.status for r in results] == ["cancelled"] * 4
    assert "before it finished" in results[0].content
    assert "before it started" in results[3].content
    assert len(finished(events)) == 4
    assert gate.running == 0
    stats = next(e for e in events if isinstance(e, BatchFinished)).stats
    assert stats.cancelled == 4


async def test_unknown_tools_bad_arguments_and_unparsable_json_are_refused_without_running() -> (
    None
):
    ex, _ = make()
    bad_json = ToolCall(
        id="x", name="quick", raw_arguments='{"n": 1', parse_error="unterminated object"
    )
    results = await ex.run(
        "b1",
        [*calls(("nope", {}), ("quick", {"n": "many"}), ("quick", {"m": 1})), bad_json],
        ExecutionSettings(),
    )
    assert [r.status for r in results] == ["error"] * 4
    assert results[0].content.startswith("Error: unknown tool 'nope'. The tool was not run.")
    assert "quick" in results[0].content  # lists what exists
    assert "n: Input should be a valid integer" in results[1].content
    assert "m: unexpected argument" in results[2].content
    assert "not a valid JSON object (unterminated object)" in results[3].content


async def test_a_result_that_cannot_be_serialised_becomes_an_error() -> None:
    ex, _ = make()
    (result,) = await ex.run("b1", calls(("junk", {})), ExecutionSettings())
    assert result.status == "error"
    assert "cannot be sent to the model" in result.content


async def test_sync_tools_run_in_the_thread_pool_never_on_the_event_loop() -> None:
    ex, _ = make()
    results = await ex.run(
        "b1", calls(*[("blocking", {"ms": 20}) for _ in range(3)]), ExecutionSettings()
    )
    names = {r.content for r in results}
    assert all(name.startswith("workbench-tool") for name in names)
    assert threading.current_thread().name not in names


async def test_the_event_loop_stays_responsive_while_sync_tools_block() -> None:
    ex, _ = make()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    t = asyncio.create_task(ticker())
    await ex.run("b1", calls(("blocking", {"ms": 50})), ExecutionSettings())
    t.cancel()
    assert ticks > 10  # the loop kept turning while the tool blocked its thread


async def test_after_the_first_sync_call_the_next_batch_starts_no_thread_on_the_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Thread.start waits for the new thread to run: on the loop, 1-9 ms each while tool threads
    # hold the interpreter. The pool's other threads are started from a helper thread instead.
    ex, _ = make()
    loop_thread = threading.current_thread()
    started_on_loop: list[str] = []
    start = threading.Thread.start

    def recording(self: threading.Thread) -> None:
        if threading.current_thread() is loop_thread:
            started_on_loop.append(self.name)
        start(self)

    monkeypatch.setattr(threading.Thread, "start", recording)
    settings = ExecutionSettings(max_concurrent=4)
    await ex.run("b1", calls(("blocking", {"ms": 1})), settings)
    await pool_threads(ex, 4)  # the helper starts the other three meanwhile
    started_on_loop.clear()
    results = await ex.run("b2", calls(*[("blocking", {"ms": 20}) for _ in range(4)]), settings)
    assert started_on_loop == []
    assert len({r.content for r in results}) == 4  # four threads, overlapping as the cap allows
    ex.close()
    await pool_threads(ex, 0)  # the closed pool's threads have ended

    # A turn that begins prepares them before its first batch (the agent loop calls prepare).
    ex, _ = make()
    started_on_loop.clear()
    three = ExecutionSettings(max_concurrent=3)
    ex.prepare(three)
    await pool_threads(ex, 3)
    results = await ex.run("b1", calls(*[("blocking", {"ms": 20}) for _ in range(3)]), three)
    assert [name for name in started_on_loop if name.startswith("workbench-tool_")] == []
    assert len({r.content for r in results}) == 3
    ex.close()


async def pool_threads(ex: ToolExecutor, n: int) -> None:
    """Until exactly ``n`` of the executor's tool threads are alive; fails after ten seconds."""
    reached = await asyncio.to_thread(ex.threads.wait_for, n, 10.0)
    assert reached, f"{ex.threads.alive} tool threads alive, expected {n}"
    alive = [t for t in threading.enumerate() if t.name.startswith("workbench-tool_")]
    assert len(alive) >= n  # the pool's count is of real threads


async def test_retries_retry_a_raising_tool_and_mark_each_attempt() -> None:
    ex, events = make()
    attempts = 0

    @tool
    async def flaky() -> str:
        """Fails twice, then works."""
        nonlocal attempts
        attempts += 1
        if attempts < 3:
            raise ConnectionError("try again")
        return "finally"

    ex.registry.register(flaky)
    (result,) = await ex.run(
        "b1", calls(("flaky", {})), ExecutionSettings(retries=2, retry_backoff_s=0)
    )
    assert result.status == "ok" and result.content == "finally"
    retries = [e for e in events if isinstance(e, CallRetrying)]
    assert [r.attempt for r in retries] == [1, 2]
    assert finished(events)[0].attempts == 3


async def test_fault_injection_hang_and_failure_need_no_code() -> None:
    ex, _ = make()
    settings = ExecutionSettings(
        timeout_s=0.05,
        faults={"quick": Fault(hang=True), "boom": Fault(failure_rate=1.0)},
    )
    results = await ex.run("b1", calls(("quick", {"n": 1}), ("boom", {})), settings)
    assert results[0].status == "timeout"
    assert results[1].status == "error"
    assert "injected failure" in results[1].content


@pytest.mark.parametrize("cap", [1, 4])
async def test_every_call_gets_exactly_one_finished_event(cap: int) -> None:
    ex, events = make()
    n = 50
    await ex.run(
        "b1", calls(*[("quick", {"n": i}) for i in range(n)]), ExecutionSettings(max_concurrent=cap)
    )
    done = finished(events)
    assert len(done) == n
    assert len({e.call_id for e in done}) == n


async def test_a_tool_raising_its_own_timeout_error_is_an_error_not_our_timeout() -> None:
    ex, _ = make()

    @tool
    async def upstream() -> None:
        """Its own upstream call timed out."""
        raise TimeoutError("upstream API did not answer")

    ex.registry.register(upstream)
    (result,) = await ex.run("b1", calls(("upstream", {})), ExecutionSettings(timeout_s=5))
    assert result.status == "error"
    assert (
        result.content == "Error: tool 'upstream' raised TimeoutError: upstream API did not answer"
    )


async def test_timeouts_apply_per_call_across_a_capped_batch() -> None:
    ex, _ = make()
    # four hanging calls, two slots: the second pair only starts when the first pair times out,
    # and gets its own full timeout.
    results = await ex.run(
        "b1",
        calls(*[("hang", {}) for _ in range(4)]),
        ExecutionSettings(max_concurrent=2, timeout_s=0.05),
    )
    assert [r.status for r in results] == ["timeout"] * 4


def _must_be_known(city: str) -> str:
    raise KeyError(city)


@tool
async def lookup(city: Annotated[str, AfterValidator(_must_be_known)]) -> str:
    """Looks a city up; its validator raises what pydantic does not wrap."""
    return city


@tool
async def fine() -> str:
    """Works."""
    return "ok"


async def test_an_argument_validator_that_raises_is_an_error_result_not_a_hung_batch() -> None:
    # A user tool's own validator may raise anything, not only what pydantic turns into a
    # validation error; the call must still get its one result and the batch must end.
    events: list[Event] = []
    executor = ToolExecutor(ToolRegistry([lookup, fine]), emit=events.append, clock=Clock())
    batch = [ToolCall(id="a", name="lookup", arguments={"city": "Atlantis"}),
             ToolCall(id="b", name="fine", arguments={})]  # fmt: skip
    results = await asyncio.wait_for(executor.run("b1", batch, ExecutionSettings()), 5)
    assert [(r.call_id, r.status) for r in results] == [("a", "error"), ("b", "ok")]
    assert "KeyError" in results[0].content and "Atlantis" in results[0].content
    assert sorted(e.call_id for e in finished(events)) == ["a", "b"]


async def test_a_sink_that_raises_still_leaves_every_call_a_result() -> None:
    # The executor used on its own, with a consumer that fails on a finished call.
    def failing(event: Event) -> None:
        if isinstance(event, CallFinished) and event.call_id == "a":
            raise RuntimeError("consumer bug")

    executor = ToolExecutor(ToolRegistry([fine]), emit=failing, clock=Clock())
    batch = [ToolCall(id="a", name="fine", arguments={}),
             ToolCall(id="b", name="fine", arguments={})]  # fmt: skip
    results = await asyncio.wait_for(executor.run("b1", batch, ExecutionSettings()), 5)
    assert [r.call_id for r in results] == ["a", "b"]
    assert results[1].status == "ok"


async def test_the_timeline_counts_slot_waiting_as_the_executor_does() -> None:
    """Live figures (before batch_finished) and the bars follow the same rule as the stats."""
    from workbench.core.timeline import TimelineModel

    gate = Gate()
    ex, events = make(gate)
    task = asyncio.create_task(
        ex.run(
            "b1",
            calls(*[("held", {"n": i}) for i in range(3)]),
            ExecutionSettings(max_concurrent=2),
        )
    )
    await gate.until_running(2)
    await asyncio.sleep(0)
    gate.release.set()
    await task
    model = TimelineModel()
    for event in events:
        if not isinstance(event, BatchFinished):  # the live view, before the stats arrive
            model.apply(event)
    batch = model.batch("b1")
    assert batch is not None
    assert [row.waits for row in batch.calls] == [False, False, True]
    final = next(e for e in events if isinstance(e, BatchFinished)).stats
    assert batch.live_stats().wait_s == pytest.approx(final.wait_s)
