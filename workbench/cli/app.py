"""No subcommand: the app, on the default profile or ``--profile``."""

from __future__ import annotations

import argparse

from workbench.cli.common import EXIT_OK, load_profile


def run_app(args: argparse.Namespace) -> int:
    load_profile(args.profile)  # a bad profile is a clear error before the screen opens
    from workbench.tui.app import create_app

    create_app(profile=args.profile, record=args.record).run()
    return EXIT_OK
