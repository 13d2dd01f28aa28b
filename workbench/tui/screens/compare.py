"""The compare screen: one :class:`SessionPane` per variant side by side, all live, a summary above.

Live, a :class:`~workbench.compare.runner.CompareRunner` runs the variants (each its own runtime,
provider and session) and every variant's events go to its own pane; the summary strip fills in as
variants finish and the verdict comes at the end. Esc cancels every variant (each call still gets a
result). Replayed from a compare manifest, each pane follows its recorded session and the strip shows
the figures folded again from those sessions. A worker runs it all; this is the one broad catch.
"""

from __future__ import annotations

import asyncio
import contextlib
import textwrap
from collections.abc import AsyncIterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static

from workbench import gcpolicy
from workbench.compare.report import HEAD, describe_variant, table_rows, verdict
from workbench.compare.requests import LiveCompare, ReplayCompare
from workbench.compare.runner import CompareRunner, VariantRun
from workbench.core.events import CallStarted, Event
from workbench.preload import ANALYSIS, preload
from workbench.tui.panes.session import RedrawRota, SessionPane
from workbench.tui.widgets.key_footer import KeyFooter
from workbench.tui.widgets.summary import SummaryStrip

if TYPE_CHECKING:
    from workbench.demo.scenario import Scenario

COLUMNS = (HEAD[0], "status", *HEAD[1:])
LIVE_MODULES = (
    "workbench.runtime",
    "workbench.providers.scripted",
    "workbench.demo.scenario",
    "workbench.demo.session",
    "workbench.compare.headless",
    "workbench.compare.manifest",
    *ANALYSIS,
)
"""What a live comparison imports as it goes, loaded before it starts (see workbench.preload)."""


class CompareScreen(Screen[None]):
    CSS_PATH = Path(__file__).with_name("compare.tcss")
    VERTICAL_BREAKPOINTS = [(0, "-short"), (24, "-tall")]  # noqa: RUF012 (typed by Screen)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel_all", "Cancel all"),
        Binding("q", "close", "Close"),
    ]

    def __init__(self, source: LiveCompare | ReplayCompare, *, closable: bool = True) -> None:
        super().__init__()
        self.source = source
        self.closable = closable
        """Whether q closes the screen (opened over a live session) or quits (opened on its own)."""
        self.runner: CompareRunner | None = None
        self.runs: list[VariantRun] = []
        self.finished = asyncio.Event()
        """Set when every variant has ended (or the replay has drawn everything)."""
        self.all_started = asyncio.Event()
        """Set once every variant has a call started (what tests wait on before pressing Esc)."""
        self._started: set[int] = set()
        self.verdict_text = ""
        self._queues: list[asyncio.Queue[Event | None]] = []
        self._names, self._titles = self._variant_titles()
        self._demo_exit: contextlib.ExitStack | None = None
        self._close_when_done = False
        """q came while variants ran: leave once they have stopped and the manifest is written."""

    def _variant_titles(self) -> tuple[list[str], list[str]]:
        if isinstance(self.source, LiveCompare):
            names = [v.name for v in self.source.variants]
            titles = [
                f"{v.name} · {v.knobs or 'the profile’s settings'}" for v in self.source.variants
            ]
            return names, titles
        from workbench.compare.manifest import load_manifest

        manifest = load_manifest(self.source.manifest)  # a small JSON file
        names = [v.name for v in manifest.variants]
        titles = [
            f"{v.name} · {(v.data.get('settings') or {}).get('knobs') or 'the profile’s settings'}"
            for v in manifest.variants
        ]
        return names, titles

    # -- layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        source = self.source
        if isinstance(source, LiveCompare):
            head = f"compare · {source.profile.name} · {source.prompt}"
            if source.scenario:
                head = f"demo {source.scenario} · {source.prompt}"
        else:
            head = f"▶ replay of a comparison · {source.manifest}"
        self._head = head
        yield Static(head, id="compare-status", markup=False)
        # What the demo simulates is known before it starts, and the repository line has a fixed
        # height: filling them in later then asks for no layout while the variants run.
        scenario = self.scenario
        if scenario is not None and scenario.repository == "sample":
            building = "repository: building the sample project's git repository…"
            yield Static(building, id="repository", markup=False)
        if scenario is not None:  # a comparison of the user's own prompt simulates nothing
            yield Static(self._simulated_text(scenario), id="simulated", markup=False)
        yield SummaryStrip(COLUMNS, self._names, id="summary")
        yield Static("The verdict comes when every variant has finished.", id="verdict")
        with Horizontal(id="panes"):
            for index, title in enumerate(self._titles):
                with Vertical(classes="variant", id=f"variant-{index}"):
                    yield Static(title, classes="variant-title", markup=False)
                    yield SessionPane(
                        replay=isinstance(source, ReplayCompare),
                        own_timer=False,
                        id=f"pane-{index}",
                        classes="-timeline-only",
                    )
        yield KeyFooter()

    def on_mount(self) -> None:
        rota = RedrawRota(list(self.query(SessionPane)))
        self.set_interval(rota.period, rota.tick)
        self.run_worker(self._run(), group="compare", exclusive=True, exit_on_error=False)

    def on_resize(self) -> None:
        self._fit_titles()

    def _fit_titles(self) -> None:
        """Every variant's title as tall as the longest needs (they wrap, never cut, and the panes
        under them stay level). A layout of the screen only when that height changes: a status
        change nearly always keeps it."""
        labels = list(self.query(".variant-title").results(Static))
        if not labels:
            return
        lines = 1
        for label in labels:
            room = label.content_region.width
            if room > 0:
                lines = max(lines, len(textwrap.wrap(str(label.content), room)))
        for label in labels:
            if label.styles.height is None or label.styles.height.value != lines:
                label.styles.height = lines

    def pane(self, index: int) -> SessionPane:
        return self.query_one(f"#pane-{index}", SessionPane)

    # -- running ----------------------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            if isinstance(self.source, LiveCompare):
                await self._run_live(self.source)
            else:
                await self._run_replay(self.source)
        except Exception as exc:  # the worker boundary: say it, never crash the app
            self.notify(f"{type(exc).__name__}: {exc}", title="Compare failed", severity="error")
            self.query_one("#verdict", Static).update(
                f"[red]The comparison stopped: {escape(str(exc))}[/]"
            )
        finally:
            self.finished.set()
            if self._close_when_done:
                self._leave()

    async def _run_live(self, source: LiveCompare) -> None:
        profile, variants, setup = source.profile, source.variants, None
        extra: dict[str, Any] = {}
        await preload(*LIVE_MODULES)
        # What exists now is here to stay: later full collections (14-17 ms each with everything
        # the app and the runtime imported) skip it. See workbench/gcpolicy.py.
        gcpolicy.freeze_startup()
        scenario = self.scenario
        if scenario is not None:
            from workbench.demo.session import DemoUnavailable, prepare_demo

            stack = contextlib.ExitStack()
            try:  # building the repository runs git: in a thread, the screen keeps drawing
                demo = await asyncio.to_thread(
                    stack.enter_context,
                    prepare_demo(scenario, profile, variants, source.speed),
                )
            except DemoUnavailable as exc:
                self.query_one("#verdict", Static).update(f"[red]{escape(str(exc))}[/]")
                self.notify(str(exc), title="Demo unavailable", severity="error", timeout=15)
                return
            self._demo_exit = stack
            profile, variants, setup, extra = demo.profile, demo.variants, demo.setup, demo.extra
            if demo.repository is not None:
                self.query_one("#repository", Static).update(demo.repository, layout=False)
        self._queues = [asyncio.Queue() for _ in variants]
        runner = CompareRunner(
            profile,
            source.prompt,
            variants,
            setup=setup,
            session_dir=source.session_dir,
            on_event=self._on_event,
            on_status=self._on_status,
        )
        self.runner = runner
        self.runs = runner.runs
        for index, queue in enumerate(self._queues):
            self.pane(index).follow(_drain(queue), description=f"variant {index + 1}")
        freezer = self.set_interval(0.5, gcpolicy.freeze_survivors)
        try:
            await runner.run()
        finally:
            freezer.stop()
            for queue in self._queues:
                queue.put_nowait(None)
            await self._close_demo()
        self._show_summary(final=True)
        from workbench.compare.headless import summary_for
        from workbench.compare.manifest import write_manifest

        summary = summary_for(runner, extra)
        path = await asyncio.to_thread(write_manifest, runner.session_dir, summary)
        # Where it was saved first: the prompt after it may be cut at the screen's edge.
        saved = Text.assemble(("saved ", "dim"), str(path), (" (workbench replay it) · ", "dim"))
        # It wraps rather than being cut: the variants have stopped, so a layout costs nothing now.
        self.query_one("#compare-status", Static).update(saved + Text(self._head), layout=True)

    @cached_property
    def scenario(self) -> Scenario | None:
        """The demo's scenario (None: a comparison of the user's own prompt), read once."""
        source = self.source
        if not isinstance(source, LiveCompare) or source.scenario is None:
            return None
        from workbench.demo.scenario import load_scenario

        return load_scenario(source.scenario)  # a small data file

    def _simulated_text(self, scenario: Scenario) -> str:
        if not isinstance(self.source, LiveCompare):
            return ""
        scripted = self.source.profile.type == "scripted"
        return scenario.describe_simulation(self.source.speed, scripted=scripted)

    async def _close_demo(self) -> None:
        stack, self._demo_exit = self._demo_exit, None
        if stack is not None:
            await asyncio.to_thread(stack.close)

    async def _run_replay(self, source: ReplayCompare) -> None:
        from workbench.compare.manifest import load_manifest
        from workbench.compare.replay import replay_variants
        from workbench.session import ReplayController, replay_events

        manifest = await asyncio.to_thread(load_manifest, source.manifest)
        replayed = await asyncio.to_thread(replay_variants, manifest)
        self.runs = [item.run for item in replayed]
        for item in replayed:
            for problem in item.problems:
                self.notify(problem, title="Session file problem", severity="warning")
        workers = [
            self.pane(i).follow(
                replay_events(item.events, ReplayController(speed=source.speed)),
                description=f"replay of variant {i + 1}",
            )
            for i, item in enumerate(replayed)
        ]
        # Each row says it is replaying until its pane has drawn the whole recording, then shows
        # the recording's figures (not "pending" until the last one ends).
        drawn: set[int] = set()
        self._show_replayed(drawn)

        async def drawn_when_done(index: int) -> None:
            await workers[index].wait()
            drawn.add(index)
            self._show_replayed(drawn)

        await asyncio.gather(*(drawn_when_done(i) for i in range(len(workers))))
        self._show_summary(final=True)

    def _show_replayed(self, drawn: set[int]) -> None:
        rows = table_rows(self.runs)
        cells = [
            [row[0], run.status, *row[1:]] if index in drawn else [row[0], "replaying"]
            for index, (run, row) in enumerate(zip(self.runs, rows, strict=True))
        ]
        self.query_one("#summary", SummaryStrip).show(cells)

    # -- what the runner reports ------------------------------------------------------------------

    def _on_event(self, run: VariantRun, event: Event) -> None:
        self._queues[run.index].put_nowait(event)
        if isinstance(event, CallStarted) and run.index not in self._started:
            self._started.add(run.index)
            if len(self._started) == len(self._queues):
                self.all_started.set()

    def _on_status(self, run: VariantRun) -> None:
        # The class goes on the title only: restyling the whole column would walk its pane too.
        label = self.query_one(f"#variant-{run.index} > .variant-title", Static)
        for status in ("running", "completed", "failed", "cancelled"):
            label.set_class(run.status == status, f"-{status}")
        title = describe_variant(run)
        if run.status != "running":
            title += f" · {run.status}"
        if run.status == "failed" and run.error:
            title += f": {run.error}"
        label.update(title, layout=False)
        self._fit_titles()
        if run.done:
            self._queues[run.index].put_nowait(None)
        self._show_summary(final=False)

    def _show_summary(self, *, final: bool) -> None:
        runs = self.runs
        if not runs:
            return
        rows = table_rows(runs)
        cells = [
            [row[0], run.status, *row[1:]] if run.done else [row[0], run.status]
            for run, row in zip(runs, rows, strict=True)
        ]
        self.query_one("#summary", SummaryStrip).show(cells)
        if final or all(run.done for run in runs):
            self.verdict_text = verdict(runs)
            lines = [f"[b]{escape(self.verdict_text)}[/]"]
            for run in runs:  # where a provider lacks a knob, the variant says so
                lines.extend(f"[dim]{escape(run.name)}: {escape(note)}[/]" for note in run.notes)
            self.query_one("#verdict", Static).update("\n".join(lines))

    # -- keys -------------------------------------------------------------------------------------

    def action_cancel_all(self) -> None:
        """Esc: cancel every variant; each call still gets its result."""
        if self.runner is not None and not self.finished.is_set():
            self.runner.cancel()
            self.notify("Cancelling every variant…")
        elif self.finished.is_set() and self.closable:
            self.dismiss()

    def action_close(self) -> None:
        """q: close; while variants run, cancel them first and close once every call has its
        result and the manifest is written (closing at once lost the manifest: the sessions
        were on disk, but nothing could reopen them side by side)."""
        if self.runner is not None and not self.finished.is_set():
            self.runner.cancel()
            self._close_when_done = True
            self.notify("Cancelling every variant; closing once they have stopped…")
            return
        self._leave()

    def _leave(self) -> None:
        if self.closable:
            self.dismiss()
        else:
            self.app.exit()

    async def on_unmount(self) -> None:
        if self.runner is not None and not self.finished.is_set():
            self.runner.cancel()
        await self._close_demo()
        gcpolicy.thaw()  # what the comparison froze as it ran can be collected now


async def _drain(queue: asyncio.Queue[Event | None]) -> AsyncIterator[Event]:
    while (event := await queue.get()) is not None:
        yield event


__all__ = ["CompareScreen", "LiveCompare", "ReplayCompare"]
