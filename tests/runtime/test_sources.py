"""Tool sources: started before the first turn, closed at the end; one that fails is a notice."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from workbench.config import resolve_profile
from workbench.core.events import CallFinished, Notice
from workbench.core.messages import ToolSpec
from workbench.core.tools import Tool, ToolSourceError
from workbench.runtime import Runtime
from workbench.session import load_session


class EchoTool:
    """A tool whose schema arrives as JSON, as an MCP server's would."""

    name = "remote__echo"
    description = "Echo the text."
    parameters: dict[str, Any] = {  # noqa: RUF012
        "type": "object",
        "properties": {"text": {"type": "string"}},
        "required": ["text"],
    }
    is_async = True
    kind: Literal["function", "extension"] = "extension"
    source: str | None = "remote"

    @property
    def spec(self) -> ToolSpec:
        return ToolSpec(name=self.name, description=self.description, parameters=self.parameters)

    def validate(self, args: dict[str, Any] | None) -> dict[str, Any]:
        return dict(args or {})

    async def invoke(self, **kwargs: Any) -> Any:
        return {"echo": kwargs["text"]}


class Source:
    def __init__(self, name: str, tools: Sequence[Tool] = (), fail: str | None = None) -> None:
        self.name = name
        self._tools = list(tools)
        self.fail = fail
        self.started = 0
        self.closed = 0

    async def start(self) -> None:
        self.started += 1
        if self.fail:
            raise ToolSourceError(self.fail)

    async def aclose(self) -> None:
        self.closed += 1

    def tools(self) -> Sequence[Tool]:
        return self._tools


async def test_sources_start_before_the_turn_and_close_at_the_end(tmp_path: Path) -> None:
    good = Source("remote", [EchoTool()])
    bad = Source("broken", fail="server 'broken' exited at once (code 1)")
    runtime = await Runtime.start(
        resolve_profile("local"), record=tmp_path / "s.jsonl", sources=[good, bad]
    )
    try:
        assert good.started == bad.started == 1
        assert "remote__echo" in runtime.tool_names
        [notice] = runtime.start_notices
        assert "tool source 'broken' did not start: server 'broken' exited at once" in (
            notice.message
        )
        events = [e async for e in runtime.run_turn('remote__echo(text="hi"), get_date()')]
    finally:
        await runtime.aclose()
    assert good.closed == 1 and bad.closed == 1
    finished = {e.tool: e for e in events if isinstance(e, CallFinished)}
    assert finished["remote__echo"].status == "ok"
    assert json.loads(finished["remote__echo"].result) == {"echo": "hi"}
    loaded = load_session(tmp_path / "s.jsonl")
    assert loaded.header.tool_info("remote__echo").kind == "extension"
    assert loaded.header.tool_info("remote__echo").source == "remote"
    assert any(isinstance(e, Notice) and "broken" in e.message for e in loaded.events)


async def test_a_source_offering_a_taken_name_is_left_out_with_a_reason(tmp_path: Path) -> None:
    clash = EchoTool()
    clash.name = "get_date"
    source = Source("remote", [clash])
    runtime = await Runtime.start(resolve_profile("local"), recording=False, sources=[source])
    try:
        [notice] = runtime.start_notices
        assert "tool 'get_date' from 'remote' is left out" in notice.message
        kept: object = runtime.registry.get("get_date")
        assert kept is not None and kept is not clash
    finally:
        await runtime.aclose()
