"""Short human formats for the app's widgets: token counts, emission settings, axis ticks.

Durations and a batch's settings are written as the terminal printer writes them, by the same
functions (:func:`workbench.core.durations.duration`, :func:`workbench.render.format.format_settings`),
so the app and ``workbench run`` show a call with the same figures.
"""

from __future__ import annotations

import math
from typing import Any

from workbench.core.durations import duration
from workbench.core.messages import Usage
from workbench.core.settings import EmissionSettings, ExecutionSettings
from workbench.render.format import format_args, format_settings, strict_label

__all__ = [
    "args",
    "count",
    "duration",
    "emission",
    "execution",
    "nice_step",
    "tick_label",
    "tokens",
]


def args(arguments: dict[str, Any] | None) -> str:
    """``city=Tokyo units="deg C"``, as the terminal printer writes arguments."""
    return format_args(arguments)


def tokens(usage: Usage) -> str:
    """``816→93 tok``, ``10.9k→220 tok``: thousands shortened from 10,000; ``tokens n/a`` when the
    provider reported no usage (never a made-up 0)."""
    if not usage.reported:
        return "tokens n/a"
    return f"{count(usage.input_tokens)}→{count(usage.output_tokens)} tok"


def count(n: int) -> str:
    if n < 10_000:
        return f"{n:,}"
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.1f}M"


def execution(settings: ExecutionSettings) -> str:
    """What a batch ran under, in one line: ``concurrent ≤4 · timeout 30 s · faults on search``."""
    return format_settings(settings, sep=" · ")


def emission(settings: EmissionSettings | None) -> str:
    if settings is None:
        return ""
    text = "parallel on" if settings.parallel else "parallel off"
    if settings.function_calling_mode != "AUTO":
        text += f" · mode {settings.function_calling_mode}"
    strict = strict_label(settings)
    if strict:
        text += f" · {strict}"
    return text


def nice_step(span: float, cells: int, every: int = 12) -> float:
    """A 1/2/5×10ⁿ tick step that puts a tick about every ``every`` cells across ``span`` seconds."""
    if span <= 0 or cells <= 0:
        return 1.0
    raw = span * every / cells
    power: float = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power  # pragma: no cover - the loop always returns


def tick_label(value: float, step: float) -> str:
    if value == 0:
        return "0"
    if step < 0.1:
        return f"{value * 1000:.0f}ms"
    if step < 1:
        return f"{value:.1f}s"
    return f"{value:.0f}s"
