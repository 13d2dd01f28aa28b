"""Loading user tools from modules and files, and building a session's registry."""

from __future__ import annotations

import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tools.helpers import call
from workbench.tools.builtin import BUILTIN_TOOL_NAMES
from workbench.tools.loading import ToolLoadError, build_registry, load_tool_modules

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _forget_imported_modules() -> Iterator[None]:
    """User modules imported by a test must not leak into the next one."""
    before = set(sys.modules)
    path = list(sys.path)
    yield
    for name in set(sys.modules) - before:
        del sys.modules[name]
    assert sys.path == path, "loading must not leave entries on sys.path"


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


def unique(prefix: str) -> str:
    # importlib caches modules by name; every test imports its own.
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


GOOD = textwrap.dedent(
    """\
    from workbench.tools import tool

    @tool
    def shout(text: str) -> str:
        \"\"\"Upper-case the text.\"\"\"
        return text.upper()
    """
)


# --- the shipped example ------------------------------------------------------------------------


async def test_the_example_file_gives_a_sync_and_an_async_tool() -> None:
    tools = load_tool_modules(["examples/tools/my_tools.py"], REPO)
    by_name = {t.name: t for t in tools}
    assert list(by_name) == ["word_count", "convert_currency"]
    assert not by_name["word_count"].is_async
    assert by_name["convert_currency"].is_async
    assert by_name["convert_currency"].parameters["required"] == ["amount"]
    assert await call(by_name["word_count"], {"text": "one two\nthree"}) == {
        "words": 3,
        "lines": 2,
        "chars": 13,
    }
    assert await call(by_name["convert_currency"], {"amount": 10, "to": "gbp"}) == {
        "amount": 7.9,
        "currency": "GBP",
    }
    with pytest.raises(ValueError, match="unknown currency 'XYZ'"):
        await call(by_name["convert_currency"], {"amount": 1, "to": "XYZ"})


# --- where modules come from -------------------------------------------------------------------


def test_a_relative_file_path_resolves_against_base_dir(tmp_path: Path) -> None:
    write(tmp_path / "profiles" / "tools" / "mine.py", GOOD)
    tools = load_tool_modules(["tools/mine.py"], tmp_path / "profiles")
    assert [t.name for t in tools] == ["shout"]
    assert tools[0]("hi") == "HI"


def test_an_absolute_file_path_is_used_as_is(tmp_path: Path) -> None:
    path = write(tmp_path / "abs.py", GOOD)
    assert [t.name for t in load_tool_modules([str(path)], Path("/nonexistent"))] == ["shout"]


def test_a_dotted_module_is_found_beside_the_profile(tmp_path: Path) -> None:
    name = unique("usertools")
    write(tmp_path / f"{name}.py", GOOD)
    assert [t.name for t in load_tool_modules([name], tmp_path)] == ["shout"]


def test_a_module_inside_a_package(tmp_path: Path) -> None:
    pkg = unique("userpkg")
    write(tmp_path / pkg / "__init__.py", "")
    write(tmp_path / pkg / "tools.py", GOOD)
    assert [t.name for t in load_tool_modules([f"{pkg}.tools"], tmp_path)] == ["shout"]


def test_a_tool_file_may_import_its_siblings(tmp_path: Path) -> None:
    helper = unique("helper")
    write(tmp_path / f"{helper}.py", "PREFIX = '>> '\n")
    write(
        tmp_path / "t.py",
        f"""\
        from workbench.tools import tool
        from {helper} import PREFIX

        @tool
        def prefixed(text: str) -> str:
            \"\"\"Prefix the text.\"\"\"
            return PREFIX + text
        """,
    )
    tools = load_tool_modules(["t.py"], tmp_path)
    assert tools[0]("x") == ">> x"


def test_two_files_with_the_same_name_do_not_replace_each_other(tmp_path: Path) -> None:
    write(tmp_path / "a" / "tools.py", GOOD)
    write(tmp_path / "b" / "tools.py", GOOD.replace("shout", "whisper"))
    tools = load_tool_modules(["a/tools.py", "b/tools.py"], tmp_path)
    assert [t.name for t in tools] == ["shout", "whisper"]


def test_an_edited_file_is_picked_up_on_the_next_load(tmp_path: Path) -> None:
    path = write(tmp_path / "t.py", GOOD)
    assert [t.name for t in load_tool_modules(["t.py"], tmp_path)] == ["shout"]
    write(path, GOOD.replace("shout", "yell"))
    assert [t.name for t in load_tool_modules(["t.py"], tmp_path)] == ["yell"]


def test_reexported_builtin_tools_are_not_counted_as_the_users(tmp_path: Path) -> None:
    write(tmp_path / "t.py", "from workbench.tools.builtin import get_weather, sleep\n" + GOOD)
    assert [t.name for t in load_tool_modules(["t.py"], tmp_path)] == ["shout"]


def test_the_same_tool_under_two_names_is_loaded_once(tmp_path: Path) -> None:
    write(tmp_path / "t.py", GOOD + "\nalias = shout\n")
    assert [t.name for t in load_tool_modules(["t.py"], tmp_path)] == ["shout"]


# --- errors a user can act on ------------------------------------------------------------------


def test_a_missing_file_names_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(ToolLoadError) as info:
        load_tool_modules(["nope/tools.py"], tmp_path)
    assert str(info.value) == (
        f"tool file 'nope/tools.py' not found (looked for {tmp_path.resolve() / 'nope/tools.py'})"
    )


def test_a_missing_module_suggests_a_file_path(tmp_path: Path) -> None:
    with pytest.raises(ToolLoadError, match=r"tool module 'no_such_mod\.x' was not found") as info:
        load_tool_modules(["no_such_mod.x"], tmp_path)
    assert "'no_such_mod/x.py'" in str(info.value)


def test_a_missing_dependency_is_not_reported_as_a_missing_module(tmp_path: Path) -> None:
    name = unique("needs_dep")
    write(tmp_path / f"{name}.py", "import not_installed_dep_xyz\n")
    with pytest.raises(ToolLoadError) as info:
        load_tool_modules([name], tmp_path)
    message = str(info.value)
    assert f"tool module '{name}' raised ModuleNotFoundError while importing" in message
    assert "not_installed_dep_xyz" in message


def test_a_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    write(tmp_path / "broken.py", "x = 1\n\ndef oops(:\n    pass\n")
    with pytest.raises(ToolLoadError) as info:
        load_tool_modules(["broken.py"], tmp_path)
    assert str(info.value).startswith(
        "tool file 'broken.py' has a syntax error (broken.py, line 3)"
    )


def test_a_syntax_error_in_a_dotted_module_names_the_line(tmp_path: Path) -> None:
    name = unique("broken")
    write(tmp_path / f"{name}.py", "def oops(:\n")
    with pytest.raises(ToolLoadError, match=rf"syntax error \({name}.py, line 1\)"):
        load_tool_modules([name], tmp_path)


def test_an_import_that_raises_names_the_line_and_leaves_no_module(tmp_path: Path) -> None:
    write(tmp_path / "raises.py", "import json\n\n\njson.loads('{')\n")
    before = set(sys.modules)
    with pytest.raises(ToolLoadError) as info:
        load_tool_modules(["raises.py"], tmp_path)
    assert str(info.value).startswith(
        "tool file 'raises.py' raised JSONDecodeError while importing at raises.py, line 4:"
    )
    assert set(sys.modules) == before


def test_a_module_without_tools_says_how_to_make_one(tmp_path: Path) -> None:
    write(tmp_path / "empty.py", "def plain(x: int) -> int:\n    return x\n")
    with pytest.raises(ToolLoadError, match=r"tool module 'empty\.py' defines no tools: .*@tool"):
        load_tool_modules(["empty.py"], tmp_path)


def test_a_bad_tool_signature_is_reported(tmp_path: Path) -> None:
    write(
        tmp_path / "varargs.py",
        "from workbench.tools import tool\n\n@tool\ndef f(*args: int) -> None:\n    pass\n",
    )
    with pytest.raises(ToolLoadError, match=r"raised TypeError .*\*args and \*\*kwargs"):
        load_tool_modules(["varargs.py"], tmp_path)


def test_a_builtin_name_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "clash.py", GOOD.replace("shout", "get_weather"))
    with pytest.raises(ToolLoadError, match="'get_weather', which is the name of a built-in tool"):
        load_tool_modules(["clash.py"], tmp_path)


def test_the_same_name_in_two_modules_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "one.py", GOOD)
    write(tmp_path / "two.py", GOOD)
    with pytest.raises(
        ToolLoadError, match=r"'shout' is defined twice: in 'one\.py' and in 'two\.py'"
    ):
        load_tool_modules(["one.py", "two.py"], tmp_path)


# --- the registry ------------------------------------------------------------------------------


def test_the_registry_has_builtins_then_user_tools(tmp_path: Path, workspace_dir: Path) -> None:
    write(tmp_path / "t.py", GOOD)
    registry = build_registry(None, ["t.py"], tmp_path, workspace_dir)
    assert registry.names == [*BUILTIN_TOOL_NAMES, "shout"]


def test_enabled_narrows_the_registry_in_the_given_order(
    tmp_path: Path, workspace_dir: Path
) -> None:
    write(tmp_path / "t.py", GOOD)
    enabled = ["shout", "get_time", "read_file", "get_time"]
    registry = build_registry(enabled, ["t.py"], tmp_path, workspace_dir)
    assert registry.names == ["shout", "get_time", "read_file"]


def test_no_enabled_tools_is_an_empty_registry(tmp_path: Path, workspace_dir: Path) -> None:
    assert len(build_registry([], [], tmp_path, workspace_dir)) == 0


def test_an_unknown_enabled_tool_suggests_the_close_one(
    tmp_path: Path, workspace_dir: Path
) -> None:
    with pytest.raises(ToolLoadError) as info:
        build_registry(["get_wether"], [], tmp_path, workspace_dir)
    message = str(info.value)
    assert message.startswith(
        "unknown tool 'get_wether' in the enabled tools; did you mean 'get_weather'?"
    )
    assert "available: get_weather, get_time" in message


def test_an_unknown_enabled_tool_without_a_close_match(tmp_path: Path, workspace_dir: Path) -> None:
    with pytest.raises(ToolLoadError, match=r"unknown tool 'zzz' in the enabled tools \(available"):
        build_registry(["zzz"], [], tmp_path, workspace_dir)


async def test_registry_file_tools_read_the_given_workspace(
    tmp_path: Path, workspace_dir: Path
) -> None:
    registry = build_registry(["read_file"], [], tmp_path, workspace_dir)
    read_file = registry.get("read_file")
    assert read_file is not None
    assert (await call(read_file, {"path": "README.md"}))["content"].startswith("hello")
