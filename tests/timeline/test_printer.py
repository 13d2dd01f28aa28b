"""The terminal timeline: exact text for hand-built sessions, colour rules, and replay equality."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable

import pytest

from tests.fabricate import C, batch_events, one_batch_turn
from workbench.core.events import (
    EVENT_ADAPTER,
    ErrorEvent,
    Event,
    Notice,
    SettingsChanged,
    TextDelta,
    TurnStarted,
)
from workbench.core.settings import ExecutionSettings, Fault, RunSettings
from workbench.core.timeline import BatchGroup, TimelineModel
from workbench.render.bars import WAIT
from workbench.render.batch import render_batch
from workbench.render.format import format_args, format_settings
from workbench.render.printer import TerminalPrinter

ANSI = re.compile(r"\x1b\[[0-9;]*m")

CITIES = [
    C("get_weather", {"city": "Tokyo"}, 0.0, 0.251),
    C("get_weather", {"city": "Paris"}, 0.0, 0.160),
    C("get_weather", {"city": "Lima"}, 0.0, 0.152),
]
CAPPED = [
    C("get_weather", {"city": "Tokyo"}, 0.0, 0.2),
    C("get_weather", {"city": "Paris"}, 0.0, 0.1),
    C("get_weather", {"city": "Lima"}, 0.1, 0.3),
]
TROUBLE = [
    C("get_weather", {"city": "Tokyo"}, 0.0, 0.4, retries=((0.1, 0.2),)),
    C("search_docs", {"query": "parallel tool calls", "limit": 5}, 0.0, 0.15, "error"),
    C("slow_tool", {}, 0.0, 0.5, "timeout"),
    C("get_time", {"timezone": "UTC"}, 0.0, 0.3, "cancelled"),
    C("get_time", {"timezone": "CET"}, None, 0.3, "cancelled"),
]
TROUBLE_SETTINGS = ExecutionSettings(max_concurrent=4, retries=1, timeout_s=0.5)


def batch_of(calls: list[C], settings: ExecutionSettings | None = None) -> BatchGroup:
    model = TimelineModel()
    for event in batch_events("b7", calls, settings=settings):
        model.apply(event)
    return model.batches[0]


def printed(events: Iterable[Event], *, width: int = 80, color: bool = False) -> str:
    out = io.StringIO()
    printer = TerminalPrinter(out, color=color, width=width)
    for event in events:
        printer.handle(event)
    return out.getvalue()


class TtyStringIO(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_concurrent_turn_prints_text_the_batch_block_and_totals() -> None:
    assert printed(one_batch_turn(CITIES)) == (
        "› Weather in three cities?\n"
        "Let me check.\n"
        "↳ model 300 ms · 3 calls\n"
        "\n"
        "  █ running  ░ waiting  ↻ retry  · backoff  ✗ error  ◷ timeout  ⊘ cancelled\n"
        "  get_weather city=Tokyo █████████████████████████████████████ ok         251 ms\n"
        "  get_weather city=Paris ████████████████████████              ok         160 ms\n"
        "  get_weather city=Lima  ██████████████████████                ok         152 ms\n"
        "  batch b1 · 3 calls · wall 251 ms · sum 563 ms · speedup 2.24× · peak 3\n"
        "    waited 0 ms · failures 0 · concurrent ≤10, timeout 30 s\n"
        "\n"
        "All sunny.\n"
        "↳ model 200 ms · no calls\n"
        "\n"
        "2 round trips · model 500 ms · tools 251 ms · wall 751 ms\n"
        "  tokens 812 in / 96 out\n"
    )


def test_a_capped_batch_shows_the_call_that_waited_for_a_slot() -> None:
    lines = render_batch(batch_of(CAPPED, ExecutionSettings(max_concurrent=2)), 80, False)
    assert lines == [
        "  get_weather city=Tokyo █████████████████████████             ok         200 ms",
        "  get_weather city=Paris ████████████                          ok         100 ms",
        "  get_weather city=Lima  ░░░░░░░░░░░░█████████████████████████ ok         200 ms",
        "  batch b7 · 3 calls · wall 300 ms · sum 500 ms · speedup 1.67× · peak 2",
        "    waited 100 ms · failures 0 · concurrent ≤2, timeout 30 s",
    ]


def test_failures_are_told_apart_by_glyph_alone_without_colour() -> None:
    lines = render_batch(batch_of(TROUBLE, TROUBLE_SETTINGS), 80, False)
    assert lines == [
        "  get_weather city=Tokyo              ████↻·····█████████      ok         400 ms",
        '  search_docs query="parallel tool c… ██████✗                  error      150 ms',
        "  slow_tool                           ███████████████████████◷ timeout    500 ms",
        "  get_time    timezone=UTC            █████████████⊘           cancelled  300 ms",
        "  get_time    timezone=CET            ░░░░░░░░░░░░░⊘           cancelled       —",
        "  batch b7 · 5 calls · wall 500 ms · sum 1.35 s · speedup 2.70× · peak 4",
        "    waited 300 ms · failures 4 (1 error, 1 timeout, 2 cancelled)",
        "    concurrent ≤4, timeout 0.5 s, retries 1",
    ]


def test_the_legend_is_printed_once_above_the_first_batch_only() -> None:
    second = one_batch_turn(CITIES, batch_id="b2", turn=2)
    text = printed(one_batch_turn(CITIES) + second)
    assert text.count("█ running") == 1
    assert text.index("█ running") < text.index("batch b1") < text.index("batch b2")


def test_a_turn_that_did_not_complete_says_so() -> None:
    text = printed(one_batch_turn(TROUBLE, settings=TROUBLE_SETTINGS, status="cancelled"))
    assert text.endswith("wall 1 s · tokens 812 in / 96 out\n  cancelled\n")


def test_settings_notices_and_errors_print_on_their_own_lines() -> None:
    events: list[Event] = [
        SettingsChanged(
            t=0,
            changes={"execution.max_concurrent": 2, "emission.parallel": False},
            settings=RunSettings(),
        ),
        TurnStarted(t=0, turn=1, prompt="hi"),
        TextDelta(t=0.1, turn=1, text="Hello"),
        Notice(t=0.1, turn=1, message="Gemini has no parallel knob"),
        ErrorEvent(t=0.2, turn=1, kind="provider", message="rate limited (429)"),
    ]
    assert printed(events) == (
        "⚙ settings: max concurrent tools 2, parallel emission off\n"
        "\n"
        "› hi\n"
        "Hello\n"
        "warning: Gemini has no parallel knob\n"
        "error: rate limited (429)\n"
    )


def test_a_knob_the_provider_ignores_is_said_on_the_settings_line() -> None:
    note = "strict schemas are ignored on scripted (local): the arguments always fit"
    ignored = SettingsChanged(t=0, changes={}, settings=RunSettings(), source="compare", note=note)
    assert printed([ignored]) == f"⚙ settings (compare): {note}\n"
    both = ignored.model_copy(update={"changes": {"execution.max_concurrent": 2}})
    assert printed([both]) == f"⚙ settings (compare): max concurrent tools 2; {note}\n"


def test_a_replayed_session_prints_exactly_what_the_live_run_printed() -> None:
    live = one_batch_turn(TROUBLE, settings=TROUBLE_SETTINGS, eager=True)
    replayed = [EVENT_ADAPTER.validate_json(EVENT_ADAPTER.dump_json(e)) for e in live]
    assert printed(replayed, color=True) == printed(live, color=True)


@pytest.mark.parametrize("width", [60, 72, 80, 100, 160])
def test_every_line_fits_the_width(width: int) -> None:
    text = printed(one_batch_turn(TROUBLE, settings=TROUBLE_SETTINGS), width=width, color=True)
    for line in ANSI.sub("", text).splitlines():
        assert len(line) <= width, line


def test_colour_adds_ansi_codes_that_strip_back_to_the_plain_text() -> None:
    events = one_batch_turn(TROUBLE, settings=TROUBLE_SETTINGS)
    coloured = printed(events, color=True)
    assert "\x1b[31m" in coloured and "\x1b[32m" in coloured and "\x1b[33m" in coloured
    assert ANSI.sub("", coloured) == printed(events, color=False)


def test_colour_follows_the_terminal_and_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert TerminalPrinter(TtyStringIO()).color
    assert not TerminalPrinter(io.StringIO()).color
    monkeypatch.setenv("NO_COLOR", "1")
    assert not TerminalPrinter(TtyStringIO()).color
    out = TtyStringIO()
    printer = TerminalPrinter(out, width=80)
    for event in one_batch_turn(CITIES):
        printer.handle(event)
    assert "\x1b[" not in out.getvalue()


def test_width_comes_from_the_terminal_clamped(monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import shutil

    monkeypatch.setattr(shutil, "get_terminal_size", lambda fallback: os.terminal_size((300, 50)))
    assert TerminalPrinter(io.StringIO()).width == 160
    monkeypatch.setattr(shutil, "get_terminal_size", lambda fallback: os.terminal_size((30, 50)))
    assert TerminalPrinter(io.StringIO()).width == 60


def test_final_text_is_printed_when_no_deltas_streamed() -> None:
    events = [e for e in one_batch_turn(CITIES) if e.type != "text_delta"]
    text = printed(events)
    assert "All sunny." in text
    assert text.index("All sunny.") < text.index("2 round trips")


def test_an_open_batch_renders_up_to_its_latest_event_without_a_clock() -> None:
    model = TimelineModel()
    calls = [C("a", {}, 0.0, 0.2), C("b", {}, 0.2, 0.3)]
    events = batch_events("b1", calls, settings=ExecutionSettings(concurrent=False), finish=False)
    for event in events[:6]:  # batch started, queued ×2, a started, a finished, b started
        model.apply(event)
    assert render_batch(model.batches[0], 80, False) == [
        "  a    ███████████████████████████████████████████████████████ ok         200 ms",
        "  b    ░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░█ running      0 ms",
        "  batch b1 · 2 calls · wall 200 ms · sum 200 ms · speedup 1.00× · peak 1",
        "    waited 200 ms · failures 0 · sequential, timeout 30 s",
    ]


def test_format_args_is_short_and_unambiguous() -> None:
    assert format_args({"city": "Tokyo"}) == "city=Tokyo"
    assert format_args({"q": "new york", "n": 5, "exact": True}) == 'q="new york" n=5 exact=true'
    assert format_args({"city": "Tokyo", "units": "metric"}, 14) == "city=Tokyo un…"
    assert format_args(None) == "(unparsable arguments)"
    assert format_args({}) == ""


def test_format_settings_names_the_execution_mode() -> None:
    assert format_settings(ExecutionSettings()) == "concurrent ≤10, timeout 30 s"
    assert format_settings(ExecutionSettings(concurrent=False, timeout_s=None)) == (
        "sequential, no timeout"
    )
    faulty = ExecutionSettings(retries=2, faults={"get_weather": Fault(hang=True)})
    assert format_settings(faulty, eager=True) == (
        "concurrent ≤10, timeout 30 s, retries 2, faults on get_weather, eager"
    )


def test_the_renderer_stays_headless() -> None:
    import subprocess
    import sys

    code = (
        "import sys, workbench.render, workbench.core.timeline;"
        "print(sorted(m for m in ('textual', 'rich') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_scheduling_latency_in_a_tiny_batch_is_not_drawn_as_waiting_for_a_slot() -> None:
    # A 1 ms batch whose only call started 0.8 ms after it was queued: no slot was ever busy.
    tiny = [C("fail", {}, start=0.0008, end=0.0009, status="error", error="boom")]
    (row, *_) = render_batch(batch_of(tiny, ExecutionSettings()), 80, False)
    assert WAIT not in row
    assert "✗" in row


def test_a_real_wait_for_a_slot_is_drawn() -> None:
    waited = [
        C("sleep", {"ms": 300}, start=0.0, end=0.3),
        C("sleep", {"ms": 300}, start=0.3, end=0.6),
    ]
    rows = render_batch(batch_of(waited, ExecutionSettings(max_concurrent=1)), 80, False)
    assert WAIT in rows[1]


def test_settings_changes_are_worded_as_the_knobs_are_named() -> None:
    from workbench.render.format import describe_changes

    assert (
        describe_changes(
            {
                "emission.parallel": False,
                "execution.concurrent": True,
                "execution.timeout_s": None,
                "execution.faults.get_weather": "slow",
                "execution.faults.sleep": "off",
            }
        )
        == "parallel emission off, local concurrency on, tool timeout off, "
        "fault on get_weather: slow, no fault on sleep"
    )
    assert describe_changes({"execution.timeout_s": 0.5}) == "tool timeout 0.5 s"


def test_long_mcp_tool_names_stay_apart_when_cut() -> None:
    calls = [
        C("github_enterprise__create_issue", {}, 0.0, 0.1),
        C("github_enterprise__create_pull_request", {}, 0.0, 0.1),
        C("github_enterprise__list_issues", {}, 0.0, 0.1),
    ]
    lines = render_batch(batch_of(calls), 80, False)[:3]
    shown = [line.split()[0] for line in lines]
    assert len(set(shown)) == 3, shown
    assert shown[0] == "githu…__create_issue"  # the tool part is what tells them apart
    assert all(len(name) <= 20 for name in shown)
