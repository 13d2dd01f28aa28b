"""Preparing a demo: the scenario's repository, its simulated latencies, and what the output says.

Shared by ``workbench demo --headless`` and the app's demo: :func:`prepare_demo` builds what the
scenario needs (a temporary git repository for code-review), switches the simulation on, and undoes
both when the demo ends.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.compare.runner import Setup
from workbench.compare.variants import Variant
from workbench.config.profile import Profile
from workbench.demo.repo import DemoRepository, build_demo_repository
from workbench.demo.scenario import Scenario
from workbench.demo.simulation import (
    demo_profile,
    demo_setup,
    scale_variant,
    simulated_tool_latency,
)
from workbench.tools.git import GitError


class DemoUnavailable(Exception):
    """The scenario cannot run here (git missing, say); the message is one line saying what to do."""


@dataclass
class Demo:
    scenario: Scenario
    profile: Profile
    variants: list[Variant]
    setup: Setup
    speed: float
    workspace: Path
    preface: list[str] = field(default_factory=list)
    """Lines the output starts with: the scenario, and what is simulated."""
    repository: str | None = None
    """The line that says where the sample repository was built (also in the preface)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """The keys ``demo --json`` adds: scenario and simulated."""


def simulated_dict(scenario: Scenario, speed: float, scripted: bool) -> dict[str, Any]:
    sim = scenario.simulated
    return {
        "description": scenario.describe_simulation(speed, scripted=scripted),
        "model_round_trip_ms": sim.model_round_trip_ms if scripted else None,
        "tool_call_ms": sim.tool_call_ms,
        "speed": speed,
        "model_latency": "simulated" if scripted else "real",
    }


@contextlib.contextmanager
def prepare_demo(
    scenario: Scenario, profile: Profile, variants: list[Variant], speed: float
) -> Iterator[Demo]:
    repo: DemoRepository | None = None
    if scenario.repository == "sample":
        try:
            repo = build_demo_repository()
        except GitError as exc:
            raise DemoUnavailable(
                f"the {scenario.name} demo builds a real git repository, and {exc}"
            ) from None
    workspace = repo.root if repo is not None else Path.cwd()
    scripted = profile.type == "scripted"
    try:
        demo = Demo(
            scenario=scenario,
            profile=demo_profile(profile, scenario, speed, variants),
            variants=[scale_variant(v, speed) for v in variants],
            setup=demo_setup(scenario, speed, workspace),
            speed=speed,
            workspace=workspace,
        )
        demo.preface = [f"demo: {scenario.name}: {scenario.title}"]
        if repo is not None:
            demo.repository = (
                f"repository: {repo.root} (branch {repo.branch}, {len(repo.changed)} files "
                f"changed against {repo.base})"
            )
            demo.preface.append(demo.repository)
        demo.preface.append(scenario.describe_simulation(speed, scripted=scripted))
        demo.extra = {
            "scenario": scenario.name,
            "simulated": simulated_dict(scenario, speed, scripted),
        }
        with simulated_tool_latency(scenario, speed):
            yield demo
    finally:
        if repo is not None:
            repo.cleanup()


__all__ = ["Demo", "DemoUnavailable", "prepare_demo", "simulated_dict"]
