"""Every knob of the table is on every surface: slash command, palette, CLI flag, compare variant,
knobs bar, ⚙ line and profile field. A knob added to the table and missing from one fails here."""

from __future__ import annotations

import argparse
import dataclasses
import re
from pathlib import Path
from typing import Any

import annotated_types
import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, Select, Switch

from workbench.cli import build_parser
from workbench.cli.knob_flags import knob_change
from workbench.compare.variants import parse_variant
from workbench.config.profile import Profile
from workbench.core.knobs import (
    OFF,
    TABLE,
    Choice,
    FaultSwitch,
    Knob,
    KnobChange,
    KnobError,
    apply_change,
    parse_knobs,
    value_in,
)
from workbench.core.settings import EmissionSettings, ExecutionSettings, RunSettings
from workbench.render.format import describe_changes
from workbench.tui.commands import COMMANDS, KnobCommand, knob_palette, parse_command
from workbench.tui.widgets.knobs import FaultChip, Knobs

TOOLS = ["search", "fetch"]
README = Path(__file__).parents[2] / "README.md"


def values(knob: Knob) -> list[Any]:
    """Each value the palette offers for the knob, parsed (a fault's for one tool)."""
    if knob.field == "faults":
        return [knob.parse(f"search:{preset}") for preset in knob.palette]
    return [knob.parse(text) for text in knob.palette]


def slash(knob: Knob, value: Any) -> str:
    if knob.field == "faults":
        ((tool, preset),) = value
        return f"/{knob.name} {tool} {preset}"
    return f"/{knob.name} {knob.show(value)}"


def model(knob: Knob) -> type[EmissionSettings] | type[ExecutionSettings]:
    return EmissionSettings if knob.layer == "emission" else ExecutionSettings


def test_a_change_has_one_field_per_knob_named_as_its_settings_field() -> None:
    assert [f.name for f in dataclasses.fields(KnobChange)] == [k.field for k in TABLE]
    for knob in TABLE:
        assert knob.field in model(knob).model_fields, knob.name


@pytest.mark.parametrize("knob", TABLE, ids=lambda k: k.name)
def test_every_knob_is_a_slash_command_with_its_values(knob: Knob) -> None:
    command = COMMANDS[knob.name]
    assert issubclass(command, KnobCommand)
    assert command.usage == knob.usage() and command.help == knob.help
    for value in values(knob):
        parsed = parse_command(slash(knob, value), tools=TOOLS)
        assert isinstance(parsed, KnobCommand)
        assert parsed.change == knob.change(value)


@pytest.mark.parametrize("knob", TABLE, ids=lambda k: k.name)
def test_every_knob_is_in_the_palette_with_each_of_its_values(knob: Knob) -> None:
    entries = [command.change for _, _, command in knob_palette(TOOLS)]
    for value in values(knob):
        assert knob.change(value) in entries


@pytest.mark.parametrize("knob", TABLE, ids=lambda k: k.name)
def test_every_knob_is_a_run_flag_read_by_its_parser(knob: Knob) -> None:
    parser = build_parser()
    for flag in knob.flags:
        value = flag.value or (
            "search=slow" if knob.field == "faults" else knob.show(values(knob)[0])
        )
        words = [flag.name] if flag.value else [flag.name, value]
        args = parser.parse_args(["run", *words, "prompt"])
        expected = knob.change(knob.parse(flag.value or value.replace("=", ":")))
        assert knob_change(args) == expected, flag.name


@pytest.mark.parametrize("knob", TABLE, ids=lambda k: k.name)
def test_every_knob_is_a_compare_variant_and_round_trips(knob: Knob) -> None:
    for value in values(knob):
        change = knob.change(value)
        variant = parse_variant(f"v:{change.text()}")
        assert variant.change == change
        assert parse_knobs(variant.knobs) == change


@pytest.mark.parametrize("knob", TABLE, ids=lambda k: k.name)
def test_every_knob_has_a_name_in_the_settings_line(knob: Knob) -> None:
    value = values(knob)[0]
    _, changes = apply_change(RunSettings(), knob.change(value), tools=TOOLS)
    assert describe_changes(changes).startswith("fault" if knob.field == "faults" else knob.title)


@pytest.mark.parametrize("knob", TABLE, ids=lambda k: k.name)
def test_every_knob_is_a_profile_field_with_the_settings_bounds(knob: Knob) -> None:
    if knob.profile_field is None:  # parallel: the vendor switches, mapped by the capability table
        assert knob.name == "parallel"
        return
    field = Profile.model_fields[knob.profile_field]
    settings_field = model(knob).model_fields[knob.field]
    rules = (annotated_types.Ge, annotated_types.Gt, annotated_types.Le, annotated_types.Lt)

    def bounds(metadata: list[Any]) -> list[Any]:
        return [m for m in metadata if isinstance(m, rules)]

    assert bounds(field.metadata) == bounds(settings_field.metadata), knob.name
    if knob.field != "faults":
        assert field.default == settings_field.default, knob.name
        # The profile's field reaches the settings the knob turns.
        for value in values(knob):
            profile = Profile(type="scripted", **{knob.profile_field: knob.profile_value(value)})
            if knob.name == "strict":
                continue  # the scripted model ignores strict schemas (test_capability_rules)
            assert value_in(profile.run_settings(), knob) == value, (knob.name, value)


def test_the_bounds_come_from_the_settings_model() -> None:
    cap = next(k for k in TABLE if k.name == "max")
    rules = ExecutionSettings.model_fields["max_concurrent"].metadata
    high = int(next(m.le for m in rules if isinstance(m, annotated_types.Le)))  # type: ignore[call-overload]
    assert cap.bounds() == (1, high)
    assert cap.parse(str(high)) == high
    with pytest.raises(KnobError, match=f"must be at most {high}"):
        cap.parse(str(high + 1))


def test_choices_come_from_the_settings_literals() -> None:
    for knob in TABLE:
        if isinstance(knob.kind, Choice):
            assert knob.kind.values == "|".join(knob.kind.choices())
            assert tuple(knob.palette) == knob.kind.choices()
        if isinstance(knob.kind, FaultSwitch):
            assert set(knob.palette) == set(knob.kind.presets())
            assert knob.kind.values == "TOOL:" + "|".join(knob.kind.presets())


def test_zero_seconds_is_off_on_every_surface() -> None:
    # One rule: the CLI, a variant, a slash command and the knobs bar read the one parser.
    timeout = next(k for k in TABLE if k.name == "timeout")
    assert timeout.parse("0") == OFF
    assert parse_variant("v:timeout=0").change == KnobChange(timeout_s=OFF)
    command = parse_command("/timeout 0")
    assert isinstance(command, KnobCommand) and command.change == KnobChange(timeout_s=OFF)
    args = build_parser().parse_args(["run", "--tool-timeout", "0", "x"])
    assert knob_change(args) == KnobChange(timeout_s=OFF)


def test_the_readme_lists_every_knob_command_and_flag() -> None:
    readme = README.read_text()
    for knob in TABLE:
        assert f"`/{knob.name}" in readme, knob.name
        for flag in knob.flags:
            assert flag.name in readme, flag.name


class _Bar(App[None]):
    def compose(self) -> ComposeResult:
        yield Knobs()


async def test_every_knob_is_on_the_knobs_bar_and_shows_its_setting() -> None:
    app = _Bar()
    async with app.run_test() as pilot:
        from workbench.core.provider import ProviderCapabilities

        bar = app.query_one(Knobs)
        settings, _ = apply_change(
            RunSettings(),
            parse_knobs("parallel=off,strict=on,concurrency=off,max=3,timeout=2,retries=2"),
            tools=TOOLS,
        )
        await bar.configure(
            profile_label="p",
            capabilities=ProviderCapabilities(
                parallel_knob="parallel_tool_calls", supports_function_calling_mode=True
            ),
            tools=TOOLS,
            settings=settings,
        )
        await pilot.pause()
        for knob in TABLE:
            if knob.field == "faults":
                assert [chip.tool for chip in bar.query(FaultChip)] == TOOLS
                continue
            widget = bar.query_one(f"#{knob.name}")
            value = value_in(settings, knob)
            match widget:
                case Switch():
                    assert widget.value is value, knob.name
                case Select():
                    assert widget.value == value, knob.name
                case Input():
                    text = widget.value
                    assert knob.parse(text.rstrip("s") or OFF) == value, knob.name
                case _:
                    pytest.fail(f"{knob.name}: no widget on the bar")


def test_a_flag_value_error_names_the_flag_and_the_reason(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["run", "--max-concurrent", "0", "x"])
    err = capsys.readouterr().err
    assert re.search(
        r"--max-concurrent: must be at least 1; it takes a whole number from 1 to \d+", err
    )
    assert isinstance(parser, argparse.ArgumentParser)
