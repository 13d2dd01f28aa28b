"""The executor's fast and slow paths emit the same events.

An async tool without injected faults runs inline in its worker (the fast path); a sync tool, or any
tool with a fault entry, goes through the general attempt loop (the slow path). A consumer (the
timeline, the recorder, the exporters) must not be able to tell which ran: for every behaviour of a
tool, each call gets the same events in the same order, with the same statuses, attempts and texts.
(How the calls of a batch interleave depends on how long each takes, so it is compared per call.)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from workbench.core.events import (
    BatchFinished,
    BatchStarted,
    CallFinished,
    CallQueued,
    CallRetrying,
    CallStarted,
    Event,
)
from workbench.core.executor import ToolExecutor
from workbench.core.messages import ToolCall, ToolResult
from workbench.core.settings import ExecutionSettings, Fault
from workbench.tools.base import ToolRegistry, tool

Shape = tuple[Any, ...]


def shape(event: Event) -> Shape:
    """An event without its times: what a consumer sees besides the clock."""
    match event:
        case CallQueued():
            return ("queued", event.call_id, event.tool, event.args, event.index)
        case CallStarted():
            return ("started", event.call_id, event.attempt)
        case CallRetrying():
            return ("retrying", event.call_id, event.attempt, event.error, event.delay_s)
        case CallFinished():
            started = event.started_t is not None
            return (
                "finished",
                event.call_id,
                event.status,
                event.result,
                event.error,
                event.attempts,
                started,
            )
        case BatchFinished():
            s = event.stats
            return ("batch_finished", s.calls, s.ok, s.errors, s.timeouts, s.cancelled)
    return (event.type,)


class Behaviour:
    """One way a tool can behave, as an async tool and as its sync twin."""

    def __init__(self, never: threading.Event) -> None:
        self.never = never
        self.tries = 0

    def act(self, kind: str) -> Any:
        match kind:
            case "returns":
                return {"answer": 42}
            case "returns_none":
                return None
            case "returns_text":
                return "plain text"
            case "raises":
                raise RuntimeError("disk full")
            case "junk":
                return object()
            case "flaky":
                self.tries += 1
                if self.tries < 3:
                    raise ConnectionError("try again")
                return "finally"
        raise AssertionError(kind)


KINDS = ["returns", "returns_none", "returns_text", "raises", "junk", "flaky", "hangs", "cancelled"]
HANGS = ("hangs", "cancelled")


@pytest.fixture
def never() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def registry(
    kind: str, never: threading.Event, entered: asyncio.Event, *, sync: bool
) -> ToolRegistry:
    behaviour = Behaviour(never)
    loop = asyncio.get_running_loop()
    if sync:

        @tool
        def probe(x: int) -> Any:
            """The behaviour under test, sync."""
            if kind in HANGS:
                loop.call_soon_threadsafe(entered.set)
                never.wait()
            return behaviour.act(kind)

        return ToolRegistry([probe])

    @tool  # type: ignore[no-redef]
    async def probe(x: int) -> Any:
        """The behaviour under test, async."""
        if kind in HANGS:
            entered.set()
            await asyncio.Event().wait()
        return behaviour.act(kind)

    return ToolRegistry([probe])


Seen = tuple[dict[str, list[Shape]], list[ToolResult]]


def per_call(events: list[Event]) -> dict[str, list[Shape]]:
    """Each call's events in order; the batch's own under "batch"."""
    out: dict[str, list[Shape]] = {}
    for event in events:
        out.setdefault(getattr(event, "call_id", "batch"), []).append(shape(event))
    return out


async def run(
    reg: ToolRegistry, settings: ExecutionSettings, entered: asyncio.Event, *, cancel: bool
) -> Seen:
    events: list[Event] = []
    ex = ToolExecutor(reg, emit=events.append)
    calls = [
        ToolCall(id="c0", name="probe", arguments={"x": 1}),
        ToolCall(id="c1", name="probe", arguments={"x": "not a number"}),  # refused: bad args
        ToolCall(id="c2", name="missing", arguments={}),  # refused: unknown tool
    ]
    async with asyncio.timeout(30):
        if cancel:
            batch = ex.batch("b1", settings)
            for call in calls:
                batch.submit(call)
            await entered.wait()  # c0 is inside its tool
            results = await batch.cancel()
        else:
            results = await ex.run("b1", calls, settings)
    ex.close()
    assert isinstance(events[0], BatchStarted) and isinstance(events[-1], BatchFinished)
    return per_call(events), results


PATHS: dict[str, tuple[bool, dict[str, Fault]]] = {
    "fast: async, no fault": (False, {}),
    "slow: async with a fault entry": (False, {"probe": Fault()}),
    "slow: sync": (True, {}),
}
"""Per path: whether the tool is sync, and the faults."""


@pytest.mark.parametrize("kind", KINDS)
async def test_every_path_emits_the_same_events(kind: str, never: threading.Event) -> None:
    seen: dict[str, Seen] = {}
    for name, (sync, faults) in PATHS.items():
        entered = asyncio.Event()
        reg = registry(kind, never, entered, sync=sync)
        settings = ExecutionSettings(
            timeout_s={"hangs": 0.1, "cancelled": None}.get(kind, 30.0),
            retries=2 if kind == "flaky" else 0,
            retry_backoff_s=0,
            faults=faults,
        )
        seen[name] = await run(reg, settings, entered, cancel=kind == "cancelled")
    fast, *slow = seen.values()
    for name, other in zip(list(seen)[1:], slow, strict=True):
        assert other[0] == fast[0], f"{name} emitted other events than the fast path"
        assert other[1] == fast[1], f"{name} returned other results than the fast path"
    assert list(fast[0]) == ["batch", "c0", "c1", "c2"]
    for call_id in ("c0", "c1", "c2"):  # every call its one result, whichever path ran it
        assert [e for e in fast[0][call_id] if e[0] == "finished"] != []
    assert [r.status for r in fast[1]][1:] == ["error", "error"]
