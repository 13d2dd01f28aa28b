"""The MCP package uses the SDK's public API only, and leaves the SDK as it found it."""

from __future__ import annotations

import ast
from pathlib import Path

import workbench.tools.mcp as package

SDKS = ("mcp", "mcp_types", "httpx2", "anyio")


def _private_uses(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in SDKS:
            parts = (node.module or "").split(".")
            names = [alias.name for alias in node.names]
            found += [f"{node.module}: {n}" for n in [*parts, *names] if n.startswith("_")]
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not (node.attr.startswith("__"))
        ):
            base = node.value
            if isinstance(base, ast.Name) and base.id in ("mcp", "sdk_stdio", "mcp_types"):
                found.append(f"{base.id}.{node.attr}")
    return found


def test_no_private_name_of_the_sdk_is_imported_or_called() -> None:
    folder = Path(package.__file__).parent
    problems = {p.name: _private_uses(p) for p in folder.glob("*.py")}
    assert {name: uses for name, uses in problems.items() if uses} == {}


def test_importing_the_package_patches_nothing_in_the_sdk() -> None:
    from mcp.client import stdio

    # The private function an earlier version replaced for the whole process, read, not called.
    create = getattr(stdio, "_create_platform_compatible_process", None)
    assert create is None or create.__module__ == "mcp.client.stdio"
