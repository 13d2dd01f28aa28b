"""git_diff and git_blame run the real git, read-only and confined to the workspace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from workbench.demo.repo import DemoRepository, build_demo_repository
from workbench.tools.base import Tool
from workbench.tools.git import GitError, git_tools
from workbench.tools.workspace import Workspace, WorkspaceError


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRepository]:
    built = build_demo_repository(tmp_path_factory.mktemp("git"))
    yield built
    built.cleanup()


def tools(root: Path) -> dict[str, Tool]:
    return {t.name: t for t in git_tools(Workspace(root))}


def call(t: Tool, **kwargs: Any) -> Any:
    return t.fn(**t.validate(kwargs))


def test_diff_lists_the_changed_files_with_status_and_counts(repo: DemoRepository) -> None:
    result = call(tools(repo.root)["git_diff"], base="main")
    paths = [f["path"] for f in result["files"]]
    assert sorted(paths) == sorted(repo.changed)
    by_path = {f["path"]: f for f in result["files"]}
    assert by_path["inventory/discounts.py"]["status"] == "A"
    assert by_path["inventory/api.py"]["status"] == "M"
    assert by_path["inventory/api.py"]["added"] > 0
    assert result["head"] == "feature/discount-codes"
    assert "diff --git a/inventory/api.py b/inventory/api.py" in result["diff"]


def test_diff_refuses_options_and_unknown_revisions(repo: DemoRepository) -> None:
    diff = tools(repo.root)["git_diff"]
    with pytest.raises(ValueError, match="not a branch or commit name"):
        call(diff, base="--output=/tmp/x")
    with pytest.raises(ValueError, match=r"unknown revision 'nope'.*main"):
        call(diff, base="nope")


def test_diff_in_a_subdirectory_stays_inside_it(repo: DemoRepository) -> None:
    result = call(tools(repo.root / "tests")["git_diff"], base="main")
    assert sorted(f["path"] for f in result["files"]) == ["test_discounts.py", "test_pricing.py"]


def test_blame_groups_lines_by_commit(repo: DemoRepository) -> None:
    result = call(tools(repo.root)["git_blame"], path="inventory/api.py")
    authors = {c["author"] for c in result["commits"]}
    assert authors == {"Ana Lima", "Priya Raman"}
    assert sum(c["lines"] for c in result["commits"]) == result["lines"]
    assert result["ranges"][0]["start"] == 1
    assert result["ranges"][-1]["end"] == result["lines"]


def test_blame_is_confined_to_the_workspace(repo: DemoRepository) -> None:
    blame = tools(repo.root / "inventory")["git_blame"]
    with pytest.raises(WorkspaceError, match="outside the workspace"):
        call(blame, path="../tests/test_pricing.py")


def test_blame_of_an_untracked_file_says_so(repo: DemoRepository, tmp_path: Path) -> None:
    scratch = repo.root / "scratch.txt"
    scratch.write_text("new\n")
    try:
        with pytest.raises(GitError, match=r"git blame failed for 'scratch\.txt'"):
            call(tools(repo.root)["git_blame"], path="scratch.txt")
    finally:
        scratch.unlink()


def test_outside_a_repository(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x\n")
    with pytest.raises(GitError, match="not inside a git repository"):
        call(tools(tmp_path)["git_diff"], base="main")
