"""``workbench profiles``: every profile found, or validate the given files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from workbench.cli.common import EXIT_OK, EXIT_USAGE


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    profiles = sub.add_parser("profiles", help="list profiles, or validate the given files")
    profiles.add_argument("files", nargs="*", type=Path, help="profile files to validate")
    profiles.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.config import DEFAULT_PROFILE, discover_profiles

    files: list[Path] = args.files
    out = sys.stdout
    if files:
        failed = sum(not _validate(str(path), out) for path in files)
        return EXIT_OK if failed == 0 else EXIT_USAGE
    entries = discover_profiles()
    if not entries:
        print("no profiles found", file=out)
        return EXIT_OK
    width = max(len(e.name) for e in entries)
    for entry in entries:
        if entry.profile is not None:
            p = entry.profile
            mark = "*" if entry.name == DEFAULT_PROFILE else " "
            detail = f"{p.type:<17} {p.model or '-':<28} {entry.path}"
            print(f"{mark} {entry.name:<{width}}  {detail}", file=out)
            if p.description:
                print(f"  {'':<{width}}  {p.description}", file=out)
            for warning in entry.warnings:
                print(f"  {'':<{width}}  ! {warning}", file=out)
        elif entry.not_runnable is not None:
            print(f"- {entry.name:<{width}}  not runnable: {entry.not_runnable}", file=out)
        else:
            print(f"✗ {entry.name:<{width}}  invalid: {entry.error}", file=out)
    return EXIT_OK


def _validate(arg: str, out: TextIO) -> bool:
    """``FILE`` or ``FILE#agent_id``: valid or not, each agent's provider and model, and the
    MassGen agents that cannot run with the reason."""
    from workbench.config import ProfileError
    from workbench.config.discovery import pick_agent, split_agent
    from workbench.config.loader import load_file

    base, agent = split_agent(arg)
    path = Path(base).expanduser()
    try:
        loaded = load_file(path)
        profiles = [pick_agent(loaded, agent, path)] if agent else loaded.profiles
        if not profiles:
            pick_agent(loaded, None, path)  # raises: nothing here can run
    except ProfileError as exc:
        print(f"✗ {exc}", file=out)
        return False
    others = [] if agent else loaded.not_runnable
    names = ", ".join(p.name for p in profiles)
    print(f"✓ {arg}: valid ({names})", file=out)
    width = max(len(n) for n in [*(p.name for p in profiles), *(a.name for a in others)])
    for profile in profiles:
        print(f"  {profile.name:<{width}}  {profile.type:<17} {profile.model or '-'}", file=out)
        for warning in profile.warnings():
            print(f"  ! {profile.name}: {warning}", file=out)
    for other in others:
        print(f"  {other.name:<{width}}  not runnable: {other.reason}", file=out)
    return True
