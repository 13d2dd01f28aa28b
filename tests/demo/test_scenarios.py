"""Scenario data files: each loads, and its variants parse with the knob parser."""

from __future__ import annotations

import pytest

from workbench.compare.variants import parse_variants
from workbench.demo.scenario import (
    DEFAULT_SCENARIO,
    ScenarioError,
    all_scenarios,
    load_scenario,
    scenario_names,
)
from workbench.tools.builtin import BUILTIN_TOOL_NAMES


def test_the_four_scenarios_of_the_issue_ship() -> None:
    assert scenario_names() == ["code-review", "fan-out", "faults", "three-tools"]
    assert DEFAULT_SCENARIO == "code-review"


@pytest.mark.parametrize("name", scenario_names())
def test_every_scenario_is_valid(name: str) -> None:
    scenario = load_scenario(name)
    variants = parse_variants(scenario.variants)
    assert 2 <= len(variants) <= 4
    assert set(scenario.tools) <= set(BUILTIN_TOOL_NAMES)
    assert "simulated" in scenario.describe_simulation(1.0)


def test_speed_is_said() -> None:
    text = load_scenario("code-review").describe_simulation(10)
    assert "1500 ms" in text and "150 ms per tool call" in text and "divided by 10" in text
    real = load_scenario("code-review").describe_simulation(1, scripted=False)
    assert "model latency real" in real


def test_an_unknown_scenario_names_the_known_ones() -> None:
    with pytest.raises(ScenarioError, match=r"no scenario named 'nope' \(scenarios: code-review"):
        load_scenario("nope")


def test_titles_are_one_line() -> None:
    for scenario in all_scenarios():
        assert "\n" not in scenario.title
