"""Finding profiles by name across project, user and built-in folders; resolving ``--profile``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workbench.config import (
    BUILTIN_PROFILES_DIR,
    DEFAULT_PROFILE,
    ProfileError,
    default_search_dirs,
    discover_profiles,
    resolve_profile,
)

TEAM = """\
agents:
  - id: fast
    backend: {type: openai, model: gpt-5-mini, concurrent_tool_execution: true}
  - id: careful
    backend: {type: claude, model: claude-sonnet-4-5, disable_parallel_tool_use: true}
"""


@pytest.fixture
def user_dir() -> Path:
    """The user's profile folder under the temporary XDG_CONFIG_HOME the test conftest sets."""
    folder = Path(os.environ["XDG_CONFIG_HOME"]) / "workbench" / "profiles"
    folder.mkdir(parents=True)
    return folder


def test_default_search_order_is_project_then_user_then_builtin(
    project: Path, user_dir: Path
) -> None:
    assert default_search_dirs() == [project / "profiles", user_dir, BUILTIN_PROFILES_DIR]


def test_builtin_profiles_are_found_without_any_setup(project: Path) -> None:
    entries = discover_profiles()
    names = [entry.name for entry in entries]
    assert DEFAULT_PROFILE in names
    assert all(entry.builtin and entry.ok for entry in entries)


def test_earlier_folders_shadow_later_ones_by_name(project: Path, user_dir: Path) -> None:
    (user_dir / "local.yaml").write_text("type: scripted\ndescription: user's local\n")
    (project / "profiles" / "local.yml").write_text(
        "type: scripted\ndescription: project's local\n"
    )
    (user_dir / "mine.yaml").write_text("type: scripted\ndescription: user's own\n")
    entries = {entry.name: entry for entry in discover_profiles()}
    assert entries["local"].path == project / "profiles" / "local.yml"
    assert resolve_profile("local").description == "project's local"
    assert resolve_profile("mine").description == "user's own"
    assert [e.name for e in discover_profiles()].count("local") == 1


def test_invalid_files_are_listed_with_their_error(project: Path) -> None:
    (project / "profiles" / "broken.yaml").write_text("type: scripted\nmax_concurent_tools: 2\n")
    (project / "profiles" / "notes.txt").write_text("not a profile")
    entries = {entry.name: entry for entry in discover_profiles()}
    broken = entries["broken"]
    assert broken.profile is None and not broken.ok
    assert str(broken.error) == (
        "profiles/broken.yaml, line 2, field 'max_concurent_tools': unknown key. "
        "Did you mean 'max_concurrent_tools'?"
    )
    assert "notes" not in entries
    with pytest.raises(ProfileError) as info:
        resolve_profile("broken")
    assert info.value.line == 2


def test_entries_carry_warnings(project: Path) -> None:
    (project / "profiles" / "odd.yaml").write_text(
        "type: gemini\nmodel: gemini-2.5-flash\nparallel_tool_calls: false\n"
    )
    [odd] = [entry for entry in discover_profiles() if entry.name == "odd"]
    assert odd.ok
    assert odd.warnings and odd.warnings[0].startswith("Gemini has no parallel-call switch")


def test_a_massgen_team_lists_one_entry_per_agent(project: Path) -> None:
    (project / "profiles" / "team.yaml").write_text(TEAM)
    names = [entry.name for entry in discover_profiles()]
    assert "team#fast" in names and "team#careful" in names
    assert resolve_profile("team#careful").type == "anthropic"
    with pytest.raises(ProfileError) as info:
        resolve_profile("team")
    assert str(info.value) == (
        "profiles/team.yaml: this MassGen config holds 2 agents (fast, careful). "
        "Pick one with 'profiles/team.yaml#fast'."
    )


def test_resolve_by_path_and_by_path_with_agent(project: Path) -> None:
    path = project / "elsewhere" / "team.yaml"
    path.parent.mkdir()
    path.write_text(TEAM)
    assert resolve_profile("elsewhere/team.yaml#fast").name == "fast"
    assert resolve_profile(f"{path}#careful").name == "careful"
    with pytest.raises(ProfileError) as info:
        resolve_profile("elsewhere/team.yaml#carefull")
    assert info.value.message == "no agent with id 'carefull' in this file"
    assert info.value.suggestion == "Did you mean 'careful'? Agents: fast, careful"


def test_resolve_a_single_profile_file_by_path(project: Path) -> None:
    (project / "quick.yaml").write_text("type: scripted\nseed: 3\n")
    assert resolve_profile("quick.yaml").seed == 3  # a bare file name ending in .yaml is a path
    assert resolve_profile("./quick.yaml").name == "quick"


def test_a_missing_path_is_a_clear_error(project: Path) -> None:
    with pytest.raises(ProfileError) as info:
        resolve_profile("profiles/nope.yaml")
    assert str(info.value) == "profiles/nope.yaml: file not found."


def test_an_unknown_name_suggests_and_lists_what_exists(project: Path) -> None:
    with pytest.raises(ProfileError) as info:
        resolve_profile("antropic")
    err = info.value
    assert err.message == "no profile named 'antropic'"
    assert err.suggestion is not None
    assert err.suggestion.startswith("Did you mean 'anthropic'? Available: anthropic, gemini, ")
    assert err.suggestion.endswith("A path to a .yaml file works too")


def test_explicit_search_dirs_replace_the_defaults(tmp_path: Path) -> None:
    folder = tmp_path / "only"
    folder.mkdir()
    (folder / "solo.yaml").write_text("type: scripted\n")
    assert [entry.name for entry in discover_profiles([folder, tmp_path / "missing"])] == ["solo"]
    assert resolve_profile("solo", [folder]).name == "solo"
    with pytest.raises(ProfileError):
        resolve_profile(DEFAULT_PROFILE, [folder])


def test_the_default_profile_is_the_offline_scripted_one(project: Path) -> None:
    profile = resolve_profile(DEFAULT_PROFILE)
    assert profile.type == "scripted"
    assert profile.api_key_env is None
