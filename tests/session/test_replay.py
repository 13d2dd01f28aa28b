"""Replay pacing and controls, driven by a fake clock: no test waits in real time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest

from tests.fabricate import session_events
from workbench.core.events import BatchFinished, Event, TextDelta
from workbench.session import ReplayController, replay_events


class FakeTime:
    """A clock and a sleep that records requested delays. While ``hold`` is set, a sleep blocks
    until ``release()`` (so a test can change the controls mid-gap); otherwise it returns at once
    and advances the clock."""

    def __init__(self) -> None:
        self.now = 0.0
        self.delays: list[float] = []
        self.hold = False
        self.sleeping = asyncio.Event()
        self._release = asyncio.Event()

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.delays.append(delay)
        if self.hold:
            self.sleeping.set()
            await self._release.wait()
            self._release.clear()
        else:
            self.now += delay

    def release(self) -> None:
        self._release.set()


def deltas(*ts: float) -> list[Event]:
    return [TextDelta(t=t, turn=1, text=f"at {t}") for t in ts]


async def collect(stream: AsyncIterator[Event]) -> list[Event]:
    return [event async for event in stream]


async def settle() -> None:
    """Let every ready task run until none makes progress (no timing involved)."""
    for _ in range(20):
        await asyncio.sleep(0)


def approx(values: Sequence[float]) -> object:
    return pytest.approx(list(values), abs=1e-9)


async def test_replay_yields_the_same_objects_in_order() -> None:
    events = session_events()
    fake = FakeTime()
    out = await collect(replay_events(events, sleep=fake.sleep, clock=fake.clock))
    assert len(out) == len(events)
    assert all(a is b for a, b in zip(out, events, strict=True))


async def test_pacing_follows_recorded_gaps_divided_by_speed() -> None:
    fake = FakeTime()
    events = deltas(0.0, 0.5, 2.0, 2.25)
    await collect(
        replay_events(events, ReplayController(speed=1.0), sleep=fake.sleep, clock=fake.clock)
    )
    assert fake.delays == approx([0.5, 1.5, 0.25])

    fast = FakeTime()
    await collect(
        replay_events(events, ReplayController(speed=2.0), sleep=fast.sleep, clock=fast.clock)
    )
    assert fast.delays == approx([0.25, 0.75, 0.125])


async def test_instant_replay_never_sleeps() -> None:
    fake = FakeTime()
    out = await collect(
        replay_events(deltas(0.0, 3.0, 9.0), ReplayController(speed=None), sleep=fake.sleep)
    )
    assert len(out) == 3
    assert fake.delays == []


async def test_tiny_gaps_are_slept_together() -> None:
    fake = FakeTime()
    # A batch's calls are queued microseconds apart: one sleep covers them and the next real gap.
    events = deltas(0.0, 0.0002, 0.0004, 0.0006, 0.5)
    await collect(replay_events(events, sleep=fake.sleep, clock=fake.clock))
    assert fake.delays == approx([0.5])


async def test_long_idle_gaps_are_capped() -> None:
    fake = FakeTime()
    events = deltas(0.0, 60.0, 61.0)
    controller = ReplayController(speed=2.0, max_gap_s=5.0)
    await collect(replay_events(events, controller, sleep=fake.sleep, clock=fake.clock))
    assert fake.delays == approx([2.5, 0.5])


async def test_what_follows_the_last_turn_is_not_waited_for() -> None:
    # A setting changed (or a notice) seconds after the last turn ended: the replay showed itself
    # playing, with nothing left to show, through those idle gaps before it ended.
    events = session_events()
    assert events[-1].type == "turn_finished"
    last = events[-1].t
    trailing = [TextDelta(t=last + 4.0, turn=1, text="later"), *deltas(last + 8.0)]
    alone, with_trailing = FakeTime(), FakeTime()
    await collect(replay_events(events, sleep=alone.sleep, clock=alone.clock))
    out = await collect(
        replay_events([*events, *trailing], sleep=with_trailing.sleep, clock=with_trailing.clock)
    )
    assert len(out) == len(events) + 2  # every event still comes, in order
    assert alone.delays and with_trailing.delays == approx(alone.delays)


async def test_speed_change_between_events_applies_to_the_next_gap() -> None:
    fake = FakeTime()
    controller = ReplayController(speed=1.0)
    stream = replay_events(deltas(0.0, 1.0, 2.0), controller, sleep=fake.sleep, clock=fake.clock)
    await anext(stream)
    await anext(stream)
    controller.speed = 4.0
    await anext(stream)
    assert fake.delays == approx([1.0, 0.25])


async def test_speed_change_mid_gap_applies_to_what_is_left_of_it() -> None:
    fake = FakeTime()
    fake.hold = True
    controller = ReplayController(speed=1.0)
    stream = replay_events(deltas(0.0, 2.0), controller, sleep=fake.sleep, clock=fake.clock)
    await anext(stream)
    second = asyncio.ensure_future(anext(stream))
    await fake.sleeping.wait()

    fake.now = 1.0  # half the 2 s gap has passed
    fake.hold = False
    controller.speed = 4.0
    event = await second

    assert event.t == 2.0
    assert fake.delays == approx([2.0, 0.25])


async def test_pause_holds_events_until_resume() -> None:
    fake = FakeTime()
    controller = ReplayController(speed=None, paused=True)
    released: list[Event] = []

    async def consume() -> None:
        async for event in replay_events(deltas(0.0, 1.0, 2.0), controller, sleep=fake.sleep):
            released.append(event)

    task = asyncio.create_task(consume())
    await settle()
    assert released == []
    assert controller.paused

    controller.resume()
    await task
    assert [e.t for e in released] == [0.0, 1.0, 2.0]
    assert controller.released == 3
    assert controller.position_t == 2.0


async def test_pause_mid_gap_keeps_the_rest_of_the_gap_for_after_resume() -> None:
    fake = FakeTime()
    fake.hold = True
    controller = ReplayController(speed=1.0)
    stream = replay_events(deltas(0.0, 3.0), controller, sleep=fake.sleep, clock=fake.clock)
    await anext(stream)
    second = asyncio.ensure_future(anext(stream))
    await fake.sleeping.wait()

    fake.now = 1.0
    fake.hold = False
    controller.pause()
    await settle()
    assert not second.done()
    assert fake.delays == approx([3.0])

    controller.resume()
    await second
    assert fake.delays == approx([3.0, 2.0])


async def test_step_releases_one_batch_at_a_time() -> None:
    events = session_events()
    batch_end = next(i for i, e in enumerate(events) if isinstance(e, BatchFinished))
    fake = FakeTime()
    controller = ReplayController(speed=1.0, paused=True)
    released: list[Event] = []

    async def consume() -> None:
        async for event in replay_events(events, controller, sleep=fake.sleep, clock=fake.clock):
            released.append(event)

    task = asyncio.create_task(consume())
    await settle()
    assert released == []

    controller.step_batch()
    await settle()
    assert released == events[: batch_end + 1]
    assert not controller.stepping
    assert fake.delays == [], "a step releases without pacing"

    controller.step_batch()  # no batch left: the step runs to the end
    await task
    assert released == events


async def test_step_does_nothing_while_playing() -> None:
    controller = ReplayController(speed=1.0)
    controller.step_batch()
    assert not controller.stepping


def test_speed_must_be_positive_or_none() -> None:
    with pytest.raises(ValueError, match="replay speed must be > 0"):
        ReplayController(speed=0)
    controller = ReplayController()
    with pytest.raises(ValueError, match="replay speed must be > 0"):
        controller.speed = -2.0
    controller.speed = None
    assert controller.speed is None


async def test_leaving_the_replay_early_cancels_a_pending_sleep() -> None:
    fake = FakeTime()
    fake.hold = True
    stream = replay_events(deltas(0.0, 10.0), sleep=fake.sleep, clock=fake.clock)
    await anext(stream)
    second = asyncio.ensure_future(anext(stream))
    await fake.sleeping.wait()
    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second
    await stream.aclose()
