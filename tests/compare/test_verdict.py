"""The verdict sentence says what the figures say, and no more."""

from __future__ import annotations

import pytest

from workbench.compare.figures import Figures, FiguresFold
from workbench.compare.report import verdict
from workbench.compare.runner import VariantRun
from workbench.compare.variants import Variant
from workbench.core.knobs import KnobChange


class _Fixed(FiguresFold):
    def __init__(self, figures: Figures) -> None:
        super().__init__()
        self._fixed = figures

    @property
    def figures(self) -> Figures:
        return self._fixed


def _run(index: int, name: str, wall: float, trips: int, tokens: int) -> VariantRun:
    figures = Figures(wall_s=wall, round_trips=trips, input_tokens=tokens)
    return VariantRun(index, Variant(name, KnobChange()), status="completed", fold=_Fixed(figures))


@pytest.mark.parametrize(
    ("wall", "expected"),
    [
        (1.0, "parallel: 4.0× faster than sequential"),
        (8.0, "parallel: 2.0× slower than sequential"),
        (4.1, "parallel: about as fast as sequential (2% more wall time)"),
        (3.9, "parallel: about as fast as sequential (3% less wall time)"),
    ],
)
def test_the_speed_ratio_reads_as_a_person_would_say_it(wall: float, expected: str) -> None:
    runs = [_run(0, "sequential", 4.0, 5, 1000), _run(1, "parallel", wall, 2, 400)]
    sentence = verdict(runs)
    assert sentence.startswith(expected), sentence
    assert "3 fewer round trips" in sentence
    assert "60% fewer input tokens" in sentence


def test_the_verdict_names_failures_and_waiting_where_they_differ() -> None:
    def run(index: int, name: str, failures: int, wait: float) -> VariantRun:
        figures = Figures(wall_s=1.0, round_trips=2, failures=failures, slot_wait_s=wait)
        return VariantRun(
            index, Variant(name, KnobChange()), status="completed", fold=_Fixed(figures)
        )

    faults = verdict([run(0, "no-retries", 5, 0.0), run(1, "retries", 3, 0.0)])
    assert faults.startswith("retries: about as fast as no-retries")
    assert "2 fewer failed calls (3 against 5)" in faults  # what the faults demo is about
    assert "waiting" not in faults
    capped = verdict([run(0, "all", 0, 0.010), run(1, "cap2", 0, 1.5)])
    assert "1.49 s more waiting for a slot" in capped
    assert "failed" not in capped
    same = verdict([run(0, "a", 1, 0.100), run(1, "b", 1, 0.103)])  # noise: not a difference
    assert "waiting" not in same and "failed" not in same
