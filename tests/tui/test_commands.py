"""Slash commands: what the user types in the prompt becomes a typed command or a clear error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench.core.knobs import OFF
from workbench.tui.commands import (
    COMMANDS,
    CommandError,
    ExportCommand,
    HelpCommand,
    ProfileCommand,
    ReplayCommand,
    SlashCommand,
    is_command,
    knob_command,
    parse_command,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/help", HelpCommand()),
        ("  /HELP  ", HelpCommand()),
        ("/profile openai-chat", ProfileCommand("openai-chat")),
        ("/parallel on", knob_command("parallel", True)),
        ("/parallel OFF", knob_command("parallel", False)),
        ("/concurrency off", knob_command("concurrency", False)),
        ("/concurrency yes", knob_command("concurrency", True)),
        ("/mode any", knob_command("mode", "ANY")),
        ("/max 4", knob_command("max", 4)),
        ("/timeout 2.5", knob_command("timeout", 2.5)),
        ("/timeout 3s", knob_command("timeout", 3.0)),
        ("/timeout off", knob_command("timeout", OFF)),
        ("/fault search slow", knob_command("fault", (("search", "slow"),))),
        ("/fault search OFF", knob_command("fault", (("search", "off"),))),
        ("/replay 'my session.jsonl'", ReplayCommand(Path("my session.jsonl"))),
        ("/export otlp", ExportCommand("otlp")),
        ("/export Chrome", ExportCommand("chrome")),
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
        ("/max four", "max takes a whole number from 1 to 10000. Usage: /max N"),
        # The specific reason, for 0 as for any other bad value, then what the knob takes.
        ("/max 0", "max=0 is not valid: must be at least 1; max takes a whole number from 1 to"),
        ("/max 100000", "max=100000 is not valid: must be at most 10000"),
        ("/max four", "max=four is not valid: not a whole number"),
        ("/retries 11", "retries=11 is not valid: must be at most 10"),
        ("/retries", "Usage: /retries N"),
        ("/timeout -1", "timeout=-1 is not valid: cannot be negative"),
        ("/timeout -1", "timeout takes seconds"),
        ("/timeout soon", "timeout=soon is not valid"),
        ("/timeout nan", "timeout=nan is not valid"),
        ("/parallel maybe", "parallel takes on|off"),
        ("/fault serch slow", "Did you mean 'search'?"),
        ("/fault search explode", "fault takes TOOL:slow|flaky|hang|off"),
        ("/mode sometimes", "mode takes AUTO|ANY|NONE"),
        ("/help me", "Usage: /help"),
        ("/replay 'unclosed", "Cannot read"),
        ("/", "Commands start with '/'"),
        ("/export pdf", "otlp or chrome"),
    ],
)
def test_bad_commands_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(CommandError, match=re.escape(message)):
        parse_command(text, tools=["search", "fetch"])


def test_fault_accepts_any_tool_when_tools_are_unknown() -> None:
    assert parse_command("/fault anything hang") == knob_command("fault", (("anything", "hang"),))


def test_is_command() -> None:
    assert is_command("  /max 3")
    assert not is_command("what is 2/3?")


def test_every_command_has_help() -> None:
    for name, kind in COMMANDS.items():
        assert kind.usage.startswith(f"/{name}")
        assert kind.help


def test_knob_commands_are_knob_changes_as_the_cli_reads_them() -> None:
    # One parser (core.knobs) for the slash commands, the CLI and compare.
    from workbench.core.knobs import parse_knobs
    from workbench.tui.commands import KnobCommand

    typed = ["/parallel off", "/max 4", "/timeout 1.5", "/mode any", "/fault search slow"]
    changes = []
    for text in typed:
        command = parse_command(text, tools=["search"])
        assert isinstance(command, KnobCommand)
        changes.append(command.change)
    combined = changes[0]
    for change in changes[1:]:
        combined = combined.then(change)
    assert combined == parse_knobs("parallel=off,max=4,timeout=1.5,mode=ANY,fault=search:slow")
    timeout_off = parse_command("/timeout off")
    assert isinstance(timeout_off, KnobCommand)
    assert timeout_off.change == parse_knobs("timeout=off")
