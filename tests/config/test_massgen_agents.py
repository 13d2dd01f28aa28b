"""MassGen configs as users have them: agents workbench cannot run beside those it can, ``${cwd}``
in MCP args, tool filters, and what ``workbench profiles`` says about each agent."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.cli import main
from workbench.config import ProfileError, load_profile_file, resolve_profile
from workbench.config.discovery import entries_for_file

CASES = Path(__file__).parent / "massgen" / "cases"


def test_runnable_agents_load_beside_one_workbench_cannot_run() -> None:
    profiles = load_profile_file(CASES / "mixed_team.yaml")
    assert [(p.name, p.type) for p in profiles] == [
        ("gemini_agent", "gemini"),
        ("openai_agent", "openai-responses"),
    ]
    entries = {e.name: e for e in entries_for_file(CASES / "mixed_team.yaml")}
    cannot = entries["mixed_team#claude_code_agent"]
    assert cannot.profile is None
    assert cannot.not_runnable is not None and "Claude Code" in cannot.not_runnable


def test_file_hash_agent_picks_a_runnable_agent_and_names_why_another_cannot_run() -> None:
    path = CASES / "ag2_beside_openai.yaml"
    assert resolve_profile(f"{path}#reviewer").model == "gpt-5-mini"
    assert resolve_profile(str(path)).name == "reviewer"  # the only runnable one
    with pytest.raises(ProfileError) as info:
        resolve_profile(f"{path}#ag2_coder")
    message = str(info.value)
    assert "agent 'ag2_coder' cannot be run by workbench" in message and "AG2" in message
    assert "ag2_beside_openai.yaml#reviewer" in message


def test_azure_openai_is_said_to_be_unsupported_not_a_typo_of_openai() -> None:
    with pytest.raises(ProfileError) as info:
        load_profile_file(CASES / "azure_only.yaml")
    assert "Azure OpenAI is not supported" in str(info.value)
    assert "Did you mean" not in str(info.value)


def test_cwd_in_mcp_args_is_the_backends_cwd_as_in_massgen() -> None:
    [profile] = load_profile_file(CASES / "cwd_in_mcp_args.yaml")
    [server] = profile.mcp_servers
    assert server.args == [
        "@playwright/mcp@latest",
        "--output-dir=workspace1",
        "--user-data-dir=workspace1/profile",
    ]


def test_backend_tool_filters_reach_each_server() -> None:
    [profile] = load_profile_file(CASES / "tool_filters.yaml")
    weather, search = profile.mcp_servers
    assert weather.allowed_tools == ["get_current_weather"]
    assert search.allowed_tools == ["web_search"]
    assert search.exclude_tools == ["debug_mode", "web_search_raw"]
    assert not any("allowed_tools" in w or "exclude_tools" in w for w in profile.warnings())


def test_profiles_file_shows_each_agents_provider_and_model_and_who_cannot_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["profiles", str(CASES / "mixed_team.yaml")]) == 0
    out = capsys.readouterr().out
    assert "gemini_agent       gemini            gemini-2.5-flash" in out
    assert "openai_agent       openai-responses  gpt-5-mini" in out
    assert "claude_code_agent  not runnable: a claude_code agent runs Claude Code" in out


def test_profiles_accepts_file_hash_agent_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profiles", f"{CASES / 'mixed_team.yaml'}#openai_agent"]) == 0
    out = capsys.readouterr().out
    assert "valid (openai_agent)" in out and "gemini_agent" not in out
    assert main(["profiles", f"{CASES / 'mixed_team.yaml'}#nobody"]) != 0
    assert "no agent with id 'nobody'" in capsys.readouterr().out


def test_gemini_reads_google_api_key_too(monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.providers.factory import resolve_api_key

    [gemini] = load_profile_file(CASES / "mixed_team.yaml")[:1]
    assert gemini.api_key_env == "GEMINI_API_KEY"
    monkeypatch.setenv("GOOGLE_API_KEY", "from-google")
    assert resolve_api_key(gemini) == "from-google"
    monkeypatch.setenv("GEMINI_API_KEY", "from-gemini")
    assert resolve_api_key(gemini) == "from-gemini"


def test_the_profile_list_marks_an_agent_that_cannot_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "team.yaml").write_text((CASES / "mixed_team.yaml").read_text())
    monkeypatch.chdir(tmp_path)
    assert main(["profiles"]) == 0
    out = capsys.readouterr().out
    assert "team#openai_agent" in out and "team#gemini_agent" in out
    assert "- team#claude_code_agent" in out and "not runnable: a claude_code agent" in out
    assert "invalid" not in out.split("team#claude_code_agent")[1].splitlines()[0]
