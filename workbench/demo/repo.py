"""The code-review demo's repository: the shipped sample project, made a real git repository.

``sample/base`` is committed on ``main``; then ``sample/history.yaml`` lists the commits of a feature
branch, each copying its files from ``sample/branch``. Names and dates are fixed (and the user's git
configuration is ignored), so ``git blame`` gives the same answer on every machine. It is built in a
new temporary directory each time, and nothing outside it is touched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from workbench.tools.git import GitError, run_git

SAMPLE = resources.files("workbench.demo") / "sample"


@dataclass(frozen=True)
class DemoRepository:
    root: Path
    """The project: the workspace the demo's tools work in."""
    temp: Path
    """The temporary directory holding it, removed by :meth:`cleanup`."""
    base: str
    branch: str
    changed: list[str]
    """The files the branch changed, in the order the history lists them."""

    def cleanup(self) -> None:
        shutil.rmtree(self.temp, ignore_errors=True)


def _history() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((SAMPLE / "history.yaml").read_text(encoding="utf-8"))
    return data


def _commit_env(author: str, date: str) -> dict[str, str]:
    name, _, email = author.partition(" <")
    email = email.rstrip(">")
    return {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
        "GIT_COMMITTER_DATE": date,
        # The user's own settings (hooks, signing, templates) have no say over the sample.
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }


def _copy_tree(source: Any, target: Path) -> None:
    for entry in source.iterdir():
        dest = target / entry.name
        if entry.is_dir():
            dest.mkdir(exist_ok=True)
            _copy_tree(entry, dest)
        else:
            dest.write_bytes(entry.read_bytes())


def build_demo_repository(parent: Path | None = None) -> DemoRepository:
    """A fresh repository of the sample project with its feature branch checked out.

    Raises :class:`GitError` (one line) when git is missing or fails.
    """
    history = _history()
    root = Path(tempfile.mkdtemp(prefix="workbench-demo-", dir=parent))
    try:
        project = root / "inventory"
        project.mkdir()
        base = history["base"]
        env = _commit_env(base["author"], base["date"])
        run_git(["init", "--quiet", "--initial-branch=main", "."], project, env=env)
        _copy_tree(SAMPLE / "base", project)
        run_git(["add", "--all"], project, env=env)
        no_hooks = ["-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false"]
        run_git([*no_hooks, "commit", "--quiet", "-m", base["message"]], project, env=env)
        branch = history["branch"]
        run_git(["checkout", "--quiet", "-b", branch["name"]], project, env=env)
        changed: list[str] = []
        for commit in branch["commits"]:
            env = _commit_env(commit["author"], commit["date"])
            for rel in commit["files"]:
                dest = project / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes((SAMPLE / "branch" / rel).read_bytes())
                changed.append(rel)
            run_git(["add", "--all"], project, env=env)
            run_git([*no_hooks, "commit", "--quiet", "-m", commit["message"]], project, env=env)
    except (GitError, OSError):
        shutil.rmtree(root, ignore_errors=True)
        raise
    return DemoRepository(
        root=project,
        temp=root,
        base="main",
        branch=branch["name"],
        changed=list(dict.fromkeys(changed)),
    )


__all__ = ["DemoRepository", "GitError", "build_demo_repository"]
