"""The code-review demo's repository: real git, a feature branch of 8 changed files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.demo.repo import DemoRepository, build_demo_repository
from workbench.tools.git import GIT_MISSING, GitError, run_git


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[DemoRepository]:
    built = build_demo_repository(tmp_path)
    yield built
    built.cleanup()


def test_the_branch_changes_eight_files_in_two_commits(repo: DemoRepository) -> None:
    assert repo.branch == "feature/discount-codes"
    assert len(repo.changed) == 8
    log = run_git(["log", "--format=%an", "main..HEAD"], repo.root).stdout.decode().split("\n")
    assert [name for name in log if name] == ["Priya Raman", "Sam Okafor"]
    status = run_git(["status", "--porcelain"], repo.root).stdout
    assert status == b""  # everything committed


def test_two_builds_give_the_same_commits(tmp_path: Path, repo: DemoRepository) -> None:
    other = build_demo_repository(tmp_path)
    try:
        ids = [run_git(["rev-parse", "HEAD"], r.root).stdout for r in (repo, other)]
        assert ids[0] == ids[1]
    finally:
        other.cleanup()


def test_cleanup_removes_the_temporary_directory(tmp_path: Path) -> None:
    built = build_demo_repository(tmp_path)
    built.cleanup()
    assert not built.temp.exists()


def test_without_git_one_line_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(GitError) as info:
        build_demo_repository(tmp_path)
    assert str(info.value) == GIT_MISSING
    assert "\n" not in GIT_MISSING and "install" in GIT_MISSING
    assert list(tmp_path.glob("workbench-demo-*")) == []  # nothing left behind
