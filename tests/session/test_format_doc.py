"""docs/session-format.md documents every event and field, and its plain-json example works."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from tests.fabricate import PROFILE, session_events
from workbench.core.events import BatchStats, TurnStats
from workbench.core.messages import Usage
from workbench.core.settings import EmissionSettings, ExecutionSettings, Fault, RunSettings
from workbench.session import SessionRecorder
from workbench.session.format import SessionHeader, event_types

DOC = Path(__file__).resolve().parents[2] / "docs" / "session-format.md"


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n### ", start + len(heading))
    return text[start : end if end != -1 else None]


@pytest.mark.parametrize("tag", list(event_types()))
def test_every_event_and_field_is_documented(tag: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    assert f"### `{tag}`" in text, f"docs/session-format.md has no section for {tag!r}"
    section = _section(text, f"### `{tag}`")
    documented = set(re.findall(r"^\| `(\w+)` \|", section, flags=re.M))
    assert documented == set(event_types()[tag].model_fields)


@pytest.mark.parametrize(
    "model",
    [RunSettings, EmissionSettings, ExecutionSettings, Fault, Usage, BatchStats, TurnStats],
)
def test_nested_objects_are_documented(model: type[BaseModel]) -> None:
    section = _section(DOC.read_text(encoding="utf-8"), f"### {model.__name__}\n")
    documented = set(re.findall(r"^\| `(\w+)` \|", section, flags=re.M))
    assert documented == set(model.model_fields)


def test_header_fields_are_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## The header") : text.index("## The `t` clock")]
    documented = set(re.findall(r"^\| `(\w+)` \|", section, flags=re.M))
    assert documented == set(SessionHeader.model_fields)


def test_the_plain_json_example_reads_a_real_session(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    (example,) = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(example.strip().splitlines()) <= 16
    script = tmp_path / "read_session.py"
    script.write_text(example, encoding="utf-8")
    path = tmp_path / "run.jsonl"
    with SessionRecorder.create(path, profile=PROFILE) as recorder:
        for event in session_events():
            recorder.record(event)
    with path.open("ab") as f:
        f.write(b'{"t": 99, "type": "tex')  # a torn last line

    result = subprocess.run(
        [sys.executable, str(script), str(path)], capture_output=True, text=True, check=True
    )
    assert result.stdout == "b1: 3 calls in 0.39s, 1.4x speed-up\n"
