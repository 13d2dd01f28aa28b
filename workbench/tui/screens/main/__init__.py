"""The main screen and its parts: view (drawing events), live (runtime and prompt), turns, replay,
dispatch (slash commands)."""

from workbench.tui.screens.main.screen import MainScreen

__all__ = ["MainScreen"]
