"""Every way a profile file can be wrong ends in one paragraph naming the file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.config.conftest import WriteProfile
from workbench.config import ProfileError, load_profile_file


def _error(path: Path) -> ProfileError:
    with pytest.raises(ProfileError) as info:
        load_profile_file(path)
    return info.value


def test_misspelt_key_names_file_line_field_and_the_nearest_key(
    write_profile: WriteProfile,
) -> None:
    path = write_profile(
        "bad.yaml",
        "# a profile\ntype: openai-chat\nmodel: gpt-5-mini\n\n\n\nmax_concurent_tools: 3\n",
    )
    err = _error(path)
    assert str(err) == (
        "profiles/bad.yaml, line 7, field 'max_concurent_tools': unknown key. "
        "Did you mean 'max_concurrent_tools'?"
    )
    assert (err.path, err.line, err.field) == (path, 7, "max_concurent_tools")
    assert err.suggestion == "Did you mean 'max_concurrent_tools'?"


def test_unknown_key_with_no_near_match_lists_the_allowed_keys(write_profile: WriteProfile) -> None:
    err = _error(write_profile("p.yaml", "type: scripted\nbogus_thing: 1\n"))
    assert (err.line, err.field, err.message) == (2, "bogus_thing", "unknown key")
    assert err.suggestion is not None
    assert err.suggestion.startswith("Keys allowed here: name, description, type, model")


def test_unknown_key_inside_a_nested_mapping(write_profile: WriteProfile) -> None:
    err = _error(write_profile("p.yaml", "type: scripted\nscripted:\n  ttft: 5\n"))
    assert str(err) == (
        "profiles/p.yaml, line 3, field 'scripted.ttft': unknown key. Did you mean 'ttft_ms'?"
    )


def test_bad_provider_type_lists_the_choices_and_maps_massgen_names(
    write_profile: WriteProfile,
) -> None:
    err = _error(write_profile("p.yaml", "model: claude-sonnet-4-5\ntype: claude\n"))
    assert str(err) == (
        "profiles/p.yaml, line 2, field 'type': must be one of 'scripted', 'openai-responses', "
        "'openai-chat', 'anthropic' or 'gemini' (got 'claude'). Did you mean 'anthropic'?"
    )


def test_bad_choice_suggests_the_closest_value(write_profile: WriteProfile) -> None:
    err = _error(write_profile("p.yaml", "type: scripted\nfunction_calling_mode: AMY\n"))
    assert err.field == "function_calling_mode"
    assert err.line == 2
    assert err.message == "must be one of 'AUTO', 'ANY' or 'NONE' (got 'AMY')"
    assert err.suggestion == "Did you mean 'ANY'?"


def test_function_calling_mode_is_case_insensitive(write_profile: WriteProfile) -> None:
    [profile] = load_profile_file(
        write_profile("p.yaml", "type: gemini\nmodel: m\nfunction_calling_mode: any\n")
    )
    assert profile.function_calling_mode == "ANY"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("max_concurrent_tools: 0", "must be at least 1 (got 0)"),
        ("max_concurrent_tools: ten", "must be a whole number (got 'ten')"),
        ("tool_timeout_s: 0", "must be greater than 0 (got 0)"),
        ("tool_timeout_s: soon", "must be a number (got 'soon')"),
        ("tool_retries: 11", "must be at most 10 (got 11)"),
        ("seed: 1.5", "must be a whole number (got 1.5)"),
        ("max_turns: true", "must be a whole number (got true)"),
        ("parallel_tool_calls: maybe", "must be true or false (got 'maybe')"),
        ("concurrent_tool_execution: 1", "must be true or false (got 1)"),
        ("tools: get_weather", "must be a list (got 'get_weather')"),
        ("faults: [get_weather]", "must be a mapping of keys to values (got a list)"),
        ("model: 5", "must be text (got 5)"),
    ],
)
def test_wrong_types_and_out_of_range_values(
    write_profile: WriteProfile, line: str, expected: str
) -> None:
    err = _error(write_profile("p.yaml", f"type: scripted\n{line}\n"))
    assert err.line == 2
    assert err.field == line.split(":")[0]
    assert err.message == expected


def test_fault_errors_point_inside_the_faults_mapping(write_profile: WriteProfile) -> None:
    text = (
        "type: scripted\n"
        "faults:\n"
        "  get_weather:\n"
        "    latency_ms: slow\n"
        "  get_time:\n"
        "    failure_rate: 2\n"
        "  sleep:\n"
        "    latency_ms: [500, 100]\n"
    )
    err = _error(write_profile("p.yaml", text))
    assert (err.line, err.field) == (4, "faults.get_weather.latency_ms")
    assert err.message == "must be milliseconds: a number, or a [low, high] pair (got 'slow')"
    others = [(e.line, e.field, e.message) for e in err.more]
    assert others == [
        (6, "faults.get_time.failure_rate", "must be at most 1 (got 2)"),
        (7, "faults.sleep", "latency_ms range must be [low, high] with 0 <= low <= high"),
    ]
    assert "Also: line 6, field 'faults.get_time.failure_rate'" in str(err)


def test_missing_required_fields(write_profile: WriteProfile) -> None:
    err = _error(write_profile("p.yaml", "description: no type here\n"))
    assert err.field == "type"
    assert err.message == "required, but not set"
    assert err.suggestion == (
        "Set it to one of 'scripted', 'openai-responses', 'openai-chat', 'anthropic' or 'gemini'"
    )
    err = _error(write_profile("q.yaml", "type: anthropic\n"))
    assert str(err) == (
        "profiles/q.yaml, line 1, field 'model': a model id is required for type 'anthropic'."
    )


def test_duplicate_keys_are_rejected_not_silently_overwritten(write_profile: WriteProfile) -> None:
    err = _error(write_profile("p.yaml", "type: scripted\nseed: 1\nseed: 2\n"))
    assert str(err) == (
        "profiles/p.yaml, line 3, field 'seed': duplicate key (first set on line 2); YAML would "
        "silently keep only the last one. Delete one of the two."
    )
    nested = "type: scripted\nfaults:\n  get_time:\n    hang: true\n    hang: false\n"
    err = _error(write_profile("q.yaml", nested))
    assert (err.line, err.field) == (5, "faults.get_time.hang")


def test_yaml_syntax_error_names_the_line(write_profile: WriteProfile) -> None:
    err = _error(write_profile("p.yaml", "type: scripted\nmodel: 'unclosed\nseed: 1\n"))
    assert err.path is not None and err.path.name == "p.yaml"
    assert err.line == 4
    assert err.message.startswith("YAML syntax error: found unexpected end of stream")


def test_tab_indentation_gets_a_hint(write_profile: WriteProfile) -> None:
    err = _error(write_profile("p.yaml", "type: scripted\nscripted:\n\tttft_ms: 1\n"))
    assert err.line == 3
    assert err.suggestion == "YAML indentation must use spaces, not tabs"


def test_bad_indentation_gets_a_hint(write_profile: WriteProfile) -> None:
    err = _error(write_profile("p.yaml", "type: scripted\nmodel: a: b\n"))
    assert err.line == 2
    assert err.message == "YAML syntax error: mapping values are not allowed here"
    assert err.suggestion == "Check the indentation, and quote values that contain ': '"


def test_several_documents_in_one_file(write_profile: WriteProfile) -> None:
    err = _error(write_profile("p.yaml", "type: scripted\n---\ntype: gemini\n"))
    assert err.line == 2
    assert err.message == "the file holds more than one YAML document ('---' separator)"


def test_empty_file(write_profile: WriteProfile) -> None:
    err = _error(write_profile("p.yaml", "# only a comment\n"))
    assert str(err).startswith("profiles/p.yaml, line 1: the file is empty.")


@pytest.mark.parametrize(
    ("text", "found"), [("- type: scripted\n", "a list"), ("just words\n", "a single value")]
)
def test_top_level_must_be_a_mapping(write_profile: WriteProfile, text: str, found: str) -> None:
    err = _error(write_profile("p.yaml", text))
    assert err.line == 1
    assert err.message == f"expected settings as 'key: value' lines at the top level, found {found}"


def test_missing_file_suggests_the_other_extension(project: Path) -> None:
    (project / "profiles" / "mine.yml").write_text("type: scripted\n")
    err = _error(project / "profiles" / "mine.yaml")
    assert err.message == "file not found"
    assert err.suggestion == f"Did you mean '{project / 'profiles' / 'mine.yml'}'?"
    assert str(_error(project / "nothing.yaml")) == "nothing.yaml: file not found."


def test_a_directory_is_not_a_profile(project: Path) -> None:
    err = _error(project / "profiles")
    assert str(err) == (
        "profiles: this is a directory, not a profile file. Give the path of a .yaml file inside it."
    )


def test_unreadable_file(write_profile: WriteProfile, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_profile("p.yaml", "type: scripted\n")

    def refuse(path: Path, *, limit: int, what: str) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("workbench.config.yaml_source.read_regular", refuse)
    err = _error(path)
    assert str(err) == (
        "profiles/p.yaml: cannot read the file (permission denied). Check the file's permissions."
    )


def test_bytes_that_are_not_utf8_name_their_line(project: Path) -> None:
    path = project / "profiles" / "p.yaml"
    path.write_bytes(b"type: scripted\ndescription: caf\xe9\n")
    err = _error(path)
    assert err.line == 2
    assert err.message == "the file is not UTF-8 text (byte 0xe9 cannot be decoded)"


def test_nul_bytes_are_reported_with_their_line(project: Path) -> None:
    path = project / "profiles" / "p.yaml"
    path.write_bytes(b"type: scripted\n\x00\n")
    err = _error(path)
    assert err.line == 2
    assert "NUL byte" in err.message


def test_a_utf8_bom_is_fine(project: Path) -> None:
    path = project / "profiles" / "p.yaml"
    path.write_bytes("\ufefftype: scripted\n".encode())
    assert load_profile_file(path)[0].type == "scripted"


def test_a_literal_api_key_is_refused_and_never_echoed(write_profile: WriteProfile) -> None:
    secret = "sk-proj-abcdefghijklmnop"
    err = _error(write_profile("p.yaml", f"type: openai-chat\nmodel: m\napi_key: {secret}\n"))
    assert (err.line, err.field, err.message) == (3, "api_key", "profiles never hold API keys")
    assert err.suggestion is not None and "api_key_env" in err.suggestion
    assert secret not in str(err)


def test_a_key_pasted_into_api_key_env_is_refused_and_never_echoed(
    write_profile: WriteProfile,
) -> None:
    secret = "sk-proj-abcdefghijklmnop"
    err = _error(write_profile("p.yaml", f"type: openai-chat\nmodel: m\napi_key_env: {secret}\n"))
    assert (err.line, err.field) == (3, "api_key_env")
    assert err.message.startswith("this looks like an API key itself")
    assert secret not in str(err)


def test_base_url_must_be_http(write_profile: WriteProfile) -> None:
    err = _error(write_profile("p.yaml", "type: openai-chat\nmodel: m\nbase_url: localhost:8000\n"))
    assert (err.line, err.field) == (3, "base_url")
    assert err.message == "must be an http:// or https:// URL, like http://localhost:11434/v1"


def test_several_problems_are_reported_first_by_line(write_profile: WriteProfile) -> None:
    text = "type: scripted\nseed: x\nmax_turns: 0\nfoo: 1\nbar: 2\nbaz: 3\n"
    err = _error(write_profile("p.yaml", text))
    assert (err.line, err.field) == (2, "seed")
    assert [e.line for e in err.more] == [3, 4, 5, 6]
    assert str(err).endswith("; and 1 more.")


@pytest.mark.parametrize(
    "line",
    ['parallel_tool_calls: "false"', "max_concurrent_tools: '4'", 'tool_timeout_s: "2.5"'],
)
def test_quoted_numbers_and_booleans_get_a_hint(write_profile: WriteProfile, line: str) -> None:
    err = _error(write_profile("p.yaml", f"type: scripted\n{line}\n"))
    assert err.line == 2
    assert err.suggestion is not None and err.suggestion.endswith("without quotes")
