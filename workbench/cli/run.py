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
    EXIT_USAGE,
    UsageError,
    interrupts,
    json_printer,
    load_profile,
    non_negative_int,
    positive_int,
    timeline_printer,
    timeout,
)

if TYPE_CHECKING:
    from workbench.config.profile import Profile
    from workbench.export.live import LiveExport

_UNSET: Any = object()  # "flag not given", as distinct from "--tool-timeout off" (None)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help="run one prompt headless and print the timeline")
    run.add_argument("prompt", help="what to ask the model")
    run.add_argument("--profile", "-p", dest="run_profile", help="profile name or YAML path")
    run.add_argument("--record", dest="run_record", type=Path, metavar="PATH", help="session file")
    run.add_argument("--no-record", action="store_true", help="do not record this run")
    emit = run.add_mutually_exclusive_group()
    emit.add_argument(
        "--no-parallel-emission",
        dest="parallel",
        action="store_false",
        default=None,
        help="the model may emit one call per response (more round trips)",
    )
    emit.add_argument(
        "--parallel-emission", dest="parallel", action="store_true", help="allow several calls"
    )
    strict = run.add_mutually_exclusive_group()
    strict.add_argument(
        "--strict-tools",
        dest="strict_tools",
        action="store_true",
        default=None,
        help="send tool schemas in strict form (OpenAI APIs; see workbench providers)",
    )
    strict.add_argument(
        "--no-strict-tools", dest="strict_tools", action="store_false", help="non-strict schemas"
    )
    run.add_argument(
        "--sequential", action="store_true", help="execute the calls of a batch one at a time"
    )
    run.add_argument(
        "--max-concurrent", type=positive_int, metavar="N", help="cap on running calls"
    )
    run.add_argument(
        "--tool-timeout",
        type=timeout,
        default=_UNSET,
        metavar="S",
        help="per-call timeout in seconds, or 'off'",
    )
    run.add_argument(
        "--retries", type=non_negative_int, metavar="N", help="retries per failing call"
    )
    run.add_argument(
        "--function-calling-mode",
        choices=["AUTO", "ANY", "NONE"],
        type=str.upper,
        help="AUTO/ANY/NONE",
    )
    run.add_argument("--fault", action="append", default=[], metavar="TOOL=KIND",
                     help="inject a fault: slow, flaky, hang or off (repeatable)")  # fmt: skip
    run.add_argument("--base-url", help="override the profile's endpoint")
    run.add_argument("--model", help="override the profile's model")
    run.add_argument("--json", action="store_true", help="print events as JSON lines instead")
    run.set_defaults(func=run_command)


def run_command(args: argparse.Namespace) -> int:
    if not args.prompt.strip():
        raise UsageError('the prompt is empty: say what to ask, e.g. workbench run "get_date()"')
    profile = profile_for_run(args)
    faults = [_parse_fault(text) for text in args.fault]
    try:
        return asyncio.run(_run_async(args, profile, faults))
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
    if getattr(args, "sequential", False):
        overrides["concurrent_tool_execution"] = False
    if getattr(args, "max_concurrent", None) is not None:
        overrides["max_concurrent_tools"] = args.max_concurrent
    if getattr(args, "tool_timeout", _UNSET) is not _UNSET:
        overrides["tool_timeout_s"] = args.tool_timeout
    if getattr(args, "retries", None) is not None:
        overrides["tool_retries"] = args.retries
    if getattr(args, "function_calling_mode", None):
        overrides["function_calling_mode"] = args.function_calling_mode
    if getattr(args, "strict_tools", None) is not None:
        overrides["strict_tools"] = args.strict_tools
    if getattr(args, "parallel", None) is not None:
        overrides.update(parallel_overrides(profile, args.parallel))
    if not overrides:
        return profile
    try:
        return profile.with_overrides(**overrides)
    except ProfileError as exc:
        flag = _FLAG_FOR_FIELD.get(exc.field or "")
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


_FLAG_FOR_FIELD = {
    "max_concurrent_tools": "--max-concurrent",
    "tool_timeout_s": "--tool-timeout",
    "tool_retries": "--retries",
    "base_url": "--base-url",
    "model": "--model",
    "strict_tools": "--strict-tools",
}


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


def _parse_fault(text: str) -> tuple[str, Any]:
    tool, sep, kind = text.partition("=")
    if not sep or kind not in {"slow", "flaky", "hang", "off"}:
        raise UsageError(f"--fault takes TOOL=slow|flaky|hang|off, not {text!r}")
    return tool, kind


async def _run_async(
    args: argparse.Namespace, profile: Profile, faults: list[tuple[str, Any]]
) -> int:
    from workbench.core.events import ErrorEvent, TurnFinished
    from workbench.core.knobs import KnobChange
    from workbench.core.provider import ProviderError
    from workbench.gcpolicy import freeze_startup
    from workbench.runtime import Runtime
    from workbench.session.format import SessionFileError
    from workbench.tools.loading import ToolLoadError

    record = args.run_record or args.record
    live = _live_export(profile)
    try:
        runtime = await Runtime.start(
            profile,
            record=record,
            recording=not args.no_record,
            extra_sinks=[live] if live is not None else None,
        )
    except ProviderError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return EXIT_USAGE if exc.kind == "config" else EXIT_FAILED
    except ToolLoadError as exc:
        raise UsageError(str(exc)) from None
    except SessionFileError as exc:
        raise UsageError(f"{exc} (choose another --record path, or --no-record)") from None
    if live is not None:
        live.attach(runtime)
    freeze_startup()
    recording_failed = False
    consume = json_printer(sys.stdout) if args.json else timeline_printer(sys.stdout)
    try:
        for notice in runtime.start_notices:
            consume(notice)
        if args.parallel is not None and profile.provider_row.profile_field is None:
            runtime.apply(KnobChange(parallel=args.parallel), source="cli")
        for tool, kind in faults:
            try:
                runtime.apply(KnobChange(faults=((tool, kind),)), source="cli")
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        status = "error"
        failed = False
        with interrupts(runtime) as interrupted:
            async for event in runtime.run_turn(args.prompt):
                consume(event)
                if isinstance(event, ErrorEvent):
                    failed = True
                elif isinstance(event, TurnFinished):
                    status = event.status
    finally:
        try:
            await runtime.aclose()
        except SessionFileError as exc:
            # The run itself went on; what was written before the failure still loads.
            print(f"workbench: the session was not fully recorded: {exc}", file=sys.stderr)
            recording_failed = True
    if runtime.session_path is not None and not args.json:
        print(f"session: {runtime.session_path}", file=sys.stderr)
    if interrupted():
        return EXIT_INTERRUPTED
    if failed or recording_failed or status != "completed":
        return EXIT_FAILED
    return EXIT_OK
