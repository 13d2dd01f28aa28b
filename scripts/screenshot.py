"""Make docs/screenshot.svg: the real app on the default (scripted) profile, mid-session.

Run: .venv/bin/python scripts/screenshot.py [OUT.svg]

Two turns at 150x45, headless, on the real runtime and the built-in tools (real latencies):
a seven-call batch capped at three running at once with a 0.6 s timeout (calls overlap, wait for a
slot, fail, time out), then a batch whose hanging call is cancelled with Esc. The failed call is
selected so the details pane shows. Sessions and logs go to a temporary home, not yours.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SIZE = (150, 45)
WAIT_S = 30.0
MIXED = (
    'get_weather(city=Tokyo), get_weather(city="New York"), get_time(timezone=Europe/Paris), '
    'sleep(ms=400), fail(message="disk full"), read_file(path="README.md"), hang()'
)
CANCELLED = "get_weather(city=Lima), sleep(ms=200), hang()"


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshot.svg"
    with tempfile.TemporaryDirectory(prefix="workbench-screenshot-") as home:
        # A home of its own: the session is recorded where a user's would be, shown as ~/...
        os.environ["HOME"] = home
        for var, sub in (
            ("XDG_DATA_HOME", ".local/share"),
            ("XDG_STATE_HOME", ".local/state"),
            ("XDG_CONFIG_HOME", ".config"),
        ):
            os.environ[var] = str(Path(home) / sub)
        os.chdir(REPO)  # the file tools' workspace: README.md is there to read
        sys.path.insert(0, str(REPO))
        shoot(out.resolve())
    print(f"wrote {out}")


def shoot(out: Path) -> None:
    from textual.pilot import Pilot
    from textual.widgets import Input

    from workbench.tui.app import create_app
    from workbench.tui.screens.live import LiveScreen
    from workbench.tui.widgets.timeline import Timeline

    app = create_app()

    async def wait(event: asyncio.Event) -> None:
        await asyncio.wait_for(event.wait(), WAIT_S)

    async def send(pilot: Pilot[object], text: str) -> None:
        prompt = app.screen.query_one("#prompt", Input)
        prompt.value = text
        await pilot.press("enter")
        await pilot.pause()

    async def turn(pilot: Pilot[object], text: str) -> None:
        await send(pilot, text)
        await wait(app.turn_completed)

    async def drive(pilot: Pilot[object]) -> None:
        await wait(app.runtime_ready)
        screen = app.screen
        assert isinstance(screen, LiveScreen)
        for input_widget in screen.query(Input):
            input_widget.cursor_blink = False  # the same picture on every run
        await send(pilot, "/max 3")
        await send(pilot, "/timeout 0.6")
        await turn(pilot, MIXED)

        await send(pilot, "/timeout off")
        await send(pilot, CANCELLED)
        # Esc once the quick calls are done and only the hanging one runs.
        model = screen.model
        for _ in range(int(WAIT_S / 0.02)):
            calls = model.batches[-1].calls if len(model.batches) == 2 else []
            if len(calls) == 3 and sum(row.done for row in calls) == 2:
                break
            await asyncio.sleep(0.02)
        await pilot.press("escape")
        await wait(app.turn_completed)

        # The failed call waited for a slot first: the details show both.
        failed = next(row for row in model.batches[0].calls if row.tool == "fail")
        timeline = screen.query_one(Timeline)
        timeline.select_call(failed.call_id, scroll=False)
        timeline.focus()
        app.clear_notifications()
        await pilot.pause()
        screen.pane.redraw(busy=False)
        await pilot.pause()
        app.save_screenshot(filename=out.name, path=str(out.parent))
        app.exit()

    app.run(headless=True, size=SIZE, auto_pilot=drive)


if __name__ == "__main__":
    main()
