"""The selected call in full: arguments, result or error, its times, attempts, and its batch's settings."""

from __future__ import annotations

import json

from rich.console import Group, RenderableType
from rich.json import JSON
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from workbench.core.timeline import BatchGroup, CallRow
from workbench.tui import format as fmt
from workbench.tui.widgets.timeline_rows import MARK

_STATE_STYLE = {
    "ok": "green",
    "error": "red",
    "timeout": "yellow",
    "cancelled": "dim",
    "running": "cyan",
    "retrying": "cyan",
}


class CallDetails(VerticalScroll):
    """Shows one call; :meth:`show` is called again whenever that call changes."""

    DEFAULT_CSS = """
    CallDetails {
        padding: 0 1;
        & > Static { width: 1fr; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.call_id: str | None = None
        self._body = Static(
            Text("Select a call in the timeline (↑ ↓, click) or a chip.", style="dim")
        )

    def compose(self) -> object:  # type: ignore[override]
        yield self._body

    def show(self, row: CallRow | None, batch: BatchGroup | None, now: float) -> None:
        self.call_id = row.call_id if row is not None else None
        if row is None:
            self._body.update(Text("No call selected.", style="dim"))
            return
        self._body.update(render_call(row, batch, now))


def render_call(row: CallRow, batch: BatchGroup | None, now: float) -> RenderableType:
    state_style = _STATE_STYLE.get(row.state, "")
    title = Text.assemble(
        (f"{MARK.get(row.state, '?')} {row.state}", f"bold {state_style}"),
        "  ",
        (row.tool, "bold"),
        (f"  #{row.index} · {row.call_id} · batch {row.batch_id}", "dim"),
    )
    times = Table.grid(padding=(0, 2))
    for _ in range(4):
        times.add_column()
    times.add_row(
        _kv("queued", fmt.duration(row.queued_t)),
        _kv("started", fmt.duration(row.started_t)),
        _kv("finished", fmt.duration(row.finished_t)),
        _kv("attempts", str(max(row.attempts, 1 if row.started_t is not None else 0))),
    )
    times.add_row(
        _kv("wait", fmt.duration(row.wait_at(now))),
        _kv("run", fmt.duration(row.run_at(now))),
        _kv("retries at", ", ".join(fmt.duration(t) for t in row.retry_ts) or "–"),
        Text(""),
    )
    parts: list[RenderableType] = [title, times, Text("arguments", style="bold")]
    if row.args is None:
        parts.append(Text("(not a JSON object)", style="dim"))
    else:
        parts.append(JSON(json.dumps(row.args, ensure_ascii=False, default=str), indent=2))
    if row.error:
        parts += [Text("error", style="bold red"), Text(row.error, style="red")]
    if row.result is not None and not (row.error and row.error in row.result):
        parts += [Text("result", style="bold"), _result(row.result)]
    if batch is not None:
        parts += [
            Text("batch settings", style="bold"),
            Text(fmt.execution(batch.settings), style="dim"),
        ]
        if batch.emission is not None:
            parts.append(Text(fmt.emission(batch.emission), style="dim"))
    return Group(*parts)


def _kv(key: str, value: str) -> Text:
    return Text.assemble((f"{key} ", "dim"), value)


def _result(text: str) -> RenderableType:
    stripped = text.strip()
    if stripped[:1] in "{[":
        try:
            return JSON(json.dumps(json.loads(stripped), ensure_ascii=False), indent=2)
        except ValueError:
            pass
    return Text(text if len(text) <= 4000 else text[:4000] + "…")
