"""Loading good profile files: names, relative tool paths, where a profile came from."""

from __future__ import annotations

from pathlib import Path

from tests.config.conftest import WriteProfile
from workbench.config import load_profile_file


def test_name_defaults_to_the_file_stem_and_can_be_set(write_profile: WriteProfile) -> None:
    [plain] = load_profile_file(write_profile("fast-demo.yaml", "type: scripted\n"))
    assert plain.name == "fast-demo"
    [named] = load_profile_file(write_profile("x.yaml", "type: scripted\nname: Fancy\n"))
    assert named.name == "Fancy"


def test_tool_module_paths_are_relative_to_the_profile_folder(
    write_profile: WriteProfile, project: Path
) -> None:
    text = "type: scripted\ntool_modules:\n  - my_tools.py\n  - ../shared/more.py\n  - pkg.tools\n"
    [profile] = load_profile_file(write_profile("p.yaml", text))
    assert profile.tool_modules == [
        str(project / "profiles" / "my_tools.py"),
        str(project / "shared" / "more.py"),
        "pkg.tools",  # a dotted module name is imported as is
    ]


def test_workspace_is_kept_as_written_for_the_run_to_resolve(write_profile: WriteProfile) -> None:
    [profile] = load_profile_file(write_profile("p.yaml", "type: scripted\nworkspace: demo\n"))
    assert profile.workspace == "demo"


def test_a_profile_remembers_its_file(write_profile: WriteProfile) -> None:
    path = write_profile("p.yaml", "type: scripted\n")
    [profile] = load_profile_file(path)
    assert profile.source_path == str(path)
    assert profile.with_overrides(seed=4).source_path == str(path)


def test_yaml_anchors_and_merge_keys_work(write_profile: WriteProfile) -> None:
    text = (
        "type: scripted\n"
        "faults:\n"
        "  get_weather: &slow\n"
        "    latency_ms: [100, 200]\n"
        "  get_time: *slow\n"
    )
    [profile] = load_profile_file(write_profile("p.yaml", text))
    assert profile.faults["get_time"] == profile.faults["get_weather"]
