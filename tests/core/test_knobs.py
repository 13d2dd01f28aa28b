"""The one text form of knob changes, as slash commands, the CLI and compare read it."""

from __future__ import annotations

import re

import pytest

from workbench.core.knobs import OFF, KnobChange, KnobError, apply_change, parse_knob, parse_knobs
from workbench.core.settings import RunSettings

TOOLS = ["get_weather", "sleep"]


def test_every_knob_parses_into_one_change() -> None:
    change = parse_knobs(
        "parallel=off, concurrency=on, max=4, timeout=1.5, mode=any, retries=2, "
        "fault=get_weather:slow"
    )
    assert change == KnobChange(
        parallel=False,
        concurrent=True,
        max_concurrent=4,
        timeout_s=1.5,
        function_calling_mode="ANY",
        retries=2,
        faults=(("get_weather", "slow"),),
    )


def test_the_text_form_round_trips() -> None:
    text = "parallel=off,mode=NONE,strict=on,concurrency=off,max=2,timeout=off,retries=1,fault=sleep:hang"
    assert parse_knobs(text).text() == text
    assert parse_knobs(parse_knobs(text).text()) == parse_knobs(text)


def test_applying_a_change_gives_the_settings_and_names_what_changed() -> None:
    settings, changes = apply_change(
        RunSettings(),
        parse_knobs("parallel=off,max=3,timeout=off,retries=2,fault=sleep:flaky"),
        tools=TOOLS,
    )
    assert settings.emission.parallel is False
    assert settings.execution.max_concurrent == 3
    assert settings.execution.timeout_s is None
    assert settings.execution.retries == 2
    assert settings.execution.faults["sleep"].failure_rate == 0.5
    assert changes == {
        "emission.parallel": False,
        "execution.max_concurrent": 3,
        "execution.timeout_s": None,
        "execution.retries": 2,
        "execution.faults.sleep": "flaky",
    }
    cleared, _ = apply_change(settings, KnobChange(faults=(("sleep", "off"),)), tools=TOOLS)
    assert "sleep" not in cleared.execution.faults


def test_an_unknown_knob_is_named_with_a_suggestion_and_the_list() -> None:
    with pytest.raises(KnobError) as err:
        parse_knobs("paralel=off")
    message = str(err.value)
    assert "unknown knob 'paralel'" in message
    assert "Did you mean 'parallel'?" in message
    assert "max=" in message and "timeout=" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The specific reason, then what the knob takes (bounds read from the settings model).
        (
            "max=0",
            "max=0 is not valid: must be at least 1; max takes a whole number from 1 to 10000",
        ),
        ("max=10001", "must be at most 10000; max takes a whole number from 1 to 10000"),
        ("max=lots", "not a whole number; max takes a whole number from 1 to 10000"),
        ("timeout=-1", "cannot be negative; timeout takes seconds, or off (0 is off too)"),
        ("timeout=inf", "not a number of seconds"),
        ("mode=SOMETIMES", "mode takes AUTO|ANY|NONE"),
        ("parallel=maybe", "parallel takes on|off"),
        ("retries=11", "must be at most 10; retries takes a whole number from 0 to 10"),
        ("fault=sleep", "fault takes TOOL:slow|flaky|hang|off"),
        ("max", "is not knob=value"),
    ],
)
def test_a_bad_value_says_what_the_knob_takes(text: str, expected: str) -> None:
    with pytest.raises(KnobError, match=re.escape(expected)):
        parse_knobs(text)


def test_a_fault_on_a_tool_the_session_lacks_is_refused() -> None:
    with pytest.raises(ValueError, match="no tool named 'nope'"):
        apply_change(RunSettings(), KnobChange(faults=(("nope", "hang"),)), tools=TOOLS)


def test_later_changes_win_and_faults_accumulate() -> None:
    merged = parse_knob("max", "2").then(parse_knobs("max=5,fault=sleep:slow,timeout=off"))
    assert merged.max_concurrent == 5
    assert merged.timeout_s == OFF
    assert merged.then(parse_knobs("fault=get_weather:hang")).faults == (
        ("sleep", "slow"),
        ("get_weather", "hang"),
    )
    assert KnobChange().empty and not merged.empty


def test_the_unvalidated_defaults_are_the_defaults() -> None:
    defaults = RunSettings.defaults()
    assert defaults == RunSettings()
    assert defaults.model_dump() == RunSettings().model_dump()
    assert defaults.execution.cap == RunSettings().execution.cap
