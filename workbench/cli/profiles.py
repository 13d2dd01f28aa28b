"""``workbench profiles``: every profile found, or validate the given files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbench.cli.common import EXIT_OK, EXIT_USAGE


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    profiles = sub.add_parser("profiles", help="list profiles, or validate the given files")
    profiles.add_argument("files", nargs="*", type=Path, help="profile files to validate")
    profiles.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.config import DEFAULT_PROFILE, ProfileError, discover_profiles, load_profile_file

    files: list[Path] = args.files
    out = sys.stdout
    if files:
        failed = 0
        for path in files:
            try:
                loaded = load_profile_file(path)
            except ProfileError as exc:
                failed += 1
                print(f"✗ {exc}", file=out)
                continue
            names = ", ".join(p.name for p in loaded)
            print(f"✓ {path}: valid ({names})", file=out)
            for profile in loaded:
                for warning in profile.warnings():
                    print(f"  ! {profile.name}: {warning}", file=out)
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
        else:
            print(f"✗ {entry.name:<{width}}  invalid: {entry.error}", file=out)
    return EXIT_OK
