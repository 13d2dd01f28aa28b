"""Analysis is headless: importing it loads no UI, no vendor SDK, nothing that runs a model or a tool."""

from __future__ import annotations

import subprocess
import sys


def test_importing_analysis_loads_no_ui_sdk_or_runtime() -> None:
    code = (
        "import sys, workbench.analysis; "
        "bad = [m for m in ('textual', 'rich', 'openai', 'anthropic', 'google.genai', "
        "'workbench.runtime', 'workbench.providers', 'workbench.tools') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == ""
