"""Explicit call syntax in a prompt: ``name(key=value, ...)``, joined by ``,``/``and``, staged by ``then``."""

from __future__ import annotations

from typing import Any

from tests.scripted.helpers import batches, calls_of, drive, first, specs
from workbench.tools.base import tool


@tool
def configure(
    flag: bool, items: list[int], opts: dict[str, Any], name: str = "x"
) -> dict[str, Any]:
    """Takes every JSON kind."""
    return {"ok": True}


def test_json_literals_become_typed_arguments() -> None:
    planned = first(
        'configure(flag=true, items=[1,2], opts={"a":1}, name="a.py")', specs(configure)
    )
    assert calls_of(planned) == [
        ("configure", {"flag": True, "items": [1, 2], "opts": {"a": 1}, "name": "a.py"})
    ]


def test_numbers_and_bare_words() -> None:
    planned = first("sleep(ms=200) and get_weather(city=New York)")
    assert calls_of(planned) == [("sleep", {"ms": 200}), ("get_weather", {"city": "New York"})]


def test_bare_word_runs_to_the_next_comma_or_paren() -> None:
    planned = first("get_weather(city=Rio de Janeiro), get_weather(city = São Paulo )")
    assert calls_of(planned) == [
        ("get_weather", {"city": "Rio de Janeiro"}),
        ("get_weather", {"city": "São Paulo"}),
    ]


def test_words_that_look_like_special_floats_stay_words() -> None:
    assert calls_of(first("get_weather(city=NaN)")) == [("get_weather", {"city": "NaN"})]


def test_positional_argument_fills_the_single_required_parameter() -> None:
    planned = first("get_weather(Tokyo), get_time('Asia/Tokyo')")
    assert calls_of(planned) == [
        ("get_weather", {"city": "Tokyo"}),
        ("get_time", {"timezone": "Asia/Tokyo"}),
    ]


def test_commas_inside_strings_and_brackets_do_not_split_arguments() -> None:
    planned = first(
        'configure(opts={"a": "x, y", "b": [1, 2]}, items=[3, 4], flag=false) '
        'and fail(message="boom, (really)")',
        specs(configure),
    )
    assert calls_of(planned) == [
        ("configure", {"opts": {"a": "x, y", "b": [1, 2]}, "items": [3, 4], "flag": False}),
        ("fail", {"message": "boom, (really)"}),
    ]


def test_comma_and_and_form_one_batch_then_starts_the_next() -> None:
    responses, _ = drive(
        'read_file(path="a.py") then run_linter(path="a.py"), run_linter(path="b.py") '
        "and run_linter(path=c.py)"
    )
    assert batches(responses) == [
        [("read_file", {"path": "a.py"})],
        [
            ("run_linter", {"path": "a.py"}),
            ("run_linter", {"path": "b.py"}),
            ("run_linter", {"path": "c.py"}),
        ],
    ]
    assert not responses[-1].tool_calls


def test_calls_inside_prose_and_backticks_count() -> None:
    planned = first('Please run `read_file(path="a.py")` and `hang()` for me.')
    assert calls_of(planned) == [("read_file", {"path": "a.py"}), ("hang", {})]


def test_unknown_tool_written_as_a_call_is_still_emitted() -> None:
    planned = first("nosuch_tool(x=1) and missing_tool()")
    assert calls_of(planned) == [("nosuch_tool", {"x": 1}), ("missing_tool", {})]


def test_parentheses_in_prose_are_not_calls() -> None:
    for prose in ("I said (hello)", "print(hello) is python", "call foo() maybe"):
        planned = first(prose)
        assert planned.calls == [], prose
        assert "name(key=value" in planned.text


def test_unbalanced_call_is_prose() -> None:
    assert first('get_weather(city="Tokyo"').calls == []


def test_extra_positional_arguments_reach_the_tool_to_be_rejected() -> None:
    # The executor's validation, not the planner, tells the model what was wrong.
    assert calls_of(first("get_weather(Tokyo, Osaka)")) == [
        ("get_weather", {"city": "Tokyo", "arg2": "Osaka"})
    ]
