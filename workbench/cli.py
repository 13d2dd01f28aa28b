"""The ``workbench`` command.

Only argparse is imported at start so ``workbench --help`` stays fast; each subcommand imports what it
needs (and a vendor SDK only when its provider is used). Exit codes: 0 success, 1 a failure at run
time, 2 bad usage or an invalid profile, 130 interrupted. Errors are one paragraph, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from workbench.config.profile import Profile
    from workbench.runtime import Runtime

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


_UNSET: Any = object()  # "flag not given", as distinct from "--tool-timeout off" (None)


class UsageError(Exception):
    """Bad input from the user: exit 2 with this message."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="See, and prove, what parallel tool calling does. With no command, opens the app.",
    )
    parser.add_argument("--profile", "-p", help="profile name or YAML path (default: local)")
    parser.add_argument("--record", type=Path, metavar="PATH", help="record the session here")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

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
    run.add_argument(
        "--sequential", action="store_true", help="execute the calls of a batch one at a time"
    )
    run.add_argument(
        "--max-concurrent", type=_positive_int, metavar="N", help="cap on running calls"
    )
    run.add_argument(
        "--tool-timeout",
        type=_timeout,
        default=_UNSET,
        metavar="S",
        help="per-call timeout in seconds, or 'off'",
    )
    run.add_argument(
        "--retries", type=_non_negative_int, metavar="N", help="retries per failing call"
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

    profiles = sub.add_parser("profiles", help="list profiles, or validate the given files")
    profiles.add_argument("files", nargs="*", type=Path, help="profile files to validate")

    replay = sub.add_parser("replay", help="replay a recorded session")
    replay.add_argument("file", type=Path, help="a session .jsonl file")
    replay.add_argument("--headless", action="store_true", help="print the timeline instead")
    replay.add_argument(
        "--speed", default="1", help="1, 2, 10 or instant (the app's starting speed)"
    )

    emulate = sub.add_parser("emulate", help="serve the four provider APIs on loopback")
    emulate.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765)")
    emulate.add_argument(
        "--chunk-delay-ms", type=float, default=20.0, help="pause between streamed chunks"
    )
    bad = emulate.add_argument_group("misbehaving (to try the error paths)")
    bad.add_argument("--fail", type=int, metavar="STATUS", help="answer with this HTTP status")
    bad.add_argument(
        "--times", type=int, default=1, help="for how many requests (-1: forever; default 1)"
    )
    bad.add_argument(
        "--drop-after", type=_non_negative_int, metavar="N", help="cut streams after N events"
    )
    bad.add_argument(
        "--error-after", type=_non_negative_int, metavar="N", help="error event after N events"
    )
    bad.add_argument("--first-byte-delay", type=float, default=0.0, metavar="S", help="stall first")
    return parser


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _timeout(text: str) -> float | None:
    if text.lower() in {"off", "none", "0"}:
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds (or 'off')")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from workbench import __version__

        print(f"workbench {__version__}")
        return EXIT_OK
    try:
        match args.command:
            case "run":
                return _run(args)
            case "profiles":
                return _profiles(args.files)
            case "replay":
                return _replay(args)
            case "emulate":
                return _emulate(args)
            case _:
                return _app(args)
    except UsageError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\nworkbench: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


# -- profiles -------------------------------------------------------------------------------------


def _load_profile(name: str | None) -> Profile:
    from workbench.config import DEFAULT_PROFILE, ProfileError, resolve_profile

    try:
        return resolve_profile(name or DEFAULT_PROFILE)
    except ProfileError as exc:
        raise UsageError(str(exc)) from None


def _profile_for_run(args: argparse.Namespace) -> Profile:
    from workbench.config import ProfileError

    profile = _load_profile(args.run_profile or args.profile)
    overrides: dict[str, Any] = {}
    if args.base_url:
        overrides["base_url"] = args.base_url
    if args.model:
        overrides["model"] = args.model
    if args.sequential:
        overrides["concurrent_tool_execution"] = False
    if args.max_concurrent is not None:
        overrides["max_concurrent_tools"] = args.max_concurrent
    if args.tool_timeout is not _UNSET:
        overrides["tool_timeout_s"] = args.tool_timeout
    if args.retries is not None:
        overrides["tool_retries"] = args.retries
    if args.function_calling_mode:
        overrides["function_calling_mode"] = args.function_calling_mode
    if args.parallel is not None:
        if profile.type == "anthropic":
            overrides["disable_parallel_tool_use"] = not args.parallel
        elif profile.type != "gemini":  # Gemini has no switch; the runtime applies it instead
            overrides["parallel_tool_calls"] = args.parallel
    if not overrides:
        return profile
    try:
        return profile.with_overrides(**overrides)
    except ProfileError as exc:
        flag = _FLAG_FOR_FIELD.get(exc.field or "")
        raise UsageError(f"{flag}: {exc.message}" if flag else str(exc)) from None


_FLAG_FOR_FIELD = {
    "max_concurrent_tools": "--max-concurrent",
    "tool_timeout_s": "--tool-timeout",
    "tool_retries": "--retries",
    "base_url": "--base-url",
    "model": "--model",
}


def _profiles(files: list[Path]) -> int:
    from workbench.config import DEFAULT_PROFILE, ProfileError, discover_profiles, load_profile_file

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
        else:
            print(f"✗ {entry.name:<{width}}  invalid: {entry.error}", file=out)
    return EXIT_OK


# -- run ------------------------------------------------------------------------------------------


def _run(args: argparse.Namespace) -> int:
    if not args.prompt.strip():
        raise UsageError('the prompt is empty: say what to ask, e.g. workbench run "get_date()"')
    profile = _profile_for_run(args)
    faults = [_parse_fault(text) for text in args.fault]
    try:
        return asyncio.run(_run_async(args, profile, faults))
    except asyncio.CancelledError:  # a second Ctrl-C: stopped at once
        print("workbench: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _parse_fault(text: str) -> tuple[str, Any]:
    tool, sep, kind = text.partition("=")
    if not sep or kind not in {"slow", "flaky", "hang", "off"}:
        raise UsageError(f"--fault takes TOOL=slow|flaky|hang|off, not {text!r}")
    return tool, kind


async def _run_async(
    args: argparse.Namespace, profile: Profile, faults: list[tuple[str, Any]]
) -> int:
    from workbench.core.events import ErrorEvent, TurnFinished
    from workbench.core.provider import ProviderError
    from workbench.gcpolicy import freeze_startup
    from workbench.runtime import Runtime
    from workbench.session.format import SessionFileError
    from workbench.tools.loading import ToolLoadError

    record = args.run_record or args.record
    try:
        runtime = await Runtime.start(profile, record=record, recording=not args.no_record)
    except ProviderError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return EXIT_USAGE if exc.kind == "config" else EXIT_FAILED
    except ToolLoadError as exc:
        raise UsageError(str(exc)) from None
    except SessionFileError as exc:
        raise UsageError(f"{exc} (choose another --record path, or --no-record)") from None
    freeze_startup()
    recording_failed = False
    try:
        if args.parallel is not None and profile.type == "gemini":
            runtime.update_settings(parallel=args.parallel, source="cli")
        for tool, kind in faults:
            try:
                runtime.update_settings(fault=(tool, kind), source="cli")
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        consume = _json_printer(sys.stdout) if args.json else _timeline_printer(sys.stdout)
        status = "error"
        failed = False
        with _interrupts(runtime) as interrupted:
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


@contextlib.contextmanager
def _interrupts(runtime: Runtime) -> Iterator[Callable[[], bool]]:
    """The first Ctrl-C cancels the turn the way Esc does in the app, so the cancelled calls and the
    turn's totals are still printed and recorded; a second one stops at once."""
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    count = 0

    def on_interrupt() -> None:
        nonlocal count
        count += 1
        if count == 1 and runtime.cancel_turn():
            print("\ncancelling (Ctrl-C again to stop at once)", file=sys.stderr)
        elif main is not None:
            main.cancel()

    try:
        loop.add_signal_handler(signal.SIGINT, on_interrupt)
    except (NotImplementedError, RuntimeError):  # no signal handlers here (Windows, a thread)
        yield lambda: False
        return
    try:
        yield lambda: count > 0
    finally:
        loop.remove_signal_handler(signal.SIGINT)


def _timeline_printer(out: TextIO) -> Any:
    from workbench.render.printer import TerminalPrinter

    return TerminalPrinter(out).handle


def _json_printer(out: TextIO) -> Any:
    def emit(event: Any) -> None:
        out.write(event.model_dump_json())
        out.write("\n")
        out.flush()

    return emit


# -- replay ---------------------------------------------------------------------------------------


def _replay(args: argparse.Namespace) -> int:
    from workbench.session import SessionFormatError, load_session

    speed = _speed(args.speed)
    try:
        session = load_session(args.file)
    except (SessionFormatError, OSError) as exc:
        raise UsageError(str(exc)) from None
    for problem in session.problems:
        print(f"workbench: {args.file}: {problem}", file=sys.stderr)
    if not args.headless:
        from workbench.tui.app import create_app

        create_app(replay=args.file, replay_speed=speed).run()
        return EXIT_OK
    printer = _timeline_printer(sys.stdout)
    for event in session.events:
        printer(event)
    return EXIT_OK


def _speed(text: str) -> float | None:
    if text.lower() in {"instant", "max", "inf"}:
        return None
    try:
        value = float(text.rstrip("x×"))
    except ValueError:
        raise UsageError(f"--speed takes 1, 2, 10 or instant, not {text!r}") from None
    if value <= 0:
        raise UsageError("--speed must be more than 0")
    return value


# -- emulate and the app --------------------------------------------------------------------------


def _emulate(args: argparse.Namespace) -> int:
    from workbench.emulator.server import Misbehaviour, serve_forever

    misbehaviour = None
    if (
        args.fail is not None
        or args.drop_after is not None
        or args.error_after is not None
        or args.first_byte_delay
    ):
        misbehaviour = Misbehaviour(
            status=args.fail,
            times=args.times,
            retry_after_ms=1 if args.fail in (429, 500, 502, 503, 529) else None,
            first_byte_delay_s=args.first_byte_delay,
            drop_after_events=args.drop_after,
            error_event_after=args.error_after,
        )
    try:
        serve_forever(
            args.port, chunk_delay_s=args.chunk_delay_ms / 1000.0, misbehaviour=misbehaviour
        )
    except OSError as exc:
        print(f"workbench: cannot serve on 127.0.0.1:{args.port}: {exc.strerror}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _app(args: argparse.Namespace) -> int:
    _load_profile(args.profile)  # a bad profile is a clear error before the screen opens
    from workbench.tui.app import create_app

    create_app(profile=args.profile, record=args.record).run()
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
