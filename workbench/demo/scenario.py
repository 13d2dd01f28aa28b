"""Demo scenarios: small YAML data files (``scenarios/*.yaml``), so more can be added without code.

A scenario is a prompt, the tools it needs, two to four variants in the text form ``compare --variant``
takes (``NAME:knob=value,…``), and the latencies the demo simulates: one model round trip of the
scripted model, and optionally a fixed latency per tool call in place of the tools' own simulated one.
``--speed X`` divides every simulated latency (and the scenario's timeouts, which bound them) by X.
"""

from __future__ import annotations

from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

_DIR = resources.files("workbench.demo") / "scenarios"
DEFAULT_SCENARIO = "code-review"


class ScenarioError(ValueError):
    """A scenario name that does not exist, or a scenario file that is not valid (one line)."""


class Simulated(BaseModel):
    """The latencies a scenario simulates; every figure is said to be simulated wherever shown."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model_round_trip_ms: float = Field(ge=0)
    """What one round trip to the scripted model takes (a real model's own latency is used as is)."""
    tool_call_ms: float | None = Field(default=None, ge=0)
    """Every tool call takes at least this long, its real work included, in place of the built-in
    tools' own simulated latency; None keeps the tools' own latency."""


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title: str
    """One line: what the scenario shows."""
    prompt: str
    tools: list[str]
    variants: list[str] = Field(min_length=2, max_length=4)
    """``NAME:knob=value,…``; the first is the baseline."""
    simulated: Simulated
    repository: Literal["sample"] | None = None
    """``sample``: the shipped sample project as a git repository with a feature branch, built in a
    temporary directory at start and used as the workspace."""
    seed: int | None = None
    """Seed for injected failures, so a faults scenario fails the same way every run."""

    def describe_simulation(self, speed: float, *, scripted: bool = True) -> str:
        """The simulated latencies in words, for the output and the JSON."""
        sim = self.simulated
        if scripted:
            parts = [f"model round trip {sim.model_round_trip_ms:g} ms (scripted model)"]
        else:
            parts = ["model latency real (not simulated)"]
        if sim.tool_call_ms is not None:
            parts.append(f"{sim.tool_call_ms:g} ms per tool call, its real work included")
        else:
            parts.append("the tools' own simulated latency")
        text = "simulated: " + ", ".join(parts)
        if speed != 1:
            text += f"; every simulated latency divided by {speed:g} (--speed {speed:g})"
        return text


def scenario_needs_git(scenario: Scenario) -> bool:
    return scenario.repository == "sample"


def scenario_names() -> list[str]:
    return sorted(
        entry.name.removesuffix(".yaml") for entry in _DIR.iterdir() if entry.name.endswith(".yaml")
    )


def load_scenario(name: str) -> Scenario:
    """The shipped scenario ``name``; :class:`ScenarioError` names the known ones otherwise."""
    names = scenario_names()
    if name not in names:
        raise ScenarioError(f"no scenario named {name!r} (scenarios: {', '.join(names)})")
    text = (_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
        return Scenario.model_validate({"name": name, **data})
    except (yaml.YAMLError, ValidationError, TypeError) as exc:
        first = str(exc).splitlines()
        raise ScenarioError(f"scenario {name!r} is not valid: {' '.join(first[:3])}") from None


def all_scenarios() -> list[Scenario]:
    return [load_scenario(name) for name in scenario_names()]


__all__ = [
    "DEFAULT_SCENARIO",
    "Scenario",
    "ScenarioError",
    "Simulated",
    "all_scenarios",
    "load_scenario",
    "scenario_names",
    "scenario_needs_git",
]
