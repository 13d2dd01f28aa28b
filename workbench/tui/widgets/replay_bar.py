"""The replay controls: pause, speeds, step one batch; and where the replay is."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Label


class ReplayBar(Horizontal):
    DEFAULT_CSS = """
    ReplayBar {
        height: 1;
        padding: 0 1;
        background: $boost;
        & Button { margin: 0 1 0 0; min-width: 6; }
        & Button.-active { background: $accent; color: $text; }
        & #replay-position { color: $text-muted; margin: 0 0 0 2; }
    }
    """

    SPEEDS: tuple[tuple[str, str, str], ...] = (
        ("1×", "speed-1", "screen.replay_speed(1.0)"),
        ("2×", "speed-2", "screen.replay_speed(2.0)"),
        ("10×", "speed-10", "screen.replay_speed(10.0)"),
        ("instant", "speed-instant", "screen.replay_speed(0)"),
    )

    def compose(self) -> ComposeResult:
        yield Label("Replay", classes="group")
        yield Button("‖ pause", id="replay-pause", compact=True, action="screen.replay_toggle")
        for label, button_id, action in self.SPEEDS:
            yield Button(label, id=button_id, compact=True, action=action)
        yield Button("step ▸|", id="replay-step", compact=True, action="screen.replay_step")
        yield Label("", id="replay-position")

    def show(self, *, speed: float | None, paused: bool, position: str, done: bool = False) -> None:
        """``done``: the whole recording is drawn; nothing is left to pause, play or step."""
        active = "speed-instant" if speed is None else f"speed-{speed:g}"
        for _, button_id, _ in self.SPEEDS:
            self.query_one(f"#{button_id}", Button).set_class(button_id == active, "-active")
        pause = self.query_one("#replay-pause", Button)
        pause.label = "■ ended" if done else "▶ play" if paused else "‖ pause"
        pause.disabled = done
        self.query_one("#replay-step", Button).disabled = done
        self.query_one("#replay-position", Label).update(position)
