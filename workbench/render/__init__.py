"""Plain-text rendering of the timeline, for terminals and files (no Textual, no Rich).

``workbench run`` and ``workbench replay --headless`` print through :class:`TerminalPrinter`; the pure
functions (:func:`render_batch`, :func:`format_duration`) are reusable for exports and tests.
"""

from __future__ import annotations

from workbench.render.batch import LEGEND, render_batch, render_legend
from workbench.render.format import format_args, format_duration, format_settings
from workbench.render.printer import TerminalPrinter

__all__ = [
    "LEGEND",
    "TerminalPrinter",
    "format_args",
    "format_duration",
    "format_settings",
    "render_batch",
    "render_legend",
]
