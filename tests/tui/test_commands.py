"""Slash commands: what the user types in the prompt becomes a typed command or a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.tui.commands import (
    COMMANDS,
    CommandError,
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
    is_command,
    parse_command,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/help", HelpCommand()),
        ("  /HELP  ", HelpCommand()),
        ("/profile openai-chat", ProfileCommand("openai-chat")),
        ("/parallel on", ParallelCommand(on=True)),
        ("/parallel OFF", ParallelCommand(on=False)),
        ("/concurrency off", ConcurrencyCommand(on=False)),
        ("/concurrency yes", ConcurrencyCommand(on=True)),
        ("/mode any", ModeCommand("ANY")),
        ("/max 4", MaxCommand(4)),
        ("/timeout 2.5", TimeoutCommand(2.5)),
        ("/timeout 3s", TimeoutCommand(3.0)),
        ("/timeout off", TimeoutCommand(None)),
        ("/fault search slow", FaultCommand("search", "slow")),
        ("/fault search OFF", FaultCommand("search", "off")),
        ("/replay 'my session.jsonl'", ReplayCommand(Path("my session.jsonl"))),
    ],
)
def test_valid_commands_parse(text: str, expected: SlashCommand) -> None:
    assert parse_command(text, tools=["search", "fetch"]) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/maxx 3", "Did you mean /max?"),
        ("/frobnicate", "Unknown command /frobnicate."),
        ("/max", "Usage: /max N"),
        ("/max four", "whole number"),
        ("/max 0", "between 1 and 10,000"),
        ("/max 100000", "between 1 and 10,000"),
        ("/timeout -1", "positive number"),
        ("/timeout soon", "seconds"),
        ("/timeout nan", "positive number"),
        ("/parallel maybe", "Expected on or off"),
        ("/fault serch slow", "Did you mean 'search'?"),
        ("/fault search explode", "slow, flaky, hang, off"),
        ("/mode sometimes", "auto, any or none"),
        ("/help me", "Usage: /help"),
        ("/replay 'unclosed", "Cannot read"),
        ("/", "Commands start with '/'"),
    ],
)
def test_bad_commands_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(CommandError, match=message.replace("?", r"\?").replace("/", "/")):
        parse_command(text, tools=["search", "fetch"])


def test_fault_accepts_any_tool_when_tools_are_unknown() -> None:
    assert parse_command("/fault anything hang") == FaultCommand("anything", "hang")


def test_is_command() -> None:
    assert is_command("  /max 3")
    assert not is_command("what is 2/3?")


def test_every_command_has_help() -> None:
    for name, kind in COMMANDS.items():
        assert kind.usage.startswith(f"/{name}")
        assert kind.help
