"""``workbench stats``: how often each model emits parallel calls, over recorded sessions.

Files and directories (default: the data dir's sessions); a file that is not a session is skipped
with one line saying why, and the rest are counted. Exit 2 only when nothing readable was given.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from workbench.cli.common import EXIT_OK, UsageError

if TYPE_CHECKING:
    from workbench.analysis.stats import Stats


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stats = sub.add_parser(
        "stats",
        help="emission statistics per provider and model, over recorded sessions",
        description="Per provider and model: how many calls each tool response carried, how often"
        " more than one, round trips per turn, realised concurrency, waiting for a slot, errors,"
        " timeouts and the advisor's possible saving. Responses requested with parallel emission"
        " off are counted apart: they say nothing about the model's habit.",
    )
    stats.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="DIR_OR_FILE",
        help="session files or directories of them (default: the recorded sessions)",
    )
    stats.add_argument("--json", action="store_true", help="one JSON object (docs/analysis.md)")
    stats.set_defaults(func=run)


def _files(paths: list[Path], skipped: list[tuple[str, str]]) -> Iterator[Path]:
    from workbench.paths import is_export_file
    from workbench.session.listing import MANIFEST_NAME

    for path in paths:
        if path.is_dir():
            for child in sorted(path.iterdir()):
                if child.name.startswith(".") or is_export_file(child):
                    continue  # the index, and the app's own exports: not sessions, not bad ones
                if child.is_file() and child.name != MANIFEST_NAME:
                    yield child
                elif child.is_dir() and (child / MANIFEST_NAME).is_file():
                    # A compare or demo folder: its variants' sessions are recorded sessions too.
                    yield from _files([child], skipped)
        elif path.is_file():
            yield path
        elif path.exists():
            skipped.append((str(path), "not a regular file"))
        else:
            skipped.append((str(path), "no such file or directory"))


def run(args: argparse.Namespace) -> int:
    import orjson

    from workbench.analysis.stats import Stats, add_file
    from workbench.paths import sessions_dir

    given: list[Path] = args.paths
    paths = given or [sessions_dir()]
    stats = Stats()
    for path in _files(paths, stats.skipped):
        add_file(stats, path)
    for name, reason in stats.skipped:
        print(f"workbench: skipped {name}: {reason}", file=sys.stderr)
    for name, problem in stats.notes:
        print(f"workbench: {name}: {problem} (the rest was counted)", file=sys.stderr)
    if stats.sessions == 0:
        if given:
            raise UsageError("no readable session among the files given")
        print(f"no recorded sessions in {paths[0]}", file=sys.stderr)
    if args.json:
        sys.stdout.write(orjson.dumps(stats.to_json(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        print_stats(stats, sys.stdout)
    return EXIT_OK


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def print_stats(stats: Stats, out: TextIO) -> None:
    from workbench.render.format import plural

    data = stats.to_json()
    n = data["sessions"]
    print(f"{n} session{'s' if n != 1 else ''}", file=out)
    for m in data["models"]:
        per = m["calls_per_tool_response"]
        off = m["tool_responses_parallel_off"]
        print(f"\n{m['provider']} · {m['model']}", file=out)
        print(
            f"  {plural(m['sessions'], 'session')} · {plural(m['turns'], 'turn')} ·"
            f" {plural(m['responses'], 'response')}, {m['tool_responses']} with tool calls"
            + (f" ({off} with parallel emission off, counted apart)" if off else ""),
            file=out,
        )
        print(
            f"  calls per tool response   mean {_num(per['mean'], 2)} · p50 {_num(per['p50'])}"
            f" · p95 {_num(per['p95'])} · max {_num(per['max'])}"
            f"   more than one: {_pct(m['parallel_share'])}",
            file=out,
        )
        print(
            f"  round trips per turn      {_num(m['round_trips_per_turn'], 2)}"
            f"   realised concurrency {_pct(m['realised_concurrency'])} (peak against calls)",
            file=out,
        )
        print(
            f"  waiting for a slot        {_pct(m['slot_wait_share'])} of tool time"
            f"   errors {_pct(m['error_rate'])} · timeouts {_pct(m['timeout_rate'])}",
            file=out,
        )
        print(
            f"  possible saving           {m['possible_saving_s']:.2f} s"
            " (the advisor: round trips that could have been one)",
            file=out,
        )
