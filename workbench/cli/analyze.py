"""``workbench analyze``: per batch its recorded wall and simulated what-if walls; per turn the advisor.

Everything comes from the recording: nothing calls a model or runs a tool. What-if walls are simulated
from the recorded call durations (``workbench.analysis.simulate``) and say so.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from workbench.cli.common import EXIT_OK, UsageError, input_path, positive_int

if TYPE_CHECKING:
    from workbench.analysis.report import BatchAnalysis, SessionAnalysis


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    analyze = sub.add_parser(
        "analyze",
        help="what-if walls per batch and the round-trip advisor, from a recorded session",
        description="Per batch: its recorded wall, and its wall simulated sequentially, at each cap"
        " and unbounded, from the recorded call durations. Per turn: which round trips could have"
        " been one response, and what that would have saved.",
    )
    analyze.add_argument("file", type=input_path, help="a session .jsonl file")
    analyze.add_argument(
        "--cap",
        type=positive_int,
        action="append",
        metavar="N",
        help="simulate at most N calls at once (repeat for several; default: 1, 2, 4, 8 and the"
        " recorded cap)",
    )
    analyze.add_argument("--json", action="store_true", help="one JSON object (docs/analysis.md)")
    analyze.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import orjson

    from workbench.analysis import analyse, from_recording, read_recording
    from workbench.session import SessionError

    try:
        recording = read_recording(args.file)
    except SessionError as exc:
        raise UsageError(str(exc)) from None
    report = analyse(from_recording(recording), args.cap)
    for problem in report.session.problems:
        print(f"workbench: {args.file}: {problem}", file=sys.stderr)
    if args.json:
        sys.stdout.write(orjson.dumps(report.to_json(), option=orjson.OPT_INDENT_2).decode() + "\n")
        return EXIT_OK
    print_report(report, sys.stdout)
    return EXIT_OK


def print_report(report: SessionAnalysis, out: TextIO) -> None:
    session = report.session
    print(f"session {session.path}", file=out)
    if session.interrupted is not None:
        print(session.interrupted, file=out)
    if not report.batches:
        print("no batches in this session: no tool calls were run", file=out)
    else:
        print("what-if walls are simulated from the recorded call durations", file=out)
    advice_by_turn: dict[int, list[str]] = {}
    for advice in report.advice:
        advice_by_turn.setdefault(advice.turn, []).append(advice.sentence())
    turns = sorted({b.batch.turn for b in report.batches} | set(advice_by_turn))
    for turn in turns:
        print(f"\nturn {turn}", file=out)
        for analysis in report.batches:
            if analysis.batch.turn == turn:
                _print_batch(analysis, out)
        for sentence in advice_by_turn.get(turn, []):
            print(f"  advice: {sentence}", file=out)
    if report.batches and not report.advice:
        print("\nno round trips could have been merged", file=out)


def _print_batch(analysis: BatchAnalysis, out: TextIO) -> None:
    from workbench.core.durations import duration

    batch = analysis.batch
    settings = batch.settings
    ran = "sequential" if not settings.concurrent else f"concurrent ≤{settings.max_concurrent}"
    eager = ", eager" if batch.eager else ""
    recorded = duration(batch.wall_s) if batch.wall_s is not None else "unknown (its end was lost)"
    n = len(batch.calls)
    calls = f"{n} call" if n == 1 else f"{n} calls"
    if analysis.unfinished:
        print(
            f"  {batch.batch_id} · {calls} · ran {ran}{eager} · interrupted: {analysis.unfinished}"
            f" unfinished (the recording ends while they ran; no what-if without their durations)",
            file=out,
        )
        for call in batch.calls:
            if not call.done:
                print(f"    unfinished  {call.tool} {call.call_id}", file=out)
        return
    print(f"  {batch.batch_id} · {calls} · ran {ran}{eager} · recorded wall {recorded}", file=out)
    if n == 1:
        print("    one call: no cap changes its wall", file=out)
        return
    sequential = analysis.sequential.schedule.wall_s
    for whatif in analysis.whatif:
        if whatif.setting == "cap" and whatif.cap is not None and whatif.cap >= n:
            continue  # the same as unbounded: every call has a slot
        schedule = whatif.schedule
        mark = "≥" if schedule.lower_bound else " "
        speedup = sequential / schedule.wall_s if schedule.wall_s > 0 else 1.0
        recorded_here = whatif.cap == settings.cap or (
            whatif.setting == "unbounded" and settings.cap >= n
        )
        print(
            f"    {whatif.label:<12} {mark}{duration(schedule.wall_s):>9}"
            f"   {speedup:5.2f}×{'   (as it ran)' if recorded_here else ''}",
            file=out,
        )
