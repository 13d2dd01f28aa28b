"""Fixtures for Pilot tests: an app on a fake runtime, and a helper to run one turn."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from typing import Any

import pytest
from rich.console import Console
from textual.app import App
from textual.notifications import SeverityLevel
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input

import workbench.tui.screens.live  # noqa: F401 (see below)
from tests.tui.fakes import FakeFactory, fake_profiles
from workbench.tui.app import WorkbenchApp, create_app
from workbench.tui.widgets.timeline import Timeline

# Imported, the live screen's module makes a live start open on the live screen itself, as every
# Pilot test expects: the start screen is drawn only while that module is still to be imported
# (a real start). tests/tui/test_startup.py drives the start screen on purpose.

SIZE = (140, 45)
WAIT_S = 10.0
"""Upper bound on waiting for a signal; tests end as soon as it is set."""


@pytest.fixture
def factory() -> FakeFactory:
    return FakeFactory()


@pytest.fixture
def app(factory: FakeFactory) -> WorkbenchApp:
    return create_app(runtime_factory=factory, profile_lister=fake_profiles, app_class=RecordingApp)


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


@dataclass(frozen=True)
class Shown:
    """One notification as the user saw it (a toast)."""

    message: str
    title: str
    severity: str


class RecordingApp(WorkbenchApp):
    """The app, keeping every notification it shows (Textual's own list is private)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shown: list[Shown] = []

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        self.shown.append(Shown(message, title, severity))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)


def recording_app(**kwargs: Any) -> RecordingApp:
    """``create_app(**kwargs)`` as a :class:`RecordingApp`."""
    app = create_app(app_class=RecordingApp, **kwargs)
    assert isinstance(app, RecordingApp)
    return app


def shown(app: App[None]) -> list[Shown]:
    """Every notification ``app`` (a :class:`RecordingApp`) has shown."""
    assert isinstance(app, RecordingApp)
    return app.shown
