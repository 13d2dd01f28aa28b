"""Adding a slash command: one class and one ``@handles`` method; parser, help and dispatch follow."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar, Self

import pytest

from tests.tui.conftest import SIZE, ready, region_text, submit
from tests.tui.fakes import FakeFactory, fake_profiles
from workbench.tui.app import create_app
from workbench.tui.commands import COMMANDS, ParseContext, SlashCommand, command
from workbench.tui.ports import Signals
from workbench.tui.screens.base import handles
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.live import LiveScreen


@dataclass(frozen=True, slots=True)
class EchoCommand(SlashCommand):
    name: ClassVar[str] = "echo"
    usage: ClassVar[str] = "/echo WORD"
    help: ClassVar[str] = "Say a word back"
    word: str

    @classmethod
    def parse(cls, args: Sequence[str], context: ParseContext) -> Self:
        return cls(args[0])


@pytest.fixture
def echo() -> Iterator[type[EchoCommand]]:
    yield command(EchoCommand)  # what the decorator does when the class is written
    del COMMANDS["echo"]


async def test_a_new_command_is_parsed_listed_and_run(
    echo: type[EchoCommand], factory: FakeFactory
) -> None:
    heard: list[str] = []

    class EchoScreen(LiveScreen):
        @handles(echo)
        async def _echo(self, command: EchoCommand) -> None:
            heard.append(command.word)

    app = create_app(runtime_factory=factory, profile_lister=fake_profiles)
    # Tall enough that the help's whole command list is on screen, however many commands there are.
    async with app.run_test(size=(SIZE[0], 120)) as pilot:
        await ready(pilot)
        app.runtime_ready.clear()
        screen = EchoScreen(
            profile=None, runtime_factory=factory, profile_lister=fake_profiles, signals=app.signals
        )
        await app.push_screen(screen)
        await ready(pilot)
        await submit(pilot, "/echo hello")
        assert heard == ["hello"]
        await submit(pilot, "/help")
        assert isinstance(app.screen, HelpScreen)
        help_box = app.screen.query_one("VerticalScroll")
        help_box.scroll_end(animate=False)  # the newest command is listed last
        await pilot.pause()
        assert "/echo WORD" in region_text(app, help_box)
    assert "/echo" not in str(LiveScreen.known_commands())  # only the screen that handles it
    assert isinstance(app.signals, Signals)
