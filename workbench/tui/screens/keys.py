"""The keys of the session screens, in footer order, without the screens: the first frame's screen
(:mod:`workbench.tui.screens.start`) shows the live screen's footer before that screen is imported."""

from __future__ import annotations

from textual.binding import Binding, BindingType

COMMON_BINDINGS: list[BindingType] = [
    Binding("f1", "help", "Help"),
    Binding("question_mark", "help", "Help", show=False),
    Binding("f2", "focus('#prompt')", "Prompt", show=False),
    Binding("f3", "focus('#timeline')", "Timeline", show=False),
    Binding("w", "whatif", "What if", show=False),
    # Whatever has focus (the prompt has it at start): priority, but a prompt with text keeps
    # ctrl+w as delete-a-word (see check_action).
    Binding("ctrl+w", "whatif", "What if", priority=True),
    Binding("ctrl+t", "turn_axis", "Turn axis"),
]
"""The keys of every session screen."""

LIVE_BINDINGS: list[BindingType] = [
    Binding("escape", "cancel_turn", "Cancel turn"),
    Binding("slash", "slash", "Command", show=False),
    *COMMON_BINDINGS,
]
"""The live screen's keys."""
