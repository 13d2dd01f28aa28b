"""The file tools: read, list, search and lint text files inside one workspace.

They do blocking filesystem I/O, so they are plain sync functions: the executor runs sync tools in
its thread pool, and a batch of them shows real overlap. Every path goes through :class:`Workspace`,
and every output is capped so one call cannot flood the model's context.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import regex
from pydantic import Field

from workbench.tools.base import Tool, tool
from workbench.tools.latency import latency_for, simulate_blocking
from workbench.tools.workspace import Workspace, WorkspaceError

READ_MAX_BYTES = 64 * 1024
LIST_MAX_ENTRIES = 500
SEARCH_MAX_MATCHES = 100
SEARCH_MAX_FILE_BYTES = 1024 * 1024
SEARCH_MAX_FILES = 5000
SEARCH_MAX_LINE_CHARS = 200
SEARCH_TIMEOUT_S = 5.0
"""How long one search may spend matching, over all its files. The model writes the pattern: one that
backtracks without end becomes an error result, not a call that outlives its timeout."""
LINT_MAX_BYTES = 1024 * 1024
LINT_MAX_LINE = 100
LINT_MAX_DETAILS = 50
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".tox",
    }
)
_SNIFF_BYTES = 8192

PathArg = Annotated[str, Field(description="Path relative to the workspace root.")]


def _is_binary(head: bytes) -> bool:
    return b"\0" in head[:_SNIFF_BYTES]


def _read_text(ws: Workspace, path: str, limit: int, tool_name: str) -> tuple[Path, str, int]:
    """The file's text (at most ``limit`` bytes of it) and its full size, refusing binary files."""
    real = ws.file(path)
    size = real.stat().st_size
    with real.open("rb") as fh:
        data = fh.read(limit)
    if _is_binary(data):
        raise WorkspaceError(f"'{path}' looks like a binary file; {tool_name} only handles text")
    return real, data.decode("utf-8", errors="replace"), size


def file_tools(ws: Workspace) -> list[Tool]:
    """read_file, list_files, search_code and run_linter, confined to ``ws``."""

    @tool
    def read_file(path: PathArg) -> dict[str, Any]:
        """Read a text file in the workspace. Large files are truncated to the first 64 KiB.

        Returns path, bytes (the full size), truncated, and content.
        """
        real, text, size = _read_text(ws, path, READ_MAX_BYTES, "read_file")
        truncated = size > READ_MAX_BYTES
        if truncated:
            text += f"\n[truncated: showing the first {READ_MAX_BYTES:,} of {size:,} bytes]"
        return {"path": ws.relative(real), "bytes": size, "truncated": truncated, "content": text}

    @tool
    def list_files(
        dir: Annotated[str, Field(description="Directory relative to the workspace root.")] = ".",
    ) -> dict[str, Any]:
        """List the entries of a workspace directory (not recursive): name, type and size of files.

        Types are "dir", "file", "other", or "outside_link" for a symlink leading out of the
        workspace (which the other tools refuse to follow).
        """
        real = ws.directory(dir)
        children = sorted(real.iterdir(), key=lambda p: (not p.is_dir(), p.name))
        entries: list[dict[str, Any]] = []
        for child in children[:LIST_MAX_ENTRIES]:
            entry: dict[str, Any] = {"name": child.name}
            if child.is_symlink() and not ws.contains(child):
                entry["type"] = "outside_link"
            elif child.is_dir():
                entry["type"] = "dir"
            elif child.is_file():
                entry["type"] = "file"
                entry["size"] = child.stat().st_size
            else:
                entry["type"] = "other"
            entries.append(entry)
        return {
            "dir": ws.relative(real),
            "entries": entries,
            "truncated": len(children) > LIST_MAX_ENTRIES,
        }

    @tool
    def search_code(
        pattern: Annotated[str, Field(description="Python regular expression, matched per line.")],
    ) -> dict[str, Any]:
        """Search the text files of the workspace for a regex; returns "path:line:text" matches.

        At most 100 matches; binary files, files over 1 MiB and .git/.venv/caches are skipped.
        """
        # The `regex` engine, not `re`: it takes a timeout, and with concurrent=True it lets go of
        # the interpreter while it matches (`re` held it: the whole process froze on "(a|aa)+$").
        try:
            compiled = regex.compile(pattern)
        except regex.error as exc:
            raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
        deadline = time.monotonic() + SEARCH_TIMEOUT_S
        matches: list[str] = []
        searched = 0
        truncated = False
        for file in _text_candidates(ws):
            if truncated or searched >= SEARCH_MAX_FILES:
                truncated = True
                break
            searched += 1
            try:
                data = file.read_bytes()
            except OSError:
                continue  # vanished or unreadable since the walk listed it
            if _is_binary(data):
                continue
            rel = ws.relative(file)
            for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
                try:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError
                    hit = compiled.search(line, timeout=left, concurrent=True)
                except TimeoutError:
                    raise ValueError(
                        f"the pattern {pattern!r} took more than {SEARCH_TIMEOUT_S:g} s to match "
                        f"(stopped at {rel}:{number}): it backtracks too much; make it simpler"
                    ) from None
                if hit:
                    if len(matches) >= SEARCH_MAX_MATCHES:
                        truncated = True
                        break
                    matches.append(f"{rel}:{number}:{line[:SEARCH_MAX_LINE_CHARS]}")
        return {
            "pattern": pattern,
            "matches": matches,
            "truncated": truncated,
            "files_searched": searched,
        }

    @tool
    def run_linter(path: PathArg) -> dict[str, Any]:
        """Lint a text file in the workspace: long lines, trailing whitespace, tabs, TODOs.

        A simulated linter over the real file: the report is deterministic and takes 300-800 ms.
        """
        real, text, size = _read_text(ws, path, LINT_MAX_BYTES, "run_linter")
        rel = ws.relative(real)
        simulate_blocking(latency_for(f"lint:{rel}", 300, 800))
        issues = _lint(text)
        by_code: dict[str, int] = {}
        for issue in issues:
            by_code[issue["code"]] = by_code.get(issue["code"], 0) + 1
        return {
            "path": rel,
            "lines": len(text.splitlines()),
            "checked_bytes": min(size, LINT_MAX_BYTES),
            "issues": len(issues),
            "by_code": dict(sorted(by_code.items())),
            "details": issues[:LINT_MAX_DETAILS],
        }

    return [read_file, list_files, search_code, run_linter]


def _text_candidates(ws: Workspace) -> Iterator[Path]:
    """Files under the root worth searching, in a stable order; links leading out are dropped."""
    for dirpath, dirnames, filenames in os.walk(ws.root):
        # Pruning in place keeps os.walk out of these folders; symlinked dirs are never followed.
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if path.is_symlink() and not ws.contains(path):
                continue
            try:
                if not path.is_file() or path.stat().st_size > SEARCH_MAX_FILE_BYTES:
                    continue
            except OSError:
                continue
            yield path


def _lint(text: str) -> list[dict[str, Any]]:
    issues: list[dict[str, Any]] = []
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        if len(line) > LINT_MAX_LINE:
            msg = f"line too long ({len(line)} > {LINT_MAX_LINE})"
            issues.append({"line": number, "code": "E501", "message": msg})
        if line != line.rstrip():
            issues.append({"line": number, "code": "W291", "message": "trailing whitespace"})
        if "\t" in line:
            issues.append({"line": number, "code": "W191", "message": "tab character"})
        if "TODO" in line or "FIXME" in line:
            issues.append({"line": number, "code": "T001", "message": "TODO/FIXME left in code"})
    if text and not text.endswith("\n"):
        issues.append({"line": len(lines), "code": "W292", "message": "no newline at end of file"})
    return issues
