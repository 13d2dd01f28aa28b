"""Variant specs: NAME:knob=value,… in the slash commands' text form; bad ones name what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.cli import main
from workbench.compare.variants import DEFAULT_VARIANTS, VariantError, parse_variant, parse_variants
from workbench.core.knobs import KnobChange


def test_a_spec_is_a_name_and_the_knob_text() -> None:
    variant = parse_variant("cap2:max=2,timeout=1.5,fault=get_weather:slow")
    assert variant.name == "cap2"
    assert variant.change == KnobChange(
        max_concurrent=2, timeout_s=1.5, faults=(("get_weather", "slow"),)
    )
    assert parse_variant(variant.spec) == variant


def test_the_defaults_are_sequential_parallel_emission_and_parallel() -> None:
    variants = parse_variants(DEFAULT_VARIANTS)
    assert [v.name for v in variants] == ["sequential", "parallel-emission", "parallel"]
    assert variants[0].change == KnobChange(parallel=False, concurrent=False)
    assert variants[1].change == KnobChange(parallel=True, concurrent=False)
    assert variants[2].change == KnobChange(parallel=True, concurrent=True)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("fast:paralel=on", "unknown knob 'paralel'. Did you mean 'parallel'?"),
        (
            "fast:max=zero",
            "max=zero is not valid: not a whole number; max takes a whole number from 1",
        ),
        ("fast:parallel=maybe", "parallel takes on|off"),
        ("max=2", "has no name"),
        ("a b:max=2", "must be 1-32 letters"),
    ],
)
def test_bad_specs_say_what_is_wrong(spec: str, expected: str) -> None:
    with pytest.raises(VariantError) as info:
        parse_variants([spec, "other:max=1"])
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_knob_lists_the_valid_ones() -> None:
    with pytest.raises(VariantError) as info:
        parse_variant("x:speed=2")
    message = str(info.value)
    for knob in ("parallel=on|off", "concurrency=on|off", "max=", "timeout=", "mode=", "retries="):
        assert knob in message


def test_duplicate_names_and_too_few_or_many() -> None:
    with pytest.raises(VariantError, match="two variants are named 'a'"):
        parse_variants(["a:max=1", "a:max=2"])
    with pytest.raises(VariantError, match="at least two"):
        parse_variants(["a:max=1"])
    with pytest.raises(VariantError, match="at most 4"):
        parse_variants([f"v{i}:max={i}" for i in range(1, 6)])


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["compare", "--variant", "a:max=1", "--variant", "a:max=2", "get_date()"], "named 'a'"),
        (["compare", "--variant", "a:colour=red", "--variant", "b:max=2", "x"], "unknown knob"),
        (["compare", "--variant", "a:mode=SOME", "--variant", "b:max=2", "x"], "AUTO|ANY|NONE"),
        (["compare"], "no prompt"),
        (["compare", "   "], "no prompt"),
    ],
)
def test_bad_usage_exits_2_with_one_line(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str], fast_profile_path: Path
) -> None:
    code = main([*argv[:1], "--profile", str(fast_profile_path), *argv[1:]])
    out, err = capsys.readouterr()
    assert code == 2
    assert expected in err
    assert err.count("\n") == 1
    assert out == ""
