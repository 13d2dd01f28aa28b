"""Finding profiles by name, and resolving what the user typed after ``--profile``.

Search order: ``./profiles/`` in the working directory, then the user's config folder
(``$XDG_CONFIG_HOME/workbench/profiles`` on Linux), then the profiles shipped with workbench. A file
found earlier shadows a later file with the same name. Invalid files are listed with their error
rather than hidden, so ``workbench profiles`` can show what is wrong.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_config_path

from workbench.config.errors import ProfileError, did_you_mean, display_path
from workbench.config.loader import (
    PROFILE_SUFFIXES,
    LoadedFile,
    NotRunnable,
    load_file,
    none_runnable,
)
from workbench.config.profile import Profile

DEFAULT_PROFILE = "local"
"""The profile used when none is given: the scripted model, offline and keyless."""


def _builtin_profiles_dir() -> Path:
    package = Path(__file__).resolve().parent.parent
    installed = package / "profiles"  # a wheel: force-included from the top-level profiles/
    return installed if installed.is_dir() else package.parent / "profiles"


BUILTIN_PROFILES_DIR = _builtin_profiles_dir()
"""The profiles shipped with workbench: the top-level ``profiles/`` folder of the source tree,
packaged into the wheel as ``workbench/profiles``."""


def project_profiles_dir() -> Path:
    return Path.cwd() / "profiles"


def user_profiles_dir() -> Path:
    return user_config_path("workbench") / "profiles"


def default_search_dirs() -> list[Path]:
    """Where profiles are looked for, earliest first (earlier ones shadow later ones)."""
    return [project_profiles_dir(), user_profiles_dir(), BUILTIN_PROFILES_DIR]


@dataclass(frozen=True)
class ProfileEntry:
    """One profile found on disk: loaded, or with the error that stops it loading."""

    name: str
    """What to pass to ``--profile``: the file name without extension, or ``file#agent_id`` for
    a MassGen config with several agents."""
    path: Path
    profile: Profile | None
    error: ProfileError | None
    warnings: list[str] = field(default_factory=list)
    not_runnable: str | None = None
    """Why workbench cannot run this MassGen agent (``claude_code``, ``ag2``...), or None."""

    @property
    def ok(self) -> bool:
        return self.profile is not None

    @property
    def builtin(self) -> bool:
        return self.path.parent.resolve() == BUILTIN_PROFILES_DIR


def entries_for_file(path: Path) -> list[ProfileEntry]:
    """The entries one file yields (one per agent for a MassGen config with several)."""
    stem = path.stem
    try:
        loaded = load_file(path)
    except ProfileError as exc:
        return [ProfileEntry(name=stem, path=path, profile=None, error=exc)]
    profiles = loaded.profiles
    if len(profiles) == 1 and not loaded.not_runnable:
        only = profiles[0]
        return [
            ProfileEntry(name=stem, path=path, profile=only, error=None, warnings=only.warnings())
        ]
    entries = [
        ProfileEntry(
            name=f"{stem}#{p.name}", path=path, profile=p, error=None, warnings=p.warnings()
        )
        for p in profiles
    ]
    entries += [_not_runnable_entry(f"{stem}#{a.name}", path, a) for a in loaded.not_runnable]
    return entries


def _not_runnable_entry(name: str, path: Path, agent: NotRunnable) -> ProfileEntry:
    error = ProfileError(
        f"agent '{agent.name}' cannot be run by workbench: {agent.reason}", path=path
    )
    return ProfileEntry(name=name, path=path, profile=None, error=error, not_runnable=agent.reason)


def discover_profiles(search_dirs: list[Path] | None = None) -> list[ProfileEntry]:
    """Every profile in the search directories, earlier directories shadowing later ones by name."""
    dirs = default_search_dirs() if search_dirs is None else search_dirs
    seen: set[str] = set()
    entries: list[ProfileEntry] = []
    for folder in dirs:
        try:
            paths = sorted(folder.iterdir()) if folder.is_dir() else []
        except OSError:  # unreadable, or gone since: nothing found there
            continue
        for path in paths:
            if path.suffix.lower() not in PROFILE_SUFFIXES or path.name.startswith("."):
                continue
            if path.stem in seen:
                continue
            seen.add(path.stem)
            entries.extend(entries_for_file(path))
    return entries


def resolve_profile(name_or_path: str, search_dirs: list[Path] | None = None) -> Profile:
    """The profile ``--profile`` names: a file path (``FILE#agent_id`` picks a MassGen agent) or
    the name of a discovered profile. Raises :class:`ProfileError` saying what is available."""
    text = name_or_path.strip()
    base, agent = split_agent(text)
    if _looks_like_path(base):
        path = Path(base).expanduser()
        return pick_agent(load_file(path), agent, path)
    entries = discover_profiles(search_dirs)
    for entry in entries:
        if entry.name == text:
            return _usable(entry)
    same_file = [entry for entry in entries if entry.path.stem == base]
    if same_file:
        profiles = [entry.profile for entry in same_file if entry.profile is not None]
        if not profiles:
            return _usable(same_file[0])  # the file is broken: raise its error
        unusable = [
            NotRunnable(e.name.rpartition("#")[2], e.not_runnable)
            for e in same_file
            if e.not_runnable is not None
        ]
        return pick_agent(LoadedFile(profiles, unusable), agent, same_file[0].path)
    raise _unknown_name(text, entries)


def _is_file(text: str) -> bool:
    """Whether ``text`` names a file; False for a name no file can have (too long, say)."""
    try:
        return Path(text).expanduser().is_file()
    except (OSError, ValueError):
        return False


def split_agent(text: str) -> tuple[str, str | None]:
    """``team.yaml#agent_a`` as ``("team.yaml", "agent_a")``; a name without ``#`` (or a file
    whose name holds one) as ``(text, None)``."""
    if "#" in text and not _is_file(text):
        base, _, agent = text.rpartition("#")
        return base, agent or None
    return text, None


def _looks_like_path(text: str) -> bool:
    return (
        "/" in text or os.sep in text or text.lower().endswith(PROFILE_SUFFIXES) or _is_file(text)
    )


def _usable(entry: ProfileEntry) -> Profile:
    if entry.profile is None:
        assert entry.error is not None
        raise entry.error
    return entry.profile


def pick_agent(loaded: LoadedFile, agent: str | None, path: Path) -> Profile:
    """The profile ``agent`` names in a loaded file (the only one when None), or a
    :class:`ProfileError` saying which agents there are and which cannot run."""
    profiles = loaded.profiles
    for other in loaded.not_runnable:
        if other.name == agent:
            raise ProfileError(
                f"agent '{agent}' cannot be run by workbench: {other.reason}",
                path=path,
                suggestion=_runnable_hint(path, profiles),
            )
    if not profiles:
        raise none_runnable(path, loaded.not_runnable)
    ids = [p.name for p in profiles]
    if agent is None:
        if len(profiles) == 1:
            return profiles[0]
        shown = display_path(path)
        raise ProfileError(
            f"this MassGen config holds {len(profiles)} agents ({', '.join(ids)})",
            path=path,
            suggestion=f"Pick one with '{shown}#{ids[0]}'",
        )
    for profile in profiles:
        if profile.name == agent:
            return profile
    close = did_you_mean(agent, ids)
    raise ProfileError(
        f"no agent with id '{agent}' in this file",
        path=path,
        suggestion=(f"Did you mean '{close}'? " if close else "") + f"Agents: {', '.join(ids)}",
    )


def _runnable_hint(path: Path, profiles: list[Profile]) -> str | None:
    if not profiles:
        return None
    shown = display_path(path)
    return "Runnable here: " + ", ".join(f"'{shown}#{p.name}'" for p in profiles)


def _unknown_name(name: str, entries: list[ProfileEntry]) -> ProfileError:
    names = sorted({entry.name for entry in entries})
    close = did_you_mean(name, names)
    hint = f"Did you mean '{close}'? " if close else ""
    available = f"Available: {', '.join(names)}. " if names else "No profiles were found. "
    return ProfileError(
        f"no profile named '{name}'",
        suggestion=f"{hint}{available}A path to a .yaml file works too",
    )
