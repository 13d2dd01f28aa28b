"""``workbench run``: one prompt, headless, with the timeline printed as the batches run."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PIPE,
    EXIT_USAGE,
    UsageError,
    exit_for_signal,
    interrupts,
    json_printer,
    load_profile,
    silence_stdout,
    timeline_printer,
)
from workbench.cli.knob_flags import add_knob_flags, flag_for_field, knob_change

if TYPE_CHECKING:
    from workbench.config.profile import Profile
    from workbench.export.live import LiveExport


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help="run one prompt headless and print the timeline")
    run.add_argument("prompt", help="what to ask the model")
    run.add_argument("--profile", "-p", dest="run_profile", help="profile name or YAML path")
    run.add_argument("--record", dest="run_record", type=Path, metavar="PATH", help="session file")
    run.add_argument("--no-record", action="store_true", help="do not record this run")
    add_recording_options(run)
    add_knob_flags(run)
    run.add_argument("--base-url", help="override the profile's endpoint")
    run.add_argument("--model", help="override the profile's model")
    run.add_argument("--json", action="store_true", help="print events as JSON lines instead")
    run.set_defaults(func=run_command)


def add_recording_options(parser: argparse.ArgumentParser) -> None:
    """What recording to an existing file, or failing to write, does (``run`` and the app)."""
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="let --record replace an existing session file",
    )
    parser.add_argument(
        "--record-errors",
        choices=["stop", "continue"],
        default="stop",
        help="when the session file cannot be written (a full disk): stop the run (default), or"
        " go on without recording",
    )


def run_command(args: argparse.Namespace) -> int:
    if not args.prompt.strip():
        raise UsageError('the prompt is empty: say what to ask, e.g. workbench run "get_date()"')
    profile = profile_for_run(args)
    try:
        return asyncio.run(_run_async(args, profile))
    except asyncio.CancelledError:  # a second Ctrl-C: stopped at once
        print("workbench: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def profile_for_run(args: argparse.Namespace) -> Profile:
    """The profile with the run's flags applied; a refused value names its flag."""
    from workbench.config import ProfileError

    profile = load_profile(getattr(args, "run_profile", None) or args.profile)
    overrides: dict[str, Any] = {}
    if args.base_url:
        overrides["base_url"] = args.base_url
    if args.model:
        overrides["model"] = args.model
    change = knob_change(args)
    for entry, value in change.items():
        if entry.name == "parallel":
            overrides.update(parallel_overrides(profile, value))
        elif entry.name != "fault" and entry.profile_field is not None:  # faults apply live
            overrides[entry.profile_field] = entry.profile_value(value)
    if not overrides:
        return profile
    try:
        return profile.with_overrides(**overrides)
    except ProfileError as exc:
        flag = _FLAGS.get(exc.field or "") or flag_for_field(exc.field or "")
        raise UsageError(f"{flag}: {exc.message}" if flag else str(exc)) from None


def parallel_overrides(profile: Profile, parallel: bool) -> dict[str, Any]:
    """The profile field that is this provider's parallel switch, set for ``parallel``; nothing
    where the switch is emulated (Gemini: the runtime applies it live). A rejected switch is a
    usage error with the capability table's reason."""
    row = profile.provider_row
    if row.refusal("parallel") is not None:
        if not parallel:
            raise UsageError(f"--no-parallel-emission: {row.refusal('parallel')}")
        return {}  # parallel is what this endpoint does anyway
    return row.parallel_fields(parallel)


_FLAGS = {"base_url": "--base-url", "model": "--model"}
"""The flags that set a profile field and are not a knob's (those the knob table names)."""


def _live_export(profile: Profile) -> LiveExport | None:
    """Live OpenTelemetry export, when the profile or the OTEL variables ask for it; a failure is
    one line on stderr and changes nothing else."""
    from workbench.export.live import sink_from_env

    def problem(message: str) -> None:
        print(f"workbench: {message}", file=sys.stderr)

    try:
        return sink_from_env(profile, on_problem=problem)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


async def _run_async(args: argparse.Namespace, profile: Profile) -> int:
    from workbench.core.events import ErrorEvent, TurnFinished
    from workbench.core.knobs import KnobChange
    from workbench.core.provider import ProviderError
    from workbench.gcpolicy import freeze_startup
    from workbench.runtime import Runtime
    from workbench.session.format import SessionFileError
    from workbench.session.recorder import SessionPathTaken
    from workbench.tools.loading import ToolLoadError

    record = args.run_record or args.record
    live = _live_export(profile)
    try:
        runtime = await Runtime.start(
            profile,
            record=record,
            recording=not args.no_record,
            extra_sinks=[live] if live is not None else None,
            overwrite=args.overwrite,
            record_errors=args.record_errors,
        )
    except ProviderError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return EXIT_USAGE if exc.kind == "config" else EXIT_FAILED
    except ToolLoadError as exc:
        raise UsageError(str(exc)) from None
    except SessionPathTaken as exc:
        raise UsageError(str(exc)) from None
    except SessionFileError as exc:
        raise UsageError(f"{exc} (choose another --record path, or --no-record)") from None
    if live is not None:
        live.attach(runtime)
    freeze_startup()
    recording_failed = False
    printer = json_printer(sys.stdout) if args.json else timeline_printer(sys.stdout)
    pipe_closed = False

    def consume(event: Any) -> None:
        # A reader that went away (`| head`) cancels the turn, which is still drained to its
        # end, so the session file closes it like any cancel; nothing more is printed.
        nonlocal pipe_closed
        if pipe_closed:
            return
        try:
            printer(event)
        except BrokenPipeError:
            pipe_closed = True
            silence_stdout()
            runtime.cancel_turn()

    try:
        for notice in runtime.start_notices:
            consume(notice)
        change = knob_change(args)
        if change.parallel is not None and profile.provider_row.profile_field is None:
            runtime.apply(KnobChange(parallel=change.parallel), source="cli")
        for pair in change.faults:
            try:
                runtime.apply(KnobChange(faults=(pair,)), source="cli")
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        status = "error"
        failed = False
        with interrupts(runtime) as interrupted:
            try:
                async for event in runtime.run_turn(args.prompt):
                    consume(event)
                    if isinstance(event, ErrorEvent):
                        failed = True
                    elif isinstance(event, TurnFinished):
                        status = event.status
            except asyncio.CancelledError:
                if interrupted() is None:  # not ours: a cancellation from elsewhere
                    raise
                # A second signal: stopped at once. The session is still closed below, and the
                # exit code is the signal's (143 for SIGTERM, 130 for Ctrl-C).
                print("workbench: interrupted", file=sys.stderr)
    finally:
        try:
            await runtime.aclose()
        except SessionFileError as exc:
            # The run itself went on; what was written before the failure still loads.
            print(f"workbench: the session was not fully recorded: {exc}", file=sys.stderr)
            recording_failed = True
    if pipe_closed:
        return EXIT_PIPE
    if runtime.recording_failure is not None:
        recording_failed = runtime.record_errors == "stop"
        print(f"workbench: {runtime.recording_failure}", file=sys.stderr)
    if runtime.session_path is not None and not args.json:
        print(f"session: {runtime.session_path}", file=sys.stderr)
    signum = interrupted()
    if signum is not None:
        return exit_for_signal(signum)
    if failed or recording_failed or status != "completed":
        return EXIT_FAILED
    return EXIT_OK
