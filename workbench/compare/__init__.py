"""Comparing settings: the same prompt under N variants, each its own runtime, provider and session.

Headless (no Textual): the CLI prints a comparison and the app's compare screen shows one live; both
drive :class:`~workbench.compare.runner.CompareRunner`. Every figure comes from the variant's own events.
"""
