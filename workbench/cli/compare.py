"""``workbench compare``: one prompt under several settings, side by side, with the figures of each.

Exit codes: 0 every variant completed, 1 one failed at run time (the others still finish and print),
2 bad usage (an unknown knob or value, a duplicate variant name, no prompt), 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.cli.common import EXIT_INTERRUPTED, UsageError, load_profile
from workbench.core.knobs import listing

if TYPE_CHECKING:
    from workbench.compare.variants import Variant
    from workbench.config.profile import Profile

SPEC_HELP = (
    f"NAME:knob=value,… with knobs {listing()} (repeatable; the first is the baseline; default: "
    "sequential, parallel-emission, parallel)"
)


def add_common(parser: argparse.ArgumentParser) -> None:
    """The options compare and demo share."""
    parser.add_argument("--profile", "-p", dest="cmp_profile", help="profile name or YAML path")
    parser.add_argument("--base-url", help="override the profile's endpoint")
    parser.add_argument("--model", help="override the profile's model")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object (docs/compare.md)"
    )
    parser.add_argument(
        "--one-at-a-time",
        action="store_true",
        help="run the variants one after another (for providers with tight rate limits)",
    )
    parser.add_argument(
        "--record-dir",
        type=Path,
        metavar="DIR",
        help="where the sessions and the compare manifest go (default: a new folder in the "
        "sessions directory)",
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "compare", help="run one prompt under several settings and compare the figures"
    )
    parser.add_argument("prompt", nargs="?", default="", help="what to ask the model")
    parser.add_argument("--variant", action="append", default=[], metavar="SPEC", help=SPEC_HELP)
    add_common(parser)
    parser.set_defaults(func=run)


def parse_variant_args(texts: list[str]) -> list[Variant]:
    from workbench.compare.variants import DEFAULT_VARIANTS, parse_variants
    from workbench.core.knobs import KnobError

    try:
        return parse_variants(texts or list(DEFAULT_VARIANTS))
    except KnobError as exc:
        raise UsageError(str(exc)) from None


def profile_for(args: argparse.Namespace) -> Profile:
    from workbench.config import ProfileError

    profile = load_profile(args.cmp_profile or getattr(args, "profile", None))
    overrides: dict[str, Any] = {}
    if args.base_url:
        overrides["base_url"] = args.base_url
    if args.model:
        overrides["model"] = args.model
    if not overrides:
        return profile
    try:
        return profile.with_overrides(**overrides)
    except ProfileError as exc:
        raise UsageError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    prompt = args.prompt.strip()
    if not prompt:
        raise UsageError(
            'no prompt: say what to ask, e.g. workbench compare "weather in Tokyo and Paris"'
        )
    variants = parse_variant_args(args.variant)
    profile = profile_for(args)
    return execute(
        profile, prompt, variants, args, preface=[f"profile: {profile.name} ({profile.type})"]
    )


def execute(
    profile: Profile,
    prompt: str,
    variants: list[Variant],
    args: argparse.Namespace,
    *,
    setup: Any = None,
    preface: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> int:
    """Run the comparison headless and print it; the exit status."""
    from workbench.compare.headless import HeadlessCompare
    from workbench.compare.runner import CompareRunner
    from workbench.core.provider import ProviderError
    from workbench.gcpolicy import freeze_startup
    from workbench.providers.factory import resolve_api_key

    try:  # a missing key would fail every variant alike: say it once, before anything runs
        resolve_api_key(profile)
    except ProviderError as exc:
        raise UsageError(exc.message) from None

    async def main() -> int:
        runner = CompareRunner(
            profile,
            prompt,
            variants,
            one_at_a_time=args.one_at_a_time,
            setup=setup,
            session_dir=args.record_dir,
        )
        freeze_startup()
        headless = HeadlessCompare(
            sys.stdout, json_mode=args.json, preface=preface or [], extra=extra
        )
        return await headless.run(runner)

    try:
        return asyncio.run(main())
    except asyncio.CancelledError:  # a second Ctrl-C: stopped at once
        print("workbench: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
