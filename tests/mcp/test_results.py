"""What the model reads of a result: every block in the server's order, never base64."""

from __future__ import annotations

import mcp_types

from tests.mcp.conftest import Harness
from workbench.tools.mcp import McpServerSource, result_text


async def test_an_image_only_result_is_one_line_not_its_base64(source: McpServerSource) -> None:
    chart = await Harness(source).one("t__chart")
    assert chart.status == "ok"
    assert chart.content == "[image: image/png, 48004 bytes, not shown]"


async def test_blocks_keep_the_servers_order(source: McpServerSource) -> None:
    sandwich = await Harness(source).one("t__sandwich")
    assert sandwich.content == "before\n[image: image/png, 9 bytes, not shown]\nafter"


async def test_structured_content_is_sent_once_when_the_text_repeats_it(
    source: McpServerSource,
) -> None:
    weather = await Harness(source).one("t__weather", city="Paris")
    assert weather.content.count('"city": "Paris"') == 1
    echo = await Harness(source).one("t__echo", text="hi")
    assert echo.content == "hi"  # not also {"result": "hi"}


def test_structured_content_that_adds_something_is_sent_after_the_blocks() -> None:
    result = mcp_types.CallToolResult(
        content=[mcp_types.TextContent(type="text", text="21 °C in Paris")],
        structured_content={"city": "Paris", "temp_c": 21},
    )
    assert result_text(result) == '21 °C in Paris\n{"city": "Paris", "temp_c": 21}'


async def test_the_handshake_names_workbench_and_its_version(source: McpServerSource) -> None:
    from workbench import __version__

    assert (await Harness(source).one("t__whoami")).content == f"workbench {__version__}"
