"""The capability matrix as text: provider × knob, honoured / emulated / ignored / rejected, and why.

One rendering of :data:`workbench.core.capabilities.ROWS` for ``workbench providers``, the README
(``--markdown``) and the app's help, so the three never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.core.capabilities import KNOB_TITLES, ROWS, Knob, ProviderRow

_KNOBS: tuple[Knob, ...] = tuple(KNOB_TITLES)


def matrix_lines(rows: Sequence[ProviderRow] = ROWS, *, reasons: bool = True) -> list[str]:
    """A grid of support words, then (with ``reasons``) each provider's reasons, one per line."""
    names = [row.title for row in rows]
    first = max(len("provider"), *(len(n) for n in names))
    widths = [max(len(k), len("honoured")) for k in _KNOBS]
    header = "  ".join(
        ["provider".ljust(first), *(k.ljust(w) for k, w in zip(_KNOBS, widths, strict=True))]
    )
    lines = [header.rstrip(), "-" * len(header.rstrip())]
    for name, row in zip(names, rows, strict=True):
        cells = [row.rule(k).support.ljust(w) for k, w in zip(_KNOBS, widths, strict=True)]
        lines.append("  ".join([name.ljust(first), *cells]).rstrip())
    if reasons:
        for name, row in zip(names, rows, strict=True):
            lines.append("")
            lines.append(f"{name} (type: {row.type}, endpoint: {row.endpoint})")
            for knob in _KNOBS:
                rule = row.rule(knob)
                lines.append(f"  {knob:<9} {rule.support:<9} {rule.reason}")
            if row.type != "scripted":
                lines.append(f"  {'tokens':<9} {'sent as':<9} {row.token_limit}")
    return lines


def matrix_markdown(rows: Sequence[ProviderRow] = ROWS) -> str:
    """The matrix as a Markdown table (for the README): each cell the support word and its reason."""
    head = ["provider", "profile", *(KNOB_TITLES[k] for k in _KNOBS)]
    out = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for row in rows:
        profile = f"`type: {row.type}`" + (
            f", `endpoint: {row.endpoint}`" if row.endpoint != row.type else ""
        )
        cells = [
            f"**{row.rule(k).support}**: {row.rule(k).reason.rstrip('.').replace('|', '/')}"
            for k in _KNOBS
        ]
        out.append("| " + " | ".join([row.title, profile, *cells]) + " |")
    return "\n".join(out)
