"""Workspace confinement: every way out is refused with a message the model can act on."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.tools.workspace import Workspace, WorkspaceError


@pytest.fixture
def ws(workspace_dir: Path) -> Workspace:
    return Workspace(workspace_dir)


def test_the_message_names_the_path_and_says_why(ws: Workspace) -> None:
    with pytest.raises(WorkspaceError) as info:
        ws.resolve("../etc/passwd")
    assert str(info.value) == "path '../etc/passwd' is outside the workspace"


@pytest.mark.parametrize("path", ["..", "../outside/secret.txt", "src/../../outside", "src/../.."])
def test_dot_dot_escapes_are_refused(ws: Workspace, path: str) -> None:
    with pytest.raises(WorkspaceError, match="is outside the workspace"):
        ws.resolve(path)


def test_dot_dot_that_stays_inside_is_fine(ws: Workspace, workspace_dir: Path) -> None:
    assert ws.resolve("src/../README.md") == workspace_dir.resolve() / "README.md"


def test_absolute_paths_outside_are_refused(ws: Workspace, outside: Path) -> None:
    for path in ("/etc/passwd", str(outside / "secret.txt"), "/"):
        with pytest.raises(WorkspaceError, match="is outside the workspace"):
            ws.resolve(path)


def test_absolute_paths_inside_are_fine(ws: Workspace, workspace_dir: Path) -> None:
    assert ws.file(str(workspace_dir / "README.md")).name == "README.md"


def test_symlinks_leading_out_are_refused_for_files_and_dirs(ws: Workspace) -> None:
    for path in ("link_out", "dir_out", "dir_out/secret.txt"):
        with pytest.raises(WorkspaceError, match="is outside the workspace"):
            ws.resolve(path)


def test_a_symlink_inside_is_followed(ws: Workspace, workspace_dir: Path) -> None:
    assert ws.file("link_in") == workspace_dir.resolve() / "src" / "util.py"


def test_missing_paths_and_wrong_kinds_are_named(ws: Workspace) -> None:
    with pytest.raises(WorkspaceError, match=r"'nope\.txt' does not exist in the workspace"):
        ws.file("nope.txt")
    with pytest.raises(WorkspaceError, match=r"'nope' does not exist in the workspace"):
        ws.directory("nope")
    with pytest.raises(WorkspaceError, match=r"'README\.md' is a file, not a directory"):
        ws.directory("README.md")
    with pytest.raises(WorkspaceError, match="'src' is a directory, not a file"):
        ws.file("src")


def test_a_missing_path_inside_still_resolves(ws: Workspace, workspace_dir: Path) -> None:
    # resolve() only judges where a path leads; file()/directory() judge whether it is there.
    assert ws.resolve("new/file.txt") == workspace_dir.resolve() / "new" / "file.txt"


def test_nul_bytes_and_symlink_loops_are_errors_not_crashes(
    ws: Workspace, workspace_dir: Path
) -> None:
    with pytest.raises(WorkspaceError, match="not a valid path"):
        ws.resolve("a\0b")
    (workspace_dir / "loop_a").symlink_to(workspace_dir / "loop_b")
    (workspace_dir / "loop_b").symlink_to(workspace_dir / "loop_a")
    with pytest.raises(WorkspaceError):
        ws.file("loop_a")


def test_the_root_must_be_an_existing_directory(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="does not exist"):
        Workspace(tmp_path / "missing")
    (tmp_path / "f").write_text("x")
    with pytest.raises(WorkspaceError, match="is not a directory"):
        Workspace(tmp_path / "f")


def test_a_symlinked_root_confines_to_its_target(workspace_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "ws_link").symlink_to(workspace_dir, target_is_directory=True)
    ws = Workspace(tmp_path / "ws_link")
    assert ws.file("README.md").read_text().startswith("hello")
    with pytest.raises(WorkspaceError, match="outside"):
        ws.resolve("link_out")


def test_relative_paths_are_shown_with_forward_slashes(ws: Workspace) -> None:
    assert ws.relative(ws.file("src/app.py")) == "src/app.py"
    assert ws.relative(ws.directory(".")) == "."
