"""The file tools: real reads inside the workspace, refusals outside it, and capped outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tools.helpers import call
from workbench.tools import files
from workbench.tools.base import Tool, ToolArgumentsError
from workbench.tools.latency import latency_for
from workbench.tools.workspace import WorkspaceError

ESCAPES = ["../outside/secret.txt", "link_out", "dir_out/secret.txt", "/etc/passwd"]


# --- read_file ---------------------------------------------------------------------------------


async def test_read_file_returns_the_text(tools: dict[str, Tool]) -> None:
    result = await call(tools["read_file"], {"path": "README.md"})
    assert result == {
        "path": "README.md",
        "bytes": 23,
        "truncated": False,
        "content": "hello\nTODO: write docs\n",
    }
    json.dumps(result)


async def test_read_file_follows_a_link_that_stays_inside(tools: dict[str, Tool]) -> None:
    result = await call(tools["read_file"], {"path": "link_in"})
    assert result["content"].startswith("def util():")


async def test_read_file_truncates_large_files_with_a_note(
    tools: dict[str, Tool], workspace_dir: Path
) -> None:
    (workspace_dir / "big.txt").write_text("x" * (files.READ_MAX_BYTES + 5000))
    result = await call(tools["read_file"], {"path": "big.txt"})
    assert result["truncated"] is True
    assert result["bytes"] == files.READ_MAX_BYTES + 5000
    body, note = result["content"].rsplit("\n", 1)
    assert len(body) == files.READ_MAX_BYTES
    assert note == f"[truncated: showing the first 65,536 of {files.READ_MAX_BYTES + 5000:,} bytes]"


@pytest.mark.parametrize("path", ESCAPES)
async def test_read_file_refuses_paths_outside(tools: dict[str, Tool], path: str) -> None:
    with pytest.raises(WorkspaceError, match="is outside the workspace"):
        await call(tools["read_file"], {"path": path})


async def test_read_file_explains_other_refusals(tools: dict[str, Tool]) -> None:
    with pytest.raises(WorkspaceError, match="looks like a binary file"):
        await call(tools["read_file"], {"path": "data.bin"})
    with pytest.raises(WorkspaceError, match="is a directory, not a file"):
        await call(tools["read_file"], {"path": "src"})
    with pytest.raises(WorkspaceError, match="does not exist"):
        await call(tools["read_file"], {"path": "src/nope.py"})
    with pytest.raises(ToolArgumentsError, match="path"):
        await call(tools["read_file"], {"path": 3})


# --- list_files --------------------------------------------------------------------------------


async def test_list_files_shows_dirs_first_with_types_and_sizes(tools: dict[str, Tool]) -> None:
    result = await call(tools["list_files"])
    assert result["dir"] == "."
    assert result["truncated"] is False
    assert result["entries"] == [
        {"name": ".git", "type": "dir"},
        {"name": ".venv", "type": "dir"},
        {"name": "dir_out", "type": "outside_link"},
        {"name": "src", "type": "dir"},
        {"name": "README.md", "type": "file", "size": 23},
        {"name": "data.bin", "type": "file", "size": 11},
        {"name": "link_in", "type": "file", "size": 30},
        {"name": "link_out", "type": "outside_link"},
    ]
    json.dumps(result)


async def test_list_files_lists_a_subdirectory(tools: dict[str, Tool]) -> None:
    result = await call(tools["list_files"], {"dir": "src"})
    assert result["dir"] == "src"
    assert [e["name"] for e in result["entries"]] == ["app.py", "util.py"]


@pytest.mark.parametrize("path", ["..", "dir_out", "/"])
async def test_list_files_refuses_dirs_outside(tools: dict[str, Tool], path: str) -> None:
    with pytest.raises(WorkspaceError, match="is outside the workspace"):
        await call(tools["list_files"], {"dir": path})


async def test_list_files_refuses_a_file(tools: dict[str, Tool]) -> None:
    with pytest.raises(WorkspaceError, match=r"'README\.md' is a file, not a directory"):
        await call(tools["list_files"], {"dir": "README.md"})


async def test_list_files_caps_long_listings(tools: dict[str, Tool], workspace_dir: Path) -> None:
    many = workspace_dir / "many"
    many.mkdir()
    for i in range(files.LIST_MAX_ENTRIES + 3):
        (many / f"f{i:04}.txt").touch()
    result = await call(tools["list_files"], {"dir": "many"})
    assert result["truncated"] is True
    assert len(result["entries"]) == files.LIST_MAX_ENTRIES


# --- search_code -------------------------------------------------------------------------------


async def test_search_finds_matches_as_path_line_text(tools: dict[str, Tool]) -> None:
    result = await call(tools["search_code"], {"pattern": r"def main"})
    # Not in .git, .venv, the binary file, or the files that links lead to outside.
    assert result["matches"] == ["src/app.py:1:def main():", "src/app.py:5:def main_helper(): pass"]
    assert result["truncated"] is False
    json.dumps(result)


async def test_search_includes_links_that_stay_inside(tools: dict[str, Tool]) -> None:
    result = await call(tools["search_code"], {"pattern": r"return main\(\)"})
    assert result["matches"] == ["link_in:2:    return main()", "src/util.py:2:    return main()"]


async def test_search_skips_huge_files(tools: dict[str, Tool], workspace_dir: Path) -> None:
    (workspace_dir / "huge.txt").write_text("needle\n" + "x" * files.SEARCH_MAX_FILE_BYTES)
    (workspace_dir / "small.txt").write_text("needle\n")
    result = await call(tools["search_code"], {"pattern": "needle"})
    assert result["matches"] == ["small.txt:1:needle"]


async def test_search_caps_matches_and_long_lines(
    tools: dict[str, Tool], workspace_dir: Path
) -> None:
    line = "hit " + "y" * 500
    (workspace_dir / "hits.txt").write_text((line + "\n") * (files.SEARCH_MAX_MATCHES + 20))
    result = await call(tools["search_code"], {"pattern": "^hit"})
    assert len(result["matches"]) == files.SEARCH_MAX_MATCHES
    assert result["truncated"] is True
    assert result["matches"][0] == "hits.txt:1:" + line[: files.SEARCH_MAX_LINE_CHARS]


async def test_search_with_exactly_the_cap_is_not_truncated(
    tools: dict[str, Tool], workspace_dir: Path
) -> None:
    (workspace_dir / "hits.txt").write_text("hit\n" * files.SEARCH_MAX_MATCHES)
    result = await call(tools["search_code"], {"pattern": "^hit"})
    assert len(result["matches"]) == files.SEARCH_MAX_MATCHES
    assert result["truncated"] is False


async def test_search_reports_a_bad_regex(tools: dict[str, Tool]) -> None:
    with pytest.raises(ValueError, match="invalid regular expression '\\(unclosed'"):
        await call(tools["search_code"], {"pattern": "(unclosed"})


FORTY_AS = "a" * 40 + "!\n"
"""A line on which nested repetition backtracks without end in Python's `re`."""


async def test_a_pattern_that_backtracks_without_end_is_a_clear_error(
    tools: dict[str, Tool], workspace_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workspace_dir / "aaaa.txt").write_text(FORTY_AS)
    monkeypatch.setattr(files, "SEARCH_TIMEOUT_S", 0.1)
    with pytest.raises(ValueError, match="took more than") as caught:
        await call(tools["search_code"], {"pattern": "(a|aa)+$"})
    assert str(caught.value) == (
        "the pattern '(a|aa)+$' took more than 0.1 s to match (stopped at aaaa.txt:1): "
        "it backtracks too much; make it simpler"
    )
    # The engine that has a timeout also sees through the classic case at once.
    result = await call(tools["search_code"], {"pattern": "(a+)+$"})
    assert result["matches"] == []


def test_a_catastrophic_pattern_cannot_freeze_the_process(tmp_path: Path) -> None:
    # With `re`, matching held the interpreter for minutes: the call's timeout, its siblings, Esc
    # and Ctrl-C all waited. Now the search lets go of it: the timeout fires mid-match, the other
    # calls finish, and the process exits without waiting for the thread still matching.
    (tmp_path / "aaaa.txt").write_text(FORTY_AS)
    prompt = 'search_code(pattern="(a+)+$"), search_code(pattern="(a|aa)+$"), get_date()'
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "run", "--json", "--tool-timeout", "1", prompt],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    statuses = {
        (e["tool"], e["args"].get("pattern")): e["status"]
        for e in events
        if e["type"] == "call_finished"
    }
    assert statuses == {
        ("search_code", "(a+)+$"): "ok",
        ("search_code", "(a|aa)+$"): "timeout",
        ("get_date", None): "ok",
    }


# --- run_linter --------------------------------------------------------------------------------


async def test_linter_reports_the_real_files_issues(tools: dict[str, Tool]) -> None:
    result = await call(tools["run_linter"], {"path": "src/app.py"})
    assert result["path"] == "src/app.py"
    assert result["lines"] == 5
    assert result["by_code"] == {"E501": 1, "T001": 1, "W191": 1, "W291": 1, "W292": 1}
    assert result["issues"] == 5
    assert {"line": 4, "code": "E501", "message": "line too long (126 > 100)"} in result["details"]
    json.dumps(result)


async def test_linter_is_deterministic(tools: dict[str, Tool]) -> None:
    first = await call(tools["run_linter"], {"path": "README.md"})
    assert first == await call(tools["run_linter"], {"path": "README.md"})
    assert first["by_code"] == {"T001": 1}


async def test_linter_waits_its_latency_in_the_calling_thread(
    tools: dict[str, Tool], monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setattr(files, "simulate_blocking", waits.append)
    await call(tools["run_linter"], {"path": "src/app.py"})
    assert waits == [latency_for("lint:src/app.py", 300, 800)]
    assert 0.3 <= waits[0] <= 0.8


@pytest.mark.parametrize("path", ESCAPES)
async def test_linter_refuses_paths_outside(tools: dict[str, Tool], path: str) -> None:
    with pytest.raises(WorkspaceError, match="is outside the workspace"):
        await call(tools["run_linter"], {"path": path})


async def test_linter_refuses_binary_files(tools: dict[str, Tool]) -> None:
    with pytest.raises(WorkspaceError, match="run_linter only handles text"):
        await call(tools["run_linter"], {"path": "data.bin"})
