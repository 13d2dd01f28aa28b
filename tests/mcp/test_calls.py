"""MCP tools through the real executor, over stdio and Streamable HTTP: overlap, timeouts,
cancellation, validation, results, errors."""

from __future__ import annotations

import asyncio

import mcp_types
import pytest

from tests.mcp.conftest import Harness
from workbench.core.results import MAX_RESULT_CHARS
from workbench.core.settings import ExecutionSettings, Fault
from workbench.tools.mcp import McpServerSource, McpTool


async def test_tools_are_named_server__tool_and_keep_their_schema(
    source: McpServerSource,
) -> None:
    tools = {t.name: t for t in source.tools()}
    echo = tools["t__echo"]
    assert (echo.kind, echo.source, echo.is_async) == ("extension", "t", True)
    assert echo.parameters["required"] == ["text"]
    assert echo.spec.name == "t__echo"
    assert echo.description == "Return the text, repeated."


async def test_calls_of_one_batch_overlap_over_one_session(source: McpServerSource) -> None:
    # barrier(n) answers "met" only when n calls are inside the server at once.
    results = await Harness(source).run(*[("t__barrier", {"n": 4})] * 4)
    assert [(r.status, r.content) for r in results] == [("ok", "met")] * 4


async def test_a_hung_call_times_out_the_server_hears_it_and_stays_usable(
    source: McpServerSource,
) -> None:
    h = Harness(source)
    hung, echo = await h.run(("t__hang", {}), ("t__echo", {"text": "still here"}), timeout_s=0.5)
    assert hung.status == "timeout"
    assert "timed out after 0.5 s" in hung.content
    assert (echo.status, echo.content) == ("ok", "still here")
    assert (await h.one("t__was_cancelled")).content == "yes"
    assert source.state == "connected"


async def test_cancelling_the_batch_cancels_the_call_on_the_server(
    source: McpServerSource,
) -> None:
    h = Harness(source)
    batch = h.executor.batch("b1", ExecutionSettings())
    [call] = h.calls(("t__hang", {}))
    batch.submit(call)
    await asyncio.sleep(0.3)  # let it reach the server; the outcome does not depend on the wait
    [result] = await batch.cancel()
    assert result.status == "cancelled"
    assert (await h.one("t__was_cancelled")).content == "yes"
    assert (await h.one("t__echo", text="next")).content == "next"


async def test_invalid_arguments_are_refused_before_the_server_sees_them(
    source: McpServerSource,
) -> None:
    h = Harness(source)
    bad = await h.one("t__echo", text=3, extra=True)
    assert bad.status == "error"
    assert "invalid arguments for tool 't__echo'" in bad.content
    assert "text: 3 is not of type 'string'" in bad.content
    assert "The tool was not run" in bad.content
    missing = await h.one("t__echo")
    assert "'text' is a required property" in missing.content
    assert (await h.one("t__history")).content == ""  # echo never ran


async def test_unknown_tools_are_errors_both_here_and_on_the_server(
    source: McpServerSource,
) -> None:
    h = Harness(source)
    here = await h.one("t__nope")
    assert here.status == "error" and "unknown tool 't__nope'" in here.content
    # A tool the server no longer has (its list changed after we listed it).
    gone = McpTool(source, mcp_types.Tool(name="nope", input_schema={"type": "object"}))
    with pytest.raises(Exception, match="nope") as info:
        await gone.invoke()
    assert type(info.value).__name__ in ("McpToolError", "McpServerError")


async def test_a_2_mb_result_arrives_and_is_cut_with_a_note(source: McpServerSource) -> None:
    result = await Harness(source).one("t__big", size=2_000_000)
    assert result.status == "ok"
    assert result.content.startswith("x" * MAX_RESULT_CHARS)
    assert f"{2_000_000 - MAX_RESULT_CHARS} more characters cut by workbench" in result.content


async def test_is_error_results_are_errors_with_the_servers_text(source: McpServerSource) -> None:
    h = Harness(source)
    refused = await h.one("t__refuse", message="no such file: a.txt")
    assert refused.status == "error"
    assert "no such file: a.txt" in refused.content
    raised = await h.one("t__fail", message="boom")
    assert raised.status == "error"
    assert "Error executing tool fail" in raised.content  # a 2.x server hides the text


async def test_results_other_than_text_are_described(source: McpServerSource) -> None:
    h = Harness(source)
    picture = await h.one("t__picture")
    assert picture.content == "a picture:\n[image: image/png, 9 bytes, not shown]"
    weather = await h.one("t__weather", city="Paris")
    assert '"city": "Paris"' in weather.content


async def test_faults_and_retries_apply_to_mcp_tools(source: McpServerSource) -> None:
    h = Harness(source)
    failing = {"t__echo": Fault(failure_rate=1.0)}
    [injected] = await h.run(("t__echo", {"text": "x"}), faults=failing)
    assert injected.status == "error" and "injected failure" in injected.content
    assert (await h.one("t__history")).content == ""  # the fault struck before the call
    slow = {"t__echo": Fault(latency_ms=50)}
    [ok] = await h.run(("t__echo", {"text": "late"}), faults=slow)
    assert (ok.status, ok.content) == ("ok", "late")


def test_only_transport_failures_count_as_a_lost_server() -> None:
    # The SDK raises RuntimeError for a result that breaks the tool's output schema: an error for
    # that call, while the session stays.
    from workbench.tools.mcp.errors import is_transport_error as _is_transport_error

    assert not _is_transport_error(RuntimeError("Invalid structured content returned by tool x"))
    assert _is_transport_error(ConnectionResetError())
    assert _is_transport_error(ExceptionGroup("tg", [ValueError()]))
