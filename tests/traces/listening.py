"""``workbench listen``'s receiver on a loopback port, in a thread with its own event loop (the SDK's
OTLP exporter is synchronous: in the test's own loop it would wait on itself)."""

from __future__ import annotations

import asyncio
import queue
import threading
from pathlib import Path
from types import TracebackType

from workbench.traces.live import LiveRun, LiveRuns
from workbench.traces.receiver import MAX_BODY_BYTES, Listener, bind


class ListenerThread:
    def __init__(
        self,
        directory: Path,
        *,
        grace_s: float = 0.05,
        idle_s: float = 30.0,
        max_body: int = MAX_BODY_BYTES,
        max_spans: int | None = None,
    ) -> None:
        self.closed: queue.Queue[LiveRun] = queue.Queue()
        self.live = LiveRuns(
            directory,
            grace_s=grace_s,
            idle_s=idle_s,
            on_closed=self.closed.put,
            max_spans=max_spans,
        )
        self.listener = Listener(self.live, bind("127.0.0.1", 0), tick_s=0.02, max_body=max_body)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="listen", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.port}/v1/traces"

    def _run(self) -> None:
        self._loop.run_until_complete(self.listener.run())
        self._loop.close()

    def next_run(self, timeout_s: float = 20.0) -> LiveRun:
        """The next session written (waits for it)."""
        return self.closed.get(timeout=timeout_s)

    def __enter__(self) -> ListenerThread:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._loop.call_soon_threadsafe(self.listener.stop)
        self._thread.join(timeout=10)
