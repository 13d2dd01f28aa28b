"""``workbench`` with only the app's own options opens the app without building every subcommand's
parser (a part of the first frame it does not need), and parses them exactly as the whole parser."""

from __future__ import annotations

import subprocess
import sys

import pytest

from workbench.cli import SUBCOMMANDS, app_args, build_parser

APP_ONLY = [
    [],
    ["--profile", "fast"],
    ["-p", "fast"],
    ["--profile=run"],  # a profile named like a subcommand is still a profile
    ["--prof", "fast"],  # abbreviated, as argparse allows
    ["--record", "/tmp/s.jsonl", "--overwrite"],
    ["--version"],
]
NOT_ONLY = [
    ["run", "hello"],
    ["-p", "fast", "replay"],
    ["--help"],
    ["-h"],
    ["--record"],  # no value: the whole parser says so
    ["--no-such-flag"],
    ["--"],
]


@pytest.mark.parametrize("argv", APP_ONLY, ids=" ".join)
def test_the_apps_own_options_parse_as_the_whole_parser_parses_them(argv: list[str]) -> None:
    args = app_args(argv)
    assert args is not None
    assert vars(args) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize("argv", NOT_ONLY, ids=" ".join)
def test_anything_else_is_left_to_the_whole_parser(argv: list[str]) -> None:
    assert app_args(argv) is None


def test_opening_the_app_imports_no_subcommand() -> None:
    code = (
        "import sys; from workbench.cli import SUBCOMMANDS, app_args; app_args(['-p', 'fast']); "
        "print(','.join(n for n in SUBCOMMANDS if 'workbench.cli.' + n in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    assert SUBCOMMANDS  # the check above means something
