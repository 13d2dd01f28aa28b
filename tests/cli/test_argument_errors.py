"""Every bad argument is one line on stderr and exit 2, never a traceback: values argparse's own
types let through (a port over 65535, an IPv6 URL cut short, nan, a name too long for the file
system), found by trying hostile values on every option."""

from __future__ import annotations

import pytest

from workbench.cli import main

LONG = "x" * 5000


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own exit
        code = exc.code if isinstance(exc.code, int) else 2
    _, err = capsys.readouterr()
    assert code == 2, f"{argv}: exit {code}\n{err}"
    assert "Traceback" not in err
    said = [line for line in err.splitlines() if line.strip()]
    assert len(said) == 1, err
    return said[0]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["emulate", "--port", "99999"], "a port is 0 to 65535"),
        (["emulate", "--port", "-1"], "a port is 0 to 65535"),
        (["emulate", "--fail", "99999"], "an HTTP status is 100 to 599"),
        (["emulate", "--chunk-delay-ms", "nan"], "not a finite number"),
        (["emulate", "--first-byte-delay", "-3"], "must not be negative"),
        (["emulate", "--times", "-5"], "-1 (forever)"),
        (["export", "s.jsonl", "--otlp-endpoint", "http://[::1"], "Invalid IPv6 URL"),
        (["export", "s.jsonl", "--otlp-endpoint", "http://127.0.0.1:99999"], "Port out of range"),
        (["export", "s.jsonl", "--format", "otlp", "--timeout", "inf"], "not a finite number"),
        (["export", "s.jsonl", "--format", "otlp", "--timeout", "0"], "must be more than 0"),
        (["run", "--profile", LONG, "get_date()"], "No profile named"),
        (["compare", "--profile", LONG, "get_date()"], "No profile named"),
        (["run", "--max-concurrent", "0", "x"], "must be at least 1"),
        (["run", "--retries", "many", "x"], "not a whole number"),
        (["demo", "--speed", "0"], "must be more than 0"),
        (["analyze", "x.jsonl", "--cap", "-2"], "must not be negative"),
        (["no-such-command"], "invalid choice"),
    ],
    ids=lambda value: value[:2] if isinstance(value, list) else None,
)
def test_a_bad_argument_is_one_line_and_exit_2(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert expected in _usage_error(argv, capsys)


def test_a_sessions_dir_no_file_system_can_hold_is_an_empty_listing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["sessions", "--dir", LONG]) == 0
    out, err = capsys.readouterr()
    assert "does not exist" in out + err
    assert "Traceback" not in err
