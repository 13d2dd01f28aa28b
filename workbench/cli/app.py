"""No subcommand: the app, on the default profile or ``--profile``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Iterator
from types import FrameType
from typing import TYPE_CHECKING

from workbench.cli.common import EXIT_OK, EXIT_TERMINATED, Terminated, UsageError

if TYPE_CHECKING:
    from workbench.tui.app import WorkbenchApp


def run_app(args: argparse.Namespace) -> int:
    from workbench import gcpolicy

    overwrite = getattr(args, "app_overwrite", False)
    if args.record is not None:  # refused before the screen opens, not after
        from workbench.session.recorder import SessionPathTaken, check_free

        try:
            check_free(args.record, overwrite=overwrite)
        except SessionPathTaken as exc:
            raise UsageError(str(exc)) from None
    gcpolicy.pause_startup()  # until the first frame (the app resumes it then)
    # The screen first: reading and validating the profile (~130 ms of imports and schema building)
    # happens as the runtime starts, after the first frame. A profile that fails there still ends
    # the command with its one-paragraph error and exit 2, as before the screen opened; so does a
    # --record path that is not free to record to.
    from workbench.tui.app import create_app
    from workbench.tui.ports import RuntimeLike, default_runtime_factory

    start_runtime = default_runtime_factory(args.record, overwrite=overwrite)
    failed: list[Exception] = []
    first = [True]

    async def start(name: str | None) -> RuntimeLike:
        is_first, first[0] = first[0], False
        try:
            return await start_runtime(name)
        except Exception as exc:
            from workbench.config import ProfileError  # loaded by now: the start read the profile
            from workbench.session.format import SessionFileError

            if is_first and isinstance(exc, ProfileError | SessionFileError):
                failed.append(exc)
                app.exit()
            raise

    app = create_app(profile=args.profile, runtime_factory=start)
    with terminates(app):
        code = app.run_to_exit_code()
    if failed:
        raise UsageError(str(failed[0]))
    return code or EXIT_OK


@contextlib.contextmanager
def terminates(app: WorkbenchApp) -> Iterator[None]:
    """SIGTERM ends the app as quitting does: the screens close, which cancels a running turn
    and closes it in the session file (every call gets its result), then the command exits 143."""

    def on_term(signum: int, frame: FrameType | None) -> None:
        try:
            loop = asyncio.get_running_loop()  # the app's, when it is running on this thread
        except RuntimeError:
            raise Terminated from None
        loop.call_soon_threadsafe(lambda: app.exit(return_code=EXIT_TERMINATED))

    try:
        previous = signal.signal(signal.SIGTERM, on_term)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
