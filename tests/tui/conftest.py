"""Fixtures for Pilot tests: an app on a fake runtime, and a helper to run one turn."""

from __future__ import annotations

import asyncio
import io

import pytest
from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input

from tests.tui.fakes import FakeFactory, fake_profiles
from workbench.tui.app import WorkbenchApp, create_app
from workbench.tui.widgets.timeline import Timeline

SIZE = (140, 45)
WAIT_S = 10.0
"""Upper bound on waiting for a signal; tests end as soon as it is set."""


@pytest.fixture
def factory() -> FakeFactory:
    return FakeFactory()


@pytest.fixture
def app(factory: FakeFactory) -> WorkbenchApp:
    return create_app(runtime_factory=factory, profile_lister=fake_profiles)


async def wait_for(event: asyncio.Event) -> None:
    await asyncio.wait_for(event.wait(), WAIT_S)


async def ready(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, WorkbenchApp)
    await wait_for(app.runtime_ready)
    await pilot.pause()


async def submit(pilot: Pilot[None], text: str) -> None:
    """Type into the prompt and press Enter."""
    prompt = pilot.app.screen.query_one("#prompt", Input)
    prompt.focus()
    await pilot.pause()
    prompt.value = text
    await pilot.press("enter")
    await pilot.pause()


async def run_turn(pilot: Pilot[None], text: str = "weather in Paris and Rome?") -> None:
    app = pilot.app
    assert isinstance(app, WorkbenchApp)
    await submit(pilot, text)
    await wait_for(app.turn_completed)
    screen = app.screen
    screen.query_one("#timeline", Timeline).flush()
    await pilot.pause()


def screen_text(app: App[None]) -> str:
    """The screen as plain text, as a user would read it."""
    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), force_terminal=True, record=True
    )
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()


def region_text(app: App[None], widget: Widget) -> str:
    """The text inside one widget's region of the screen."""
    region = widget.region
    lines = screen_text(app).splitlines()[region.y : region.bottom]
    return "\n".join(line[region.x : region.right] for line in lines)
