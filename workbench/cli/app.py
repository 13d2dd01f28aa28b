"""No subcommand: the app, on the default profile or ``--profile``."""

from __future__ import annotations

import argparse

from workbench.cli.common import EXIT_OK, UsageError


def run_app(args: argparse.Namespace) -> int:
    from workbench import gcpolicy

    gcpolicy.pause_startup()  # until the first frame (the app resumes it then)
    # The screen first: reading and validating the profile (~130 ms of imports and schema building)
    # happens as the runtime starts, after the first frame. A profile that fails there still ends
    # the command with its one-paragraph error and exit 2, as before the screen opened.
    from workbench.tui.app import create_app
    from workbench.tui.ports import RuntimeLike, default_runtime_factory

    start_runtime = default_runtime_factory(args.record)
    failed: list[Exception] = []
    first = [True]

    async def start(name: str | None) -> RuntimeLike:
        is_first, first[0] = first[0], False
        try:
            return await start_runtime(name)
        except Exception as exc:
            from workbench.config import ProfileError  # loaded by now: the start read the profile

            if is_first and isinstance(exc, ProfileError):
                failed.append(exc)
                app.exit()
            raise

    app = create_app(profile=args.profile, runtime_factory=start)
    code = app.run_to_exit_code()
    if failed:
        raise UsageError(str(failed[0]))
    return code or EXIT_OK
