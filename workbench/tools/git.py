"""``git_diff`` and ``git_blame``: the real ``git``, read-only, inside the workspace.

The only module that runs ``git``. Both tools are plain sync functions, so the executor runs them in its
thread pool and a batch of blames really overlaps. Paths go through :class:`Workspace` exactly as the
file tools' do, and ``git diff --relative`` keeps the diff to the workspace's own directory. Outputs
are capped so one call cannot flood the model's context. Errors are one line, worded for the model.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from workbench.tools.base import Tool, tool
from workbench.tools.workspace import Workspace

GIT_TIMEOUT_S = 20.0
DIFF_MAX_BYTES = 64 * 1024
DIFF_MAX_FILES = 500
BLAME_MAX_RANGES = 200

GIT_MISSING = (
    "git is not installed (or not on PATH): install it with your package manager "
    "(apt install git, dnf install git, brew install git) or from https://git-scm.com/downloads"
)

# Read-only use: no prompts, no optional lock files, messages in one language whatever the locale.
_QUIET_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
_REVISION = re.compile(r"^[\w./@{}~^:+-]+$")


class GitError(RuntimeError):
    """``git`` failed or is missing; the message is one line."""


def git_available() -> bool:
    return shutil.which("git") is not None


def run_git(
    args: Sequence[str], cwd: Path, *, env: Mapping[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git args`` in ``cwd``; :class:`GitError` with git's first error line when it fails."""
    exe = shutil.which("git")
    if exe is None:
        raise GitError(GIT_MISSING)
    full_env = {**os.environ, **_QUIET_ENV, **(env or {})}
    try:
        proc = subprocess.run(
            [exe, *args],
            cwd=cwd,
            env=full_env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise GitError(
            f"git {args[0]} took longer than {GIT_TIMEOUT_S:g} s and was stopped"
        ) from None
    except OSError as exc:
        raise GitError(f"git could not be run: {exc.strerror or exc}") from None
    if check and proc.returncode != 0:
        raise GitError(f"git {args[0]} failed: {_first_line(proc.stderr)}")
    return proc


def _first_line(stderr: bytes) -> str:
    for line in stderr.decode("utf-8", errors="replace").splitlines():
        line = line.strip()
        if line:
            return line.removeprefix("fatal: ").removeprefix("error: ")
    return "no error message"


def _in_repository(ws: Workspace) -> None:
    proc = run_git(["rev-parse", "--is-inside-work-tree"], ws.root, check=False)
    if proc.returncode != 0 or proc.stdout.strip() != b"true":
        raise GitError("the workspace is not inside a git repository, so there is no history")


def _check_revision(ws: Workspace, revision: str) -> None:
    if not revision or revision.startswith("-") or not _REVISION.match(revision):
        raise ValueError(f"{revision!r} is not a branch or commit name, e.g. 'main' or 'HEAD~1'")
    proc = run_git(
        ["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], ws.root, check=False
    )
    if proc.returncode != 0:
        branches = run_git(["branch", "--format=%(refname:short)"], ws.root, check=False)
        names = ", ".join(branches.stdout.decode(errors="replace").split()[:10]) or "none"
        raise ValueError(f"unknown revision {revision!r} in this repository (branches: {names})")


def _z_fields(output: bytes) -> list[str]:
    return [part.decode("utf-8", errors="replace") for part in output.split(b"\0") if part]


def git_tools(ws: Workspace) -> list[Tool]:
    """git_diff and git_blame, confined to ``ws``."""

    @tool
    def git_diff(
        base: Annotated[
            str, Field(description="The branch or commit to compare against, e.g. 'main'.")
        ] = "main",
    ) -> dict[str, Any]:
        """Show what the current branch changed since it left ``base`` (git diff base...HEAD).

        Returns the changed files (path, status A/M/D, lines added and deleted) and the patch
        (the first 64 KiB).
        """
        _in_repository(ws)
        _check_revision(ws, base)
        span = f"{base}...HEAD"
        common = ["--relative", "--no-renames", "--no-color", "--no-ext-diff", span, "--"]
        statuses = _z_fields(run_git(["diff", "--name-status", "-z", *common], ws.root).stdout)
        counts = _z_fields(run_git(["diff", "--numstat", "-z", *common], ws.root).stdout)
        patch = run_git(["diff", *common], ws.root).stdout
        head = run_git(["rev-parse", "--abbrev-ref", "HEAD"], ws.root).stdout.decode().strip()
        lines: dict[str, tuple[int | None, int | None]] = {}
        for entry in counts:
            added, deleted, path = [*entry.split("\t", 2), "", ""][:3]
            lines[path] = (_count(added), _count(deleted))
        files: list[dict[str, Any]] = []
        for status, path in zip(statuses[0::2], statuses[1::2], strict=False):
            added_n, deleted_n = lines.get(path, (None, None))
            files.append({"path": path, "status": status, "added": added_n, "deleted": deleted_n})
        truncated = len(patch) > DIFF_MAX_BYTES
        text = patch[:DIFF_MAX_BYTES].decode("utf-8", errors="replace")
        if truncated:
            text += f"\n[truncated: showing the first {DIFF_MAX_BYTES:,} of {len(patch):,} bytes]"
        return {
            "base": base,
            "head": head,
            "files": files[:DIFF_MAX_FILES],
            "files_changed": len(files),
            "truncated": truncated,
            "diff": text,
        }

    @tool
    def git_blame(
        path: Annotated[str, Field(description="Path relative to the workspace root.")],
    ) -> dict[str, Any]:
        """Show who last changed each line of a file (git blame), as line ranges per commit.

        Returns path, lines, the commits (id, author, date, summary, lines) and the ranges.
        """
        real = ws.file(path)
        rel = ws.relative(real)
        _in_repository(ws)
        proc = run_git(["blame", "--porcelain", "--", rel], ws.root, check=False)
        if proc.returncode != 0:
            raise GitError(f"git blame failed for '{rel}': {_first_line(proc.stderr)}")
        return _parse_blame(rel, proc.stdout.decode("utf-8", errors="replace"))

    return [git_diff, git_blame]


def _count(text: str) -> int | None:
    return int(text) if text.isdigit() else None  # "-" for binary files


_HEADER = re.compile(r"^([0-9a-f]{40}) \d+ (\d+)(?: \d+)?$")


def _parse_blame(path: str, porcelain: str) -> dict[str, Any]:
    commits: dict[str, dict[str, Any]] = {}
    ranges: list[dict[str, Any]] = []
    current: str | None = None
    total = 0
    for line in porcelain.splitlines():
        if line.startswith("\t"):
            total += 1
            continue
        header = _HEADER.match(line)
        if header:
            current = header[1]
            number = int(header[2])
            info = commits.setdefault(
                current,
                {"commit": current[:10], "author": "", "date": "", "summary": "", "lines": 0},
            )
            info["lines"] += 1
            last = ranges[-1] if ranges else None
            if last is not None and last["commit"] == current[:10] and last["end"] == number - 1:
                last["end"] = number
            else:
                ranges.append({"start": number, "end": number, "commit": current[:10]})
            continue
        if current is None:
            continue
        key, _, value = line.partition(" ")
        info = commits[current]
        if key == "author":
            info["author"] = "Not committed yet" if current == "0" * 40 else value
        elif key == "author-time" and value.isdigit():
            info["date"] = datetime.fromtimestamp(int(value), UTC).date().isoformat()
        elif key == "summary":
            info["summary"] = value
    ordered = sorted(commits.values(), key=lambda c: -int(c["lines"]))
    return {
        "path": path,
        "lines": total,
        "commits": ordered,
        "ranges": ranges[:BLAME_MAX_RANGES],
        "truncated": len(ranges) > BLAME_MAX_RANGES,
    }


__all__ = ["GIT_MISSING", "GitError", "git_available", "git_tools", "run_git"]
