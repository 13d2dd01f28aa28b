"""Text from tools, files, MCP servers and models is shown, never obeyed: escape sequences (a
window title, colours, cursor moves, the clipboard) and other control characters are spelled out
in ``run``, ``replay --headless`` and the app, while the session keeps the text as it came."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.cli.proc import fast_profile, workbench
from tests.fabricate import C, one_batch_turn
from tests.tui.conftest import SIZE, screen_text, wait_for
from workbench.core.events import ErrorEvent, Event, Notice, TextDelta
from workbench.render.printer import TerminalPrinter
from workbench.render.safe import safe_event, safe_text
from workbench.session import SessionRecorder, load_session
from workbench.tui.app import create_app

TITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J\x1b[H"
RED = "\x1b[31m"
HOSTILE = f"{TITLE}hello{CLEAR}{RED}world\r\x08\x9b\u202eevil"


def test_control_characters_and_escapes_are_spelled_out() -> None:
    shown = safe_text(HOSTILE)
    assert shown == (
        "\\x1b]0;pwned\\x07hello\\x1b[2J\\x1b[H\\x1b[31mworld\\x0d\\x08\\x9b\\u202eevil"
    )
    assert all(ch in "\n\t" or ch.isprintable() for ch in shown)


def test_plain_text_in_any_script_is_left_as_it_is() -> None:
    text = "Tokyo 東京 — 21 °C\n\tnext line ✓"
    assert safe_text(text) is text
    assert safe_text("bad byte \udcff") == "bad byte \ufffd"


def test_an_event_without_anything_to_escape_is_the_same_object() -> None:
    event = TextDelta(t=0.0, turn=1, text="fine")
    assert safe_event(event) is event
    nested = one_batch_turn([C("get_weather", {"city": TITLE}, 0.0, 0.1)])
    cleaned = [safe_event(e) for e in nested]
    assert TITLE not in repr(cleaned) and "\\\\x1b]0;pwned" in repr(cleaned)


def hostile_session() -> list[Event]:
    events = one_batch_turn(
        [
            C("get_weather", {"city": f"Tokyo{TITLE}"}, 0.0, 0.1, result=f"sunny{CLEAR}"),
            C("get_time", {"tz": RED}, 0.0, 0.2, status="error", error=f"boom{TITLE}"),
        ],
        prompt=f"weather {RED}please",
        before=f"Checking {TITLE}",
        answer=f"Done{CLEAR}",
    )
    turn_end = events.pop()
    events += [
        Notice(t=0.9, turn=1, message=f"server says {TITLE}"),
        ErrorEvent(t=0.9, turn=1, kind="provider", message=f"bad {CLEAR}"),
        turn_end,
    ]
    return events


def test_the_terminal_timeline_escapes_whatever_the_events_carry() -> None:
    out = io.StringIO()
    printer = TerminalPrinter(out, color=False, width=120)
    for event in hostile_session():
        printer.handle(event)
    text = out.getvalue()
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    for spelled in ("\\x1b]0;pwned\\x07", "\\x1b[2J", "\\x1b[31m"):
        assert spelled in text
    assert "weather \\x1b[31mplease" in text


def test_run_escapes_a_hostile_file_the_model_quotes(tmp_path: Path) -> None:
    (tmp_path / "evil.txt").write_text(f"{TITLE}{CLEAR}gotcha\n")
    session = tmp_path / "evil.jsonl"
    done = workbench(
        "run",
        "--profile",
        str(fast_profile(tmp_path)),
        "--record",
        str(session),
        'read_file(path="evil.txt")',
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "\\x1b]0;pwned\\x07" in done.stdout
    # The session keeps what the tool returned, byte for byte.
    results = [e for e in load_session(session).events if e.type == "call_finished"]
    assert json.loads(results[0].result)["content"].startswith(TITLE)


@pytest.mark.asyncio
async def test_the_app_shows_hostile_text_escaped(tmp_path: Path) -> None:
    path = tmp_path / "hostile.jsonl"
    with SessionRecorder.create(path, profile={"name": "local", "type": "scripted"}) as recorder:
        for event in hostile_session():
            recorder.record(event)
    app = create_app(replay=path, replay_speed=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(app.replay_finished)
        await pilot.pause()
        text = screen_text(app)
    assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b[31mplease" in text  # the prompt, in the chat
    assert "\\x1b]0;pwned" in text  # the argument, in the timeline
