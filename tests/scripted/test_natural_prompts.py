"""Plain-language prompts over the built-in tools."""

from __future__ import annotations

from tests.scripted.helpers import batches, calls_of, drive, first, specs


def test_weather_and_time_example_is_one_response_with_three_calls() -> None:
    planned = first("What's the weather in Tokyo and New York, and the time in Paris?")
    assert calls_of(planned) == [
        ("get_weather", {"city": "Tokyo"}),
        ("get_weather", {"city": "New York"}),
        ("get_time", {"timezone": "Europe/Paris"}),
    ]
    assert "Tokyo" in planned.text
    assert "Paris" in planned.text


def test_places_are_shared_and_may_come_first() -> None:
    assert calls_of(first("What's the weather and time in Berlin?")) == [
        ("get_weather", {"city": "Berlin"}),
        ("get_time", {"timezone": "Europe/Berlin"}),
    ]
    assert calls_of(first("tokyo weather please")) == [("get_weather", {"city": "Tokyo"})]


def test_unknown_cities_and_zone_names() -> None:
    assert calls_of(first("temperature in Springfield and Gotham")) == [
        ("get_weather", {"city": "Springfield"}),
        ("get_weather", {"city": "Gotham"}),
    ]
    assert calls_of(first("time in America/New_York and UTC")) == [
        ("get_time", {"timezone": "America/New_York"}),
        ("get_time", {"timezone": "UTC"}),
    ]


def test_date_list_search_lint() -> None:
    assert calls_of(first("What's the date today?")) == [("get_date", {})]
    assert calls_of(first("list files in src")) == [("list_files", {"dir": "src"})]
    assert calls_of(first("list the files")) == [("list_files", {})]
    assert calls_of(first('search for "def main" and TODO')) == [
        ("search_code", {"pattern": "def main"})
    ]
    assert calls_of(first("search for TODO in src")) == [("search_code", {"pattern": "TODO"})]
    assert calls_of(first("run the linter on a.py and b.py")) == [
        ("run_linter", {"path": "a.py"}),
        ("run_linter", {"path": "b.py"}),
    ]


def test_keywords_inside_quotes_are_not_requests() -> None:
    assert calls_of(first('search for "weather"')) == [("search_code", {"pattern": "weather"})]


def test_then_stages_and_pronouns_refer_back() -> None:
    responses, _ = drive("read a.py and docs/b.md, then lint them")
    assert batches(responses) == [
        [("read_file", {"path": "a.py"}), ("read_file", {"path": "docs/b.md"})],
        [("run_linter", {"path": "a.py"}), ("run_linter", {"path": "docs/b.md"})],
    ]


def test_mixed_request_keeps_the_order_of_mention() -> None:
    assert [name for name, _ in calls_of(first("lint a.py, the time in Tokyo and read b.py"))] == [
        "run_linter",
        "get_time",
        "read_file",
    ]


def test_only_registered_tools_are_called() -> None:
    tool_specs = specs(only=("get_time", "get_date"))
    planned = first("weather in Tokyo and the time in Paris", tool_specs)
    assert calls_of(planned) == [("get_time", {"timezone": "Europe/Paris"})]
    assert "get_weather" in planned.text

    planned = first("weather in Tokyo", tool_specs)
    assert planned.calls == []
    assert "get_weather" in planned.text
    assert "not registered" in planned.text


def test_unrecognised_prompt_explains_what_it_can_do() -> None:
    planned = first("Tell me a joke")
    assert planned.calls == []
    assert "What's the weather in Tokyo" in planned.text
    assert "then" in planned.text
    assert "`get_weather`" in planned.text
