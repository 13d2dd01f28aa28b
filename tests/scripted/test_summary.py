"""The final answer: every result in a readable sentence, failures included; deterministic."""

from __future__ import annotations

from typing import Any

from tests.scripted.helpers import AUTO, drive, registry
from workbench.core.messages import (
    AssistantMessage,
    Message,
    ToolCall,
    ToolResult,
    ToolResultsMessage,
    UserMessage,
)
from workbench.scripted.plan import plan_response
from workbench.tools.base import tool


def test_summary_names_every_result_and_failure() -> None:
    responses, _ = drive(
        'get_weather(Tokyo), get_weather("New York"), get_time(timezone="Europe/Paris"), '
        "fail(message=boom), hang()"
    )
    text = responses[-1].text
    assert "Tokyo: 18 °C, partly cloudy." in text
    assert "New York: 18 °C, partly cloudy." in text
    assert "The time in Paris is 14:05." in text
    assert "fail: failed — RuntimeError: boom." in text
    assert "hang: timed out after 0.5 s." in text
    assert "5 tool calls: 3 succeeded, 1 failed, and 1 timed out." in text


def test_natural_time_uses_the_city_the_user_named() -> None:
    responses, _ = drive("what time is it in San Francisco?")
    assert "The time in San Francisco is 14:05." in responses[-1].text


def test_file_tool_results_read_as_sentences() -> None:
    responses, _ = drive('read a.py then lint it, list files in src and search for "TODO"')
    text = responses[-1].text
    assert "a.py: 12 bytes, 2 lines, starting `# a.py`." in text
    assert "a.py: 2 lint issues (E501 ×2)." in text
    assert "src: 2 entries — src/, a.py." in text
    assert "Search for `TODO`: 1 match" in text


@tool
def big() -> dict[str, Any]:
    """A tool with a large, unknown-shaped output."""
    return {f"key{i}": "v" * 500 for i in range(50)}


@tool
def lines() -> str:
    """Multi-line text."""
    return "first line\nsecond line\nthird line"


def test_long_and_unknown_outputs_are_kept_short() -> None:
    responses, _ = drive("big() and lines()", reg=registry(big, lines))
    text = responses[-1].text
    assert len(text) < 600
    assert "big: key0=" in text
    assert "lines: " in text


def test_cancelled_and_unknown_results_are_reported() -> None:
    call = ToolCall(id="call_1_1", name="hang", arguments={})
    messages: list[Message] = [
        UserMessage(content="hang() and nosuch_tool(x=1)"),
        AssistantMessage(
            tool_calls=[call, ToolCall(id="call_1_2", name="nosuch_tool", arguments={"x": 1})]
        ),
        ToolResultsMessage(
            results=[
                ToolResult(
                    call_id="call_1_1", name="hang", status="cancelled", content="cancelled by user"
                ),
                ToolResult(
                    call_id="call_1_2",
                    name="nosuch_tool",
                    status="error",
                    content="unknown tool 'nosuch_tool'",
                ),
            ]
        ),
    ]
    text = plan_response("", messages, registry().specs(), AUTO).text
    assert "hang: cancelled." in text
    assert "nosuch_tool: failed — unknown tool 'nosuch_tool'." in text


def test_same_conversation_same_answer() -> None:
    for prompt in ("weather in Tokyo and Oslo, then read a.py", "fail() then get_date()", "hi"):
        first_run = drive(prompt)
        second_run = drive(prompt)
        assert first_run == second_run
        dumped = [m.model_dump_json() for m in first_run[1]]
        assert dumped == [m.model_dump_json() for m in second_run[1]]


def test_failures_are_recognised_when_the_wire_dropped_status_and_name() -> None:
    # OpenAI tool messages carry only text: the emulator hands back status "ok" and no tool name.
    messages: list[Message] = [
        UserMessage(content="fail() and hang()"),
        AssistantMessage(
            tool_calls=[
                ToolCall(id="call_1_1", name="fail", arguments={}),
                ToolCall(id="call_1_2", name="hang", arguments={}),
            ]
        ),
        ToolResultsMessage(
            results=[
                ToolResult(
                    call_id="call_1_1",
                    name="",
                    status="ok",
                    content="Error: tool 'fail' raised RuntimeError: boom",
                ),
                ToolResult(
                    call_id="call_1_2",
                    name="",
                    status="ok",
                    content="Error: tool 'hang' timed out after 30 s",
                ),
            ]
        ),
    ]
    text = plan_response("", messages, registry().specs(), AUTO).text
    assert "2 tool calls: 1 failed and 1 timed out." in text
    assert "fail: failed — RuntimeError: boom." in text
    assert "hang: timed out after 30 s." in text
