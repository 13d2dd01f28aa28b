"""Helpers for the profile tests: write a profile file and load it, from inside a temp project."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

WriteProfile = Callable[[str, str], Path]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary working directory with a ``profiles/`` folder, so paths print as the user sees."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "profiles").mkdir()
    return tmp_path


@pytest.fixture
def write_profile(project: Path) -> WriteProfile:
    """Write ``text`` to ``profiles/<name>`` and return its path."""

    def write(name: str, text: str) -> Path:
        path = project / "profiles" / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
