"""The transcript: the user's prompts, the assistant's streamed Markdown, tool calls as chips.

Chips are keyed by call id and updated in place; selecting one posts :class:`ToolChip.Selected` so the
screen can select the same call in the timeline. Only the first :data:`MAX_CHIPS` calls of a response
get a chip: the timeline is the place for thousands of calls, and the transcript stays cheap.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from workbench.tui import format as fmt

if TYPE_CHECKING:
    from textual.widgets import Markdown
    from textual.widgets.markdown import MarkdownStream

MAX_CHIPS = 12
CallState = str
"""queued, running, retrying, ok, error, timeout, cancelled or unfinished (a recording cut short)."""

_STATE_MARK = {
    "queued": "◌",
    "running": "◐",
    "retrying": "↻",
    "ok": "✓",
    "error": "✗",
    "timeout": "◷",
    "cancelled": "⊘",
    "unfinished": "…",
}


def short_args(args: dict[str, Any] | None, width: int = 40) -> str:
    """Arguments as one short line: ``q="cats", n=3``."""
    if args is None:
        return "‹unparsed›"
    parts = [f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in args.items()]
    text = ", ".join(parts)
    return text if len(text) <= width else text[: width - 1] + "…"


class ToolChip(Widget, can_focus=True):
    """One tool call in the transcript: tool, short arguments, a status mark and colour."""

    DEFAULT_CSS = """
    ToolChip {
        height: 1;
        width: 1fr;
        padding: 0 1;
        color: $text-muted;
        &:hover { background: $boost; }
        &:focus { background: $accent 30%; color: $text; }
        &.-running, &.-retrying { color: $text-primary; }
        &.-ok { color: $success; }
        &.-failed { color: $error; }
        &.-timeout { color: $warning; }
        &.-cancelled { color: $text-disabled; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select", "Show call", show=False)]

    state: reactive[CallState] = reactive("queued")
    """Where the call is: queued, running, retrying, ok, error, timeout or cancelled."""
    duration: reactive[float | None] = reactive(None)

    class Selected(Message):
        """The user picked this call (click or Enter)."""

        def __init__(self, chip: ToolChip) -> None:
            super().__init__()
            self.chip = chip

        @property
        def control(self) -> ToolChip:
            return self.chip

        @property
        def call_id(self) -> str:
            return self.chip.call_id

    def __init__(self, call_id: str, tool: str, args: dict[str, Any] | None) -> None:
        super().__init__(classes="-queued")
        self.call_id = call_id
        self.tool = tool
        self.args = args
        self.tooltip = f"{tool} · {call_id}"

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{_STATE_MARK.get(self.state, '?')} ")
        text.append(self.tool, style="bold")
        text.append(f"({short_args(self.args)})")
        if self.duration is not None:
            text.append(f"  {fmt.duration(self.duration)}", style="dim")
        return text

    def watch_state(self, old: CallState, new: CallState) -> None:
        self.remove_class(_state_class(old))
        self.add_class(_state_class(new))

    def on_click(self) -> None:
        self.post_message(self.Selected(self))

    def action_select(self) -> None:
        self.post_message(self.Selected(self))


def _state_class(state: CallState) -> str:
    return "-failed" if state == "error" else f"-{state}"


class ChatView(VerticalScroll):
    """The transcript of the session, newest at the bottom, followed while it is in view."""

    DEFAULT_CSS = """
    ChatView {
        & > .user { margin: 1 0 0 0; padding: 0 1; background: $boost; color: $text; }
        & > Markdown { margin: 0; padding: 0 1; }
        & > .note { padding: 0 1; color: $text-muted; }
        & > .note.-error { color: $error; }
        & > .note.-warning { color: $warning; }
        & > .more { padding: 0 1; color: $text-muted; text-style: italic; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._chips: dict[str, ToolChip] = {}
        self._markdown: Markdown | None = None
        self._stream: MarkdownStream | None = None
        self._chips_in_response = 0
        self._more: Static | None = None
        self._more_count = 0

    def on_mount(self) -> None:
        self.anchor()

    def chip(self, call_id: str) -> ToolChip | None:
        return self._chips.get(call_id)

    async def add_user(self, prompt: str) -> None:
        await self._end_text()
        self._new_response()
        await self.mount(Static(Text(f"› {prompt}"), classes="user"))

    async def append_text(self, text: str) -> None:
        """Stream a piece of the assistant's answer into the current Markdown block."""
        if self._stream is None:
            # Imported with the first answer: markdown-it and pygments cost ~30 ms at start-up.
            from textual.widgets import Markdown

            self._markdown = Markdown()
            await self.mount(self._markdown)
            self._stream = Markdown.get_stream(self._markdown)
        await self._stream.write(text)

    async def add_call(self, call_id: str, tool: str, args: dict[str, Any] | None) -> None:
        if call_id in self._chips:
            return
        await self._end_text()
        if self._chips_in_response >= MAX_CHIPS:
            self._more_count += 1
            label = f"… and {self._more_count:,} more calls: see the timeline"
            if self._more is None:
                self._more = Static(label, classes="more")
                await self.mount(self._more)
            else:
                self._more.update(label)
            return
        self._chips_in_response += 1
        chip = ToolChip(call_id, tool, args)
        self._chips[call_id] = chip
        await self.mount(chip)

    def set_call_state(self, call_id: str, state: CallState, duration: float | None = None) -> None:
        chip = self._chips.get(call_id)
        if chip is not None:
            chip.state = state
            chip.duration = duration

    async def new_response(self) -> None:
        """A new model response begins: its text and calls go below what is there."""
        await self._end_text()
        self._new_response()

    async def add_note(self, text: str, *, kind: str = "info") -> None:
        await self._end_text()
        await self.mount(Static(Text(text), classes=f"note -{kind}"))

    async def end_turn(self) -> None:
        await self._end_text()

    async def clear(self) -> None:
        await self._end_text()
        self._chips.clear()
        self._new_response()
        await self.remove_children()

    def _new_response(self) -> None:
        self._chips_in_response = 0
        self._more = None
        self._more_count = 0

    async def _end_text(self) -> None:
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
            self._markdown = None
