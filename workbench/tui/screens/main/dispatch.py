"""What each slash command does on the main screen, typed in the prompt or picked in the palette.

Parsing lives in :mod:`workbench.tui.commands`; this only maps a parsed command to the screen's
operations, exhaustively, so a new command cannot be parsed and then silently ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, assert_never

from workbench.tui.commands import (
    ConcurrencyCommand,
    FaultCommand,
    HelpCommand,
    MaxCommand,
    ModeCommand,
    ParallelCommand,
    ProfileCommand,
    ReplayCommand,
    SlashCommand,
    TimeoutCommand,
)
from workbench.tui.ports import SettingsUpdate

if TYPE_CHECKING:
    from workbench.tui.screens.main.screen import MainScreen


def settings_update(command: SlashCommand) -> SettingsUpdate | None:
    """The settings a knob command changes, or None for a command that is not a knob."""
    match command:
        case ParallelCommand(on=on):
            return {"parallel": on}
        case ModeCommand(mode=mode):
            return {"function_calling_mode": mode}
        case ConcurrencyCommand(on=on):
            return {"concurrent": on}
        case MaxCommand(n=n):
            return {"max_concurrent": n}
        case TimeoutCommand(seconds=seconds):
            return {"timeout_s": seconds}
        case FaultCommand(tool=tool, preset=preset):
            return {"fault": (tool, preset)}
        case HelpCommand() | ReplayCommand() | ProfileCommand():
            return None
        case _:
            assert_never(command)


async def run_command(screen: MainScreen, command: SlashCommand) -> None:
    """Do what the command asks; in a replay, the live-only ones say why they cannot."""
    update = settings_update(command)
    match command:
        case HelpCommand():
            screen.action_help()
        case ReplayCommand(path=path):
            await screen.open_replay(path)
        case ProfileCommand(name=name) if screen.live is not None:
            screen.live.switch_profile(name)
        case ProfileCommand():
            screen.notify("A replay cannot switch profile.", severity="warning")
        case _ if update is not None and screen.live is not None:
            await screen.live.apply_update(update)
        case _:
            screen.notify("Settings cannot change in a replay.", severity="warning")
