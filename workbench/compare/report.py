"""What a comparison says: the summary table, the verdict sentence and the JSON object.

Pure functions of the variants' runs (their own figures); the CLI prints them, the app shows them, and
a manifest stores the JSON so a replay says the same. docs/compare.md documents the JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workbench.compare.figures import Figures
from workbench.compare.runner import VariantRun
from workbench.core.durations import duration
from workbench.render.format import Style, paint

JSON_KEYS = (
    "name",
    "settings",
    "status",
    "error",
    "wall_s",
    "round_trips",
    "model_time_s",
    "tool_time_s",
    "input_tokens",
    "output_tokens",
    "calls",
    "batches",
    "peak_concurrency",
    "slot_wait_s",
    "failures",
    "session",
)


def variant_dict(run: VariantRun) -> dict[str, Any]:
    figures = run.fold.figures.as_dict()
    out: dict[str, Any] = {
        "name": run.name,
        "settings": run.settings_dict(),
        "status": run.status if run.done else "cancelled",
        "error": run.error,
        **figures,
        "session": str(run.session) if run.session is not None else None,
    }
    return {key: out[key] for key in JSON_KEYS}


def comparison_dict(
    prompt: str, profile: str, runs: Sequence[VariantRun], **extra: Any
) -> dict[str, Any]:
    """The ``--json`` object: prompt, profile, baseline, variants (and the demo's extra keys)."""
    return {
        "prompt": prompt,
        "profile": profile,
        "baseline": runs[0].name,
        "variants": [variant_dict(run) for run in runs],
        **extra,
    }


def speedup(baseline: Figures, other: Figures) -> float | None:
    if other.wall_s <= 0 or baseline.wall_s <= 0:
        return None
    return baseline.wall_s / other.wall_s


def verdict(runs: Sequence[VariantRun]) -> str:
    """One sentence a person can quote, from the runs' own figures only."""
    base = runs[0]
    if base.status != "completed":
        return f"No verdict: the baseline '{base.name}' {_ended(base)}."
    others = [r for r in runs[1:] if r.status == "completed"]
    if not others:
        return f"No verdict: no variant other than the baseline '{base.name}' completed."
    b = base.fold.figures
    best = min(others, key=lambda r: r.fold.figures.wall_s)
    f = best.fold.figures
    ratio = speedup(b, f)
    parts: list[str] = []
    if ratio is None:
        parts.append(f"no wall time to compare with {base.name}")
    elif 1 / 1.05 < ratio < 1.05:  # within 5%: a ratio printed as "1.0×" says nothing
        saved_pct = (1 - 1 / ratio) * 100
        more_less = "less" if saved_pct >= 0 else "more"
        parts.append(f"about as fast as {base.name} ({abs(saved_pct):.0f}% {more_less} wall time)")
    elif ratio >= 1:
        parts.append(f"{ratio:.1f}× faster than {base.name}")
    else:
        parts.append(f"{1 / ratio:.1f}× slower than {base.name}")
    saved = b.round_trips - f.round_trips
    if saved > 0:
        parts.append(f"{saved} fewer round trip{'s' if saved != 1 else ''}")
    elif saved < 0:
        parts.append(f"{-saved} more round trip{'s' if saved != -1 else ''}")
    else:
        parts.append("the same round trips")
    if f.failures != b.failures:  # the faults demo is about these: never left unsaid
        fewer = b.failures - f.failures
        word = "fewer" if fewer > 0 else "more"
        parts.append(
            f"{abs(fewer)} {word} failed call{'s' if abs(fewer) != 1 else ''}"
            f" ({f.failures} against {b.failures})"
        )
    if _differs(b.slot_wait_s, f.slot_wait_s):
        less = b.slot_wait_s - f.slot_wait_s
        word = "less" if less > 0 else "more"
        parts.append(f"{duration(abs(less))} {word} waiting for a slot")
    both_reported = b.tokens_reported and f.tokens_reported
    if both_reported and b.input_tokens > 0 and f.input_tokens != b.input_tokens:
        change = (b.input_tokens - f.input_tokens) / b.input_tokens * 100
        word = "fewer" if change > 0 else "more"
        parts.append(f"{abs(change):.0f}% {word} input tokens")
    sentence = f"{best.name}: " + ", ".join(parts)
    failed = [r.name for r in runs if r.status != "completed"]
    if failed:
        sentence += f" ({', '.join(failed)} did not complete)"
    return sentence + "."


WAIT_FLOOR_S = 0.005
"""A difference in waiting below this is noise (the executor's own scheduling)."""


def _differs(a: float, b: float) -> bool:
    """Materially: by 5 ms and by a tenth of the larger."""
    return abs(a - b) >= max(WAIT_FLOOR_S, 0.1 * max(a, b))


def _ended(run: VariantRun) -> str:
    if run.status == "failed":
        return f"failed ({run.error})" if run.error else "failed"
    return "was cancelled" if run.status == "cancelled" else f"is {run.status}"


HEAD = (
    "variant",
    "wall",
    "trips",
    "model",
    "tools",
    "tok in",
    "tok out",
    "calls",
    "batches",
    "peak",
    "waited",
    "fail",
    "speedup",
    "saved",
)
"""The table's columns, a row per variant (the app's compare screen adds a status column)."""


def table_rows(runs: Sequence[VariantRun]) -> list[list[str]]:
    """The table's cells, a row per variant (``saved``: round trips saved against the baseline)."""
    base = runs[0].fold.figures
    rows: list[list[str]] = []
    for index, run in enumerate(runs):
        f = run.fold.figures
        ratio = speedup(base, f) if runs[0].status == "completed" else None
        if index == 0:
            ratio_text, saved_text = "baseline", ""
        else:
            ratio_text = f"{ratio:.2f}×" if ratio is not None and run.status == "completed" else "–"
            saved_text = (
                str(base.round_trips - f.round_trips)
                if run.status == "completed" and runs[0].status == "completed"
                else "–"
            )
        rows.append(
            [
                run.name,
                duration(f.wall_s),
                str(f.round_trips),
                duration(f.model_time_s),
                duration(f.tool_time_s),
                f"{f.input_tokens:,}" if f.tokens_reported else "n/a",
                f"{f.output_tokens:,}" if f.tokens_reported else "n/a",
                str(f.calls),
                str(f.batches),
                str(f.peak_concurrency),
                duration(f.slot_wait_s),
                str(f.failures),
                ratio_text,
                saved_text,
            ]
        )
    return rows


def aligned(
    head: Sequence[str], rows: Sequence[Sequence[str]], *, left: int = 1
) -> list[list[str]]:
    """The header and the rows, each cell padded to its column's width: the first ``left`` columns
    (names) to the left, the figures to the right. The terminal's table and the app's strip."""
    widths = [max(len(title), *(len(row[i]) for row in rows)) for i, title in enumerate(head)]
    return [
        [
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        for cells in (head, *rows)
    ]


def render_table(runs: Sequence[VariantRun], color: bool = False) -> list[str]:
    header, *lines = ["  ".join(cells).rstrip() for cells in aligned(HEAD, table_rows(runs))]
    out = [paint(header, "bold", color)]
    for run, text in zip(runs, lines, strict=True):
        style: Style | None = None
        if run.status == "failed":
            style = "red"
        elif run.status == "cancelled":
            style = "yellow"
        out.append(paint(text, style, color) if style else text)
    for run in runs:
        if run.status == "failed":
            out.append(
                paint(f"  {run.name} failed: {run.error or 'no reason given'}", "red", color)
            )
        elif run.status == "cancelled":
            out.append(paint(f"  {run.name} was cancelled", "yellow", color))
        for note in run.notes:
            out.append(paint(f"  {run.name}: {note}", "dim", color))
    return out


def describe_variant(run: VariantRun) -> str:
    """``sequential · parallel=off,concurrency=off`` (with the cap it ran under when concurrent)."""
    knobs = run.variant.knobs or "the profile's settings"
    return f"{run.name} · {knobs}"


__all__ = [
    "JSON_KEYS",
    "comparison_dict",
    "describe_variant",
    "render_table",
    "speedup",
    "table_rows",
    "variant_dict",
    "verdict",
]
