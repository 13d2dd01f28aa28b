"""Plain-text rendering of the timeline, for terminals and files (no Textual, no Rich).

``workbench run`` and ``workbench replay --headless`` print through
:class:`~workbench.render.printer.TerminalPrinter`; the pure functions
(:func:`~workbench.render.batch.render_batch`, :mod:`workbench.render.format`) are reusable for
exports, tests and the app. Nothing is imported here, so that the app can use the formatting
helpers without loading the printer.
"""
