"""Figures for people: one duration format for the printer, the app and the model's texts."""

from __future__ import annotations

import pytest

from workbench.core.durations import duration, setting_seconds


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.0, "0 ms"),
        (0.0002, "<1 ms"),
        (0.251, "251 ms"),
        (0.9996, "1 s"),
        (1.4, "1.4 s"),
        (2.345, "2.35 s"),
        (12.54, "12.5 s"),
        (125, "2m 05s"),
        (7300, "2h 01m"),
        (-1, "0 ms"),
        (None, "–"),
        (float("nan"), "–"),
    ],
)
def test_duration(seconds: float | None, text: str) -> None:
    assert duration(seconds) == text


def test_a_setting_is_written_exactly() -> None:
    assert [setting_seconds(v) for v in (30, 0.05, 1.25)] == ["30 s", "0.05 s", "1.25 s"]
