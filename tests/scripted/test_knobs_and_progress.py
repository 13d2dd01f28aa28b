"""Emission knobs (parallel, AUTO/ANY/NONE) and progress across round trips."""

from __future__ import annotations

from tests.scripted.helpers import (
    AUTO,
    SERIAL,
    answer,
    batches,
    calls_of,
    drive,
    first,
    registry,
    respond,
    run_tool,
    specs,
)
from workbench.core.messages import (
    AssistantMessage,
    Message,
    ToolCall,
    ToolResult,
    ToolResultsMessage,
    UserMessage,
)
from workbench.core.settings import EmissionSettings

WEATHER = "What's the weather in Tokyo and New York, and the time in Paris?"
NONE = EmissionSettings(function_calling_mode="NONE")
ANY = EmissionSettings(function_calling_mode="ANY")


def test_parallel_off_emits_one_call_per_response_in_order() -> None:
    responses, _ = drive(WEATHER, emission=SERIAL)
    assert batches(responses) == [
        [("get_weather", {"city": "Tokyo"})],
        [("get_weather", {"city": "New York"})],
        [("get_time", {"timezone": "Europe/Paris"})],
    ]
    assert len(responses) == 4
    assert "Tokyo: 18 °C" in responses[-1].text
    ids = [c.id for r in responses for c in r.tool_calls]
    assert len(set(ids)) == len(ids)


def test_parallel_off_finishes_a_stage_before_the_next() -> None:
    responses, _ = drive(
        'read_file(path="a.py") and read_file(path="b.py") then run_linter(path="a.py")',
        emission=SERIAL,
    )
    assert batches(responses) == [
        [("read_file", {"path": "a.py"})],
        [("read_file", {"path": "b.py"})],
        [("run_linter", {"path": "a.py"})],
    ]


def test_turning_parallel_on_mid_stage_sends_the_rest_together() -> None:
    reg = registry()
    messages: list[Message] = [UserMessage(content=WEATHER)]
    first_response = respond(messages, reg.specs(), SERIAL)
    answer(messages, first_response, run_tool(reg))
    second = respond(messages, reg.specs(), AUTO)
    assert [(c.name, c.arguments) for c in second.tool_calls] == [
        ("get_weather", {"city": "New York"}),
        ("get_time", {"timezone": "Europe/Paris"}),
    ]


def test_mode_none_never_calls_and_says_what_it_would_have_done() -> None:
    planned = first(WEATHER, emission=NONE)
    assert planned.calls == []
    assert "disabled" in planned.text
    assert "get_weather" in planned.text
    assert "get_time" in planned.text


def test_mode_none_mid_turn_summarises_what_already_ran() -> None:
    reg = registry()
    messages: list[Message] = [UserMessage(content='get_date() then read_file(path="a.py")')]
    answer(messages, respond(messages, reg.specs(), AUTO), run_tool(reg))
    final = respond(messages, reg.specs(), NONE)
    assert final.tool_calls == []
    assert "Today is Sunday" in final.text
    assert "read_file" in final.text


def test_mode_any_forces_a_cheap_call_then_answers() -> None:
    responses, _ = drive("Tell me a joke", emission=ANY)
    assert batches(responses) == [[("get_date", {})]]
    assert "Today is Sunday, 2026-03-01" in responses[-1].text


def test_mode_any_without_get_date_picks_a_satisfiable_tool() -> None:
    planned = first("hello", specs(only=("get_weather", "list_files")), ANY)
    assert calls_of(planned) == [("list_files", {})]
    planned = first("hello", specs(only=("get_weather",)), ANY)
    assert calls_of(planned) == [("get_weather", {"city": ""})]


def test_mode_any_with_a_plan_behaves_like_auto() -> None:
    any_responses, _ = drive(WEATHER, emission=ANY)
    auto_responses, _ = drive(WEATHER)
    assert any_responses == auto_responses


def test_only_the_turn_since_the_last_user_message_counts() -> None:
    # A cancelled turn left a call and its result behind; the new prompt starts a fresh plan.
    leftover_call = ToolCall(id="call_1_1", name="hang", arguments={})
    history: list[Message] = [
        UserMessage(content="hang()"),
        AssistantMessage(text="Calling `hang()`.", tool_calls=[leftover_call]),
        ToolResultsMessage(
            results=[
                ToolResult(call_id="call_1_1", name="hang", status="cancelled", content="cancelled")
            ]
        ),
    ]
    responses, _ = drive(WEATHER, history=history)
    assert batches(responses) == [
        [
            ("get_weather", {"city": "Tokyo"}),
            ("get_weather", {"city": "New York"}),
            ("get_time", {"timezone": "Europe/Paris"}),
        ]
    ]
    assert "hang" not in responses[-1].text
    assert responses[0].tool_calls[0].id == "call_2_1"


def test_multi_stage_progress_with_result_history() -> None:
    responses, messages = drive("get_date() then fail() and hang() then list_files()")
    assert [len(r.tool_calls) for r in responses] == [1, 2, 1, 0]
    assert sum(isinstance(m, ToolResultsMessage) for m in messages) == 3
    assert "Step 2 of 3" in responses[1].text


def test_mode_any_prefers_the_first_registered_tool_without_arguments() -> None:
    planned = first("hello", specs(only=("get_weather", "list_files", "hang")), ANY)
    assert calls_of(planned) == [("list_files", {})]
