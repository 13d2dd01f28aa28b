"""``workbench demo``: compare with prepared scenarios, on the scripted model, latencies simulated.

``workbench demo`` opens the app on the code-review scenario; ``--headless`` prints the comparison in
the terminal, ``--list`` names the scenarios. Exit codes as ``compare``; a missing ``git`` (which the
code-review scenario needs for its real repository) is one line saying how to install it, exit 1.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from workbench.cli.common import EXIT_FAILED, EXIT_OK, UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from workbench.cli.compare import add_common

    parser = sub.add_parser(
        "demo", help="prepared comparisons that show what parallel tool calls buy (no key needed)"
    )
    parser.add_argument(
        "scenario", nargs="?", default=None, help="a scenario (default code-review)"
    )
    parser.add_argument("--list", action="store_true", help="the scenarios, one line each")
    parser.add_argument("--headless", action="store_true", help="print the comparison instead")
    parser.add_argument(
        "--speed",
        type=_speed,
        default=1.0,
        metavar="X",
        help="divide every simulated latency by X for a quick look (the output says so)",
    )
    add_common(parser)
    parser.set_defaults(func=run)


def _speed(text: str) -> float:
    try:
        value = float(text.rstrip("x×"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 10_000:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 10000")
    return value


def run(args: argparse.Namespace) -> int:
    from workbench.demo.scenario import (
        DEFAULT_SCENARIO,
        ScenarioError,
        all_scenarios,
        load_scenario,
    )

    if args.list:
        scenarios = all_scenarios()
        width = max(len(s.name) for s in scenarios)
        for s in scenarios:
            mark = "*" if s.name == DEFAULT_SCENARIO else " "
            print(f"{mark} {s.name:<{width}}  {s.title}")
        return EXIT_OK
    try:
        scenario = load_scenario(args.scenario or DEFAULT_SCENARIO)
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None
    if not args.headless:
        if args.json:
            raise UsageError("--json prints the comparison: use it with --headless")
        return _app(args, scenario)
    return _headless(args, scenario)


def _app(args: argparse.Namespace, scenario: Any) -> int:
    from workbench.cli.compare import parse_variant_args, profile_for
    from workbench.compare.requests import LiveCompare
    from workbench.demo.scenario import scenario_needs_git
    from workbench.tools.git import GIT_MISSING, git_available

    profile = profile_for(args)
    variants = parse_variant_args(scenario.variants)
    if scenario_needs_git(scenario) and not git_available():  # said before the screen opens
        print(f"workbench: the {scenario.name} demo builds a real git repository, and "
              f"{GIT_MISSING}", file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    from workbench.tui.app import create_app

    request = LiveCompare(
        profile=profile,
        prompt=scenario.prompt,
        variants=variants,
        scenario=scenario.name,
        speed=args.speed,
        session_dir=args.record_dir,
    )
    return create_app(compare=request).run_to_exit_code()


def _headless(args: argparse.Namespace, scenario: Any) -> int:
    from workbench.cli.compare import execute, parse_variant_args, profile_for
    from workbench.config import ProfileError
    from workbench.demo.session import DemoUnavailable, prepare_demo

    profile = profile_for(args)
    variants = parse_variant_args(scenario.variants)
    try:
        with prepare_demo(scenario, profile, variants, args.speed) as demo:
            return execute(
                demo.profile,
                scenario.prompt,
                demo.variants,
                args,
                setup=demo.setup,
                preface=demo.preface,
                extra=demo.extra,
            )
    except DemoUnavailable as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except ProfileError as exc:
        raise UsageError(str(exc)) from None
