"""The what-if scheduler on hand-made workloads: queue order, the cap, arrivals, lower bounds."""

from __future__ import annotations

import pytest

from workbench.analysis import Workload, simulate


def work(
    durations: list[float],
    available: list[float] | None = None,
    bound: frozenset[int] = frozenset(),
) -> Workload:
    return Workload(
        tuple(available or [0.0] * len(durations)),
        tuple(durations),
        tuple(i in bound for i in range(len(durations))),
    )


def test_sequential_adds_the_durations_and_unbounded_takes_the_longest() -> None:
    w = work([0.3, 0.1, 0.2])
    assert simulate(w, 1).wall_s == pytest.approx(0.6)
    assert simulate(w, None).wall_s == pytest.approx(0.3)
    assert simulate(w, 50).wall_s == pytest.approx(0.3)
    assert simulate(w, 50).cap == 3


def test_calls_take_the_first_free_slot_in_queue_order() -> None:
    # cap 2: a and b start; c takes b's slot at 0.1, d takes c's at 0.2, a ends at 0.4
    s = simulate(work([0.4, 0.1, 0.1, 0.3]), 2)
    assert s.start == pytest.approx((0.0, 0.0, 0.1, 0.2))
    assert s.wall_s == pytest.approx(0.5)


def test_a_call_waits_for_its_arrival_even_with_a_slot_free() -> None:
    s = simulate(work([0.1, 0.1, 0.1], available=[0.0, 0.05, 0.5]), 2)
    assert s.start == pytest.approx((0.0, 0.05, 0.5))
    assert s.wall_s == pytest.approx(0.6)
    assert simulate(work([0.1, 0.1, 0.1], available=[0.0, 0.05, 0.5]), 1).start == pytest.approx(
        (0.0, 0.1, 0.5)
    )


def test_a_wall_is_a_lower_bound_only_when_its_critical_chain_has_a_timed_out_call() -> None:
    # call 0 timed out at 0.3 s; sequentially everything after it waits for it
    w = work([0.3, 0.1, 0.1], bound=frozenset({0}))
    assert simulate(w, 1).lower_bound
    # unbounded, the longest call is the timed-out one
    assert simulate(w, None).lower_bound
    # a short cancelled call that nothing waits for does not make the wall uncertain
    w = work([0.05, 0.4, 0.1], bound=frozenset({0}))
    assert not simulate(w, None).lower_bound
    assert not simulate(w, 2).lower_bound
    # ...unless, with one slot fewer, the last call has to wait for it
    w = work([0.05, 0.4, 0.1], bound=frozenset({0}))
    assert simulate(w, 1).lower_bound


def test_lower_bounds_through_the_slot_chain_at_a_cap() -> None:
    # cap 2: 0 (bound, 0.2) and 1 (0.5) start; 2 takes 0's slot at 0.2 and ends at 0.6: the last
    w = work([0.2, 0.5, 0.4], bound=frozenset({0}))
    s = simulate(w, 2)
    assert s.wall_s == pytest.approx(0.6)
    assert s.lower_bound
    w = work([0.2, 0.5, 0.4], bound=frozenset({1}))
    assert not simulate(w, 2).lower_bound


def test_an_empty_batch_and_a_bad_cap() -> None:
    assert simulate(work([]), 4).wall_s == 0.0
    with pytest.raises(ValueError, match="at least 1"):
        simulate(work([0.1]), 0)


def test_the_bare_and_the_tracking_paths_agree() -> None:
    durations = [0.01 * ((i * 7) % 13 + 1) for i in range(200)]
    arrivals = [0.001 * i for i in range(200)]
    for cap in (1, 2, 3, 7, 50, None):
        bare = simulate(work(durations, arrivals), cap)
        tracked = simulate(work(durations, arrivals, bound=frozenset({199})), cap)
        assert bare.start == tracked.start
        assert bare.wall_s == tracked.wall_s
