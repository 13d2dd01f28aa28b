"""Short human formats for times, token counts and settings, shared by every widget."""

from __future__ import annotations

import math
from typing import Any

from workbench.core.messages import Usage
from workbench.core.settings import EmissionSettings, ExecutionSettings
from workbench.render.format import format_args


def seconds(value: float | None) -> str:
    """``12ms``, ``0.41s``, ``12.3s``, ``2m05s``; ``–`` for unknown."""
    if value is None or math.isnan(value):
        return "–"
    if value < 0.0995:
        return f"{value * 1000:.0f}ms"
    if value < 10:
        return f"{value:.2f}s"
    if value < 60:
        return f"{value:.1f}s"
    minutes, rest = divmod(round(value), 60)
    return f"{minutes}m{rest:02d}s"


def args(arguments: dict[str, Any] | None) -> str:
    """``city=Tokyo units="deg C"``, as the terminal printer writes arguments."""
    return format_args(arguments)


def tokens(usage: Usage) -> str:
    """``816→93 tok``, ``10.9k→220 tok``: thousands shortened from 10,000."""
    return f"{count(usage.input_tokens)}→{count(usage.output_tokens)} tok"


def count(n: int) -> str:
    if n < 10_000:
        return f"{n:,}"
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.1f}M"


def execution(settings: ExecutionSettings) -> str:
    """What a batch ran under, in one line: ``concurrent ≤4 · timeout 30s · faults: search slow``."""
    parts = [f"concurrent ≤{settings.max_concurrent}" if settings.concurrent else "sequential"]
    parts.append("no timeout" if settings.timeout_s is None else f"timeout {settings.timeout_s:g}s")
    if settings.retries:
        parts.append(f"retries {settings.retries}")
    active = [name for name, fault in settings.faults.items() if fault.active]
    if active:
        parts.append("faults: " + ", ".join(active))
    return " · ".join(parts)


def emission(settings: EmissionSettings | None) -> str:
    if settings is None:
        return ""
    text = "parallel on" if settings.parallel else "parallel off"
    if settings.function_calling_mode != "AUTO":
        text += f" · mode {settings.function_calling_mode}"
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
