"""User directories follow the XDG variables (the test conftest points them at a temp home)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from workbench.paths import config_dir, log_file, sessions_dir


def test_directories_follow_xdg_variables() -> None:
    assert sessions_dir() == Path(os.environ["XDG_DATA_HOME"]) / "workbench" / "sessions"
    assert log_file() == Path(os.environ["XDG_STATE_HOME"]) / "workbench" / "workbench.log"
    assert config_dir() == Path(os.environ["XDG_CONFIG_HOME"]) / "workbench"


def test_importing_paths_is_cheap() -> None:
    code = "import sys, workbench.paths; print('pydantic' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
