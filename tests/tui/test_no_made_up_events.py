"""The app draws the events the core emitted; it never builds one of its own (issue 8)."""

from __future__ import annotations

import ast
from pathlib import Path

import workbench.tui
from workbench.core import events

TUI = Path(workbench.tui.__file__).parent
EVENT_NAMES = {name for name in dir(events) if isinstance(getattr(events, name), type)}


def test_no_module_of_the_app_constructs_a_core_event() -> None:
    made: list[str] = []
    for path in sorted(TUI.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "workbench.core.events"
            for alias in node.names
        } & EVENT_NAMES
        made += [
            f"{path.relative_to(TUI)}:{node.lineno} {node.func.id}(…)"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in imported
        ]
    assert made == []
