"""Confining file paths a model sends to one workspace directory.

Every path is resolved with its symlinks followed and must stay under the resolved root, so ``..``,
absolute paths elsewhere and links that lead out are all refused the same way. Errors are worded for
the model, which sees them as the tool's result and can correct its next call.
"""

from __future__ import annotations

from pathlib import Path


class WorkspaceError(ValueError):
    """A path the model gave cannot be used: outside the workspace, missing, or the wrong kind."""


class Workspace:
    """A directory that file tools may read, and nothing outside it."""

    def __init__(self, root: Path) -> None:
        try:
            resolved = root.expanduser().resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            raise WorkspaceError(f"workspace root '{root}' does not exist") from exc
        if not resolved.is_dir():
            raise WorkspaceError(f"workspace root '{root}' is not a directory")
        self.root = resolved

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    def resolve(self, user_path: str) -> Path:
        """The real path of ``user_path`` (relative to the root), refused when it leads outside."""
        shown = user_path
        try:
            # An absolute user_path replaces the root here; the containment check below judges it.
            real = (self.root / user_path).resolve()
        except ValueError as exc:  # an embedded NUL byte
            raise WorkspaceError(f"path {shown!r} is not a valid path") from exc
        except (OSError, RuntimeError) as exc:  # a symlink loop (RuntimeError before Python 3.13)
            raise WorkspaceError(f"path '{shown}' cannot be resolved: {exc}") from exc
        if not real.is_relative_to(self.root):
            raise WorkspaceError(f"path '{shown}' is outside the workspace")
        return real

    def contains(self, path: Path) -> bool:
        """Whether ``path``, with symlinks followed, lies inside the workspace."""
        try:
            return path.resolve().is_relative_to(self.root)
        except (OSError, RuntimeError, ValueError):
            return False

    def file(self, user_path: str) -> Path:
        """An existing regular file inside the workspace."""
        real = self.resolve(user_path)
        if not real.exists():
            raise WorkspaceError(f"path '{user_path}' does not exist in the workspace")
        if real.is_dir():
            raise WorkspaceError(f"path '{user_path}' is a directory, not a file")
        if not real.is_file():
            raise WorkspaceError(f"path '{user_path}' is not a regular file")
        return real

    def directory(self, user_path: str) -> Path:
        """An existing directory inside the workspace."""
        real = self.resolve(user_path)
        if not real.exists():
            raise WorkspaceError(f"path '{user_path}' does not exist in the workspace")
        if not real.is_dir():
            raise WorkspaceError(f"path '{user_path}' is a file, not a directory")
        return real

    def relative(self, path: Path) -> str:
        """``path`` as the model should see it: relative to the root, with forward slashes."""
        rel = path.relative_to(self.root).as_posix()
        return rel or "."
