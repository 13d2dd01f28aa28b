"""A comparison in the terminal: each variant's timeline as ``run`` prints it, then the table and verdict.

Variants run at once, so each one's timeline is written to its own buffer and printed whole when the
variant ends (in the order they end); with ``--json`` only the one JSON object is printed, at the end.
The first Ctrl-C cancels every variant the way Esc does (each call still gets a result, and the table
still prints); a second stops at once.
"""

from __future__ import annotations

import asyncio
import io
import json
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from workbench.compare.manifest import write_manifest
from workbench.compare.report import comparison_dict, describe_variant, render_table, verdict
from workbench.compare.runner import CompareRunner, VariantRun
from workbench.core.events import Event
from workbench.render.format import paint
from workbench.render.printer import TerminalPrinter, color_default, width_default


def summary_for(runner: CompareRunner, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The comparison's JSON object (and the manifest's body) for a runner that has run."""
    return comparison_dict(runner.prompt, runner.profile.name, runner.runs, **(extra or {}))


class HeadlessCompare:
    """Wires a :class:`CompareRunner`'s hooks to per-variant printers; :meth:`run` returns the exit
    status (0 all completed, 1 one did not, 130 interrupted)."""

    def __init__(
        self,
        out: TextIO,
        *,
        json_mode: bool = False,
        preface: Sequence[str] = (),
        extra: dict[str, Any] | None = None,
        err: TextIO | None = None,
    ) -> None:
        self.out = out
        self.err = err or sys.stderr
        self.json_mode = json_mode
        self.preface = list(preface)
        self.extra = extra or {}
        self.color = False if json_mode else color_default(out)
        self.width = width_default()
        self._buffers: dict[int, io.StringIO] = {}
        self._printers: dict[int, TerminalPrinter] = {}
        self.interrupted = False

    # -- the runner's hooks ------------------------------------------------------------------------

    def on_event(self, run: VariantRun, event: Event) -> None:
        if self.json_mode:
            return
        printer = self._printers.get(run.index)
        if printer is None:
            buffer = io.StringIO()
            self._buffers[run.index] = buffer
            printer = TerminalPrinter(buffer, color=self.color, width=self.width, echo_prompt=False)
            self._printers[run.index] = printer
        printer.handle(event)

    def on_status(self, run: VariantRun) -> None:
        if self.json_mode or not run.done:
            return
        title = f"━━ {describe_variant(run)} "
        lines = [paint(title + "━" * max(0, self.width - len(title)), "bold", self.color)]
        buffer = self._buffers.pop(run.index, None)
        self._printers.pop(run.index, None)
        body = buffer.getvalue().strip("\n") if buffer is not None else ""
        if body:
            lines.append(body)
        if run.status == "failed":
            lines.append(paint(f"{run.name} failed: {run.error}", "red", self.color))
        elif run.status == "cancelled" and not body:
            lines.append(paint(f"{run.name} was cancelled before it started", "yellow", self.color))
        self.out.write("\n".join(lines) + "\n\n")
        self.out.flush()

    # -- running -----------------------------------------------------------------------------------

    def attach(self, runner: CompareRunner) -> None:
        runner.on_event = self.on_event
        runner.on_status = self.on_status

    async def run(self, runner: CompareRunner) -> int:
        self.attach(runner)
        if not self.json_mode:
            mode = "one at a time" if runner.one_at_a_time else "at the same time"
            head = [paint(f"› {runner.prompt}", "bold", self.color)]
            head += [paint(line, "dim", self.color) for line in self.preface]
            head.append(
                paint(
                    f"{len(runner.runs)} variants, {mode}; baseline: {runner.baseline.name}",
                    "dim",
                    self.color,
                )
            )
            self.out.write("\n".join(head) + "\n\n")
            self.out.flush()
        with _Interrupts(runner, self._interrupt) as stop:
            try:
                await runner.run()
            except asyncio.CancelledError:
                if not stop():
                    raise
        summary = summary_for(runner, self.extra)
        manifest = None
        try:
            manifest = write_manifest(runner.session_dir, summary)
        except OSError as exc:
            print(f"workbench: the compare manifest was not written: {exc}", file=self.err)
        if self.json_mode:
            self.out.write(json.dumps(summary, ensure_ascii=False) + "\n")
        else:
            lines = render_table(runner.runs, self.color)
            lines += ["", paint(verdict(runner.runs), "bold", self.color)]
            self.out.write("\n".join(lines) + "\n")
        self.out.flush()
        if manifest is not None:
            print(f"compare: {manifest}  (workbench replay {manifest})", file=self.err)
        if self.interrupted:
            return 130
        return 0 if all(r.status == "completed" for r in runner.runs) else 1

    def _interrupt(self) -> None:
        self.interrupted = True
        print("\ncancelling every variant (Ctrl-C again to stop at once)", file=self.err)


class _Interrupts:
    """First Ctrl-C: ``on_first`` and cancel the runner; a second: cancel the running task."""

    def __init__(self, runner: CompareRunner, on_first: Callable[[], None]) -> None:
        self.runner = runner
        self.on_first = on_first
        self.count = 0
        self._installed = False

    def __enter__(self) -> Callable[[], bool]:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()

        def handler() -> None:
            self.count += 1
            if self.count == 1:
                self.on_first()
                self.runner.cancel()
            elif task is not None:
                task.cancel()

        try:
            loop.add_signal_handler(signal.SIGINT, handler)
            self._installed = True
        except (NotImplementedError, RuntimeError):  # no signal handlers here (a thread, Windows)
            pass
        return lambda: self.count > 1

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGINT)


__all__ = ["HeadlessCompare"]
