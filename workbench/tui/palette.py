"""The command palette's workbench commands: the same knobs and slash commands, found by typing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from workbench.tui.commands import (
    ConcurrencyCommand,
    FaultCommand,
    HelpCommand,
    MaxCommand,
    ModeCommand,
    ParallelCommand,
    SlashCommand,
    TimeoutCommand,
)

if TYPE_CHECKING:
    from workbench.tui.screens.main import MainScreen

MAX_CHOICES = (1, 2, 4, 8, 16, 64)
TIMEOUT_CHOICES: tuple[float | None, ...] = (None, 0.5, 1.0, 5.0, 30.0)


def palette_entries(screen: MainScreen) -> Iterator[tuple[str, str, SlashCommand | str]]:
    """(title, help, what to run): a slash command, or the name of a screen action."""
    yield "Help: keys and commands", "Every binding and slash command", HelpCommand()
    if screen.mode == "replay":
        yield "Replay: pause or play", "Space", "replay_toggle"
        for label, speed in (("1×", 1.0), ("2×", 2.0), ("10×", 10.0), ("instant", 0.0)):
            yield (
                f"Replay speed: {label}",
                "Change the pace of the replay",
                f"replay_speed({speed})",
            )
        yield "Replay: step one batch", "Release events through the next batch", "replay_step"
        return
    runtime = screen.runtime
    yield "Switch profile…", "Pick another profile (starts a new session)", "pick_profile"
    yield "Cancel the running turn", "Esc", "cancel_turn"
    if runtime is None:
        return
    knob = runtime.capabilities.parallel_knob or "not available"
    for on in (True, False):
        yield (
            f"Parallel emission: {'on' if on else 'off'}",
            f"Provider knob: {knob}",
            ParallelCommand(on),
        )
    if runtime.capabilities.supports_function_calling_mode:
        for mode in ("AUTO", "ANY", "NONE"):
            yield f"Function-calling mode: {mode}", "From the next model request", ModeCommand(mode)
    for on in (True, False):
        yield (
            f"Concurrency: {'on' if on else 'off'}",
            "Run a batch's calls concurrently",
            ConcurrencyCommand(on),
        )
    for n in MAX_CHOICES:
        yield f"Max concurrent tools: {n}", "Cap on calls running at once", MaxCommand(n)
    for seconds in TIMEOUT_CHOICES:
        label = "off" if seconds is None else f"{seconds:g}s"
        yield (
            f"Tool timeout: {label}",
            "Per-call timeout, from the next batch",
            TimeoutCommand(seconds),
        )
    for tool in runtime.tool_names:
        for preset in ("slow", "flaky", "hang", "off"):
            yield (
                f"Fault {tool}: {preset}",
                "Inject a fault into this tool",
                FaultCommand(tool, preset),
            )


class WorkbenchCommands(Provider):
    """Offers :func:`palette_entries` of the main screen beneath the palette."""

    def _entries(self) -> list[tuple[str, str, SlashCommand | str]]:
        from workbench.tui.screens.main import MainScreen

        screen = self.screen
        if not isinstance(screen, MainScreen):
            return []
        return list(palette_entries(screen))

    def _runner(self, what: SlashCommand | str) -> Callable[[], Awaitable[None]]:
        from workbench.tui.screens.main import MainScreen

        screen = self.screen
        assert isinstance(screen, MainScreen)
        if isinstance(what, str):
            return partial(screen.run_action, what)
        return partial(screen.run_command, what)

    async def discover(self) -> Hits:
        for title, help_text, what in self._entries():
            yield DiscoveryHit(title, self._runner(what), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, what in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(title), self._runner(what), text=title, help=help_text
                )
