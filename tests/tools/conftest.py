"""Fixtures for the tool tests: no simulated latency, and a small workspace with traps in it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.tools.base import Tool
from workbench.tools.builtin import builtin_tools
from workbench.tools.latency import set_latency_scale

APP_PY = (
    "def main():\n"
    "\treturn 1  \n"
    "# TODO: remove this\n"
    "x = '" + "a" * 120 + "'\n"
    "def main_helper(): pass"  # no final newline
)


@pytest.fixture(autouse=True)
def _no_latency() -> Iterator[None]:
    previous = set_latency_scale(0.0)
    yield
    set_latency_scale(previous)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory beside the workspace holding something the model must never read."""
    out = tmp_path / "outside"
    out.mkdir()
    (out / "secret.txt").write_text("def main: the secret\n")
    return out


@pytest.fixture
def workspace_dir(tmp_path: Path, outside: Path) -> Path:
    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "README.md").write_text("hello\nTODO: write docs\n")
    (ws / "src" / "app.py").write_text(APP_PY)
    (ws / "src" / "util.py").write_text("def util():\n    return main()\n")
    (ws / "data.bin").write_bytes(b"def main\0\x01\x02")
    (ws / ".git").mkdir()
    (ws / ".git" / "config").write_text("def main in git\n")
    (ws / ".venv").mkdir()
    (ws / ".venv" / "lib.py").write_text("def main in venv\n")
    (ws / "link_out").symlink_to(outside / "secret.txt")
    (ws / "dir_out").symlink_to(outside, target_is_directory=True)
    (ws / "link_in").symlink_to(ws / "src" / "util.py")
    return ws


@pytest.fixture
def tools(workspace_dir: Path) -> dict[str, Tool]:
    return {t.name: t for t in builtin_tools(workspace_dir)}
