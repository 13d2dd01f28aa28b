"""The threads sync tools run in: never the event loop's, never holding the process at exit.

Not ``concurrent.futures.ThreadPoolExecutor``, for two reasons. Its threads are joined when the
interpreter exits, so one sync tool that never returns (a hung socket read, a lock never released)
kept ``workbench run`` alive after the turn had ended on the call's timeout; these threads are daemons,
and a call given up on is simply left behind. And it starts a thread inside ``submit`` only when it
sees no idle one, so warming it ahead of need raced with the call that had just finished; here the
threads are counted, and :meth:`ToolThreads.warm` tops them up to a number.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from workbench.core.bugs import log_bug

T = TypeVar("T")

WARM_THREADS = 32
"""At most this many threads are started ahead of need (see :meth:`ToolThreads.warm`)."""
THREAD_PREFIX = "workbench-tool"

_log = logging.getLogger(__name__)

_Job = tuple["Future[Any]", Callable[[], Any]]
_Inbox = queue.SimpleQueue[_Job | None]


class ToolThreads:
    """A growing set of daemon threads; a call that finds none idle starts one.

    There is no upper bound: the executor's workers already allow at most ``cap`` calls at once, and a
    thread whose call was given up on (timed out, cancelled) must not take a slot from the calls after
    it, so the next call starts a thread beside it.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._idle: list[_Inbox] = []
        """Each idle thread's inbox, the most recently idle last (it is the warmest)."""
        self._backlog: deque[_Job] = deque()
        """Calls waiting for a thread that is starting."""
        self._alive = 0
        """Threads started (or starting) and not yet ended."""
        self._starting = 0
        """Threads started that have not yet looked for work: each will take one backlog call."""
        self._stuck = 0
        """Threads running a call the executor gave up on."""
        self._warm_target = 0
        self._closed = False
        self._names = itertools.count()

    @property
    def alive(self) -> int:
        """How many threads are alive (the stuck ones included)."""
        return self._alive

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        """Run ``fn`` in an idle thread, or in one started for it now."""
        future: Future[T] = Future()
        job: _Job = (future, fn)
        with self._cond:
            if self._closed:
                raise RuntimeError("the tool threads were shut down")
            if self._idle:
                self._idle.pop().put(job)
                return future
            self._backlog.append(job)
            if self._starting >= len(self._backlog):
                return future  # a thread that is starting will take it
            self._alive += 1
            self._starting += 1
        self._start(rollback=job)
        return future

    def warm(self, threads: int) -> None:
        """Have ``threads`` threads (at most :data:`WARM_THREADS`) ready, started off the caller's
        thread.

        ``Thread.start`` waits until the new thread runs, which, while other tool threads hold the
        interpreter, is 1-9 ms of the event loop's time each. A batch of 24 sync calls that found
        no threads held the loop ~30 ms; warmed after the first call, the next batch finds them.
        Cheap when already warm: the executor calls it with every sync call.
        """
        target = min(threads, WARM_THREADS)
        if target <= self._warm_target or self._closed:
            return
        self._warm_target = target
        _Starter.run(lambda: self._top_up(target))

    def wait_for(self, threads: int, timeout_s: float) -> bool:
        """Block until exactly ``threads`` threads are alive and none is still starting; False if
        that took over ``timeout_s``."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self._alive == threads and not self._starting, timeout_s
            )

    def abandon(self, future: Future[Any]) -> None:
        """The caller gave up on ``future`` while it runs: its thread counts as stuck until it ends."""
        with self._cond:
            self._stuck += 1

        def returned(_: Future[Any]) -> None:
            with self._cond:
                self._stuck -= 1

        future.add_done_callback(returned)

    def shutdown(self) -> None:
        """Idle threads end now, busy ones after their call; calls not yet started are cancelled."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            backlog = list(self._backlog)
            self._backlog.clear()
        for inbox in idle:
            inbox.put(None)
        for future, _ in backlog:
            future.cancel()

    # -- threads -----------------------------------------------------------------------------------

    def _top_up(self, target: int) -> None:
        with self._cond:
            if self._closed:
                return
            # The stuck threads are busy for good: they do not count as ready.
            need = target - (self._alive - self._stuck)
            if need <= 0:
                return
            self._alive += need
            self._starting += need
        for _ in range(need):
            self._start()

    def _start(self, rollback: _Job | None = None) -> None:
        name = f"{THREAD_PREFIX}_{next(self._names)}"
        thread = threading.Thread(target=self._serve, name=name, daemon=True)
        try:
            thread.start()
        except BaseException:
            with self._cond:
                self._alive -= 1
                self._starting -= 1
                if rollback is not None and rollback in self._backlog:
                    self._backlog.remove(rollback)
                self._cond.notify_all()
            raise

    def _serve(self) -> None:
        inbox: _Inbox = queue.SimpleQueue()
        first = True
        try:
            while True:
                job: _Job | None = None
                with self._cond:
                    if first:
                        self._starting -= 1
                        first = False
                        self._cond.notify_all()
                    if self._backlog:
                        job = self._backlog.popleft()
                    elif self._closed:
                        return
                    else:
                        self._idle.append(inbox)
                if job is None:
                    job = inbox.get()
                    if job is None:  # shut down
                        return
                _run(job)
                del job
        finally:
            with self._cond:
                self._alive -= 1
                self._cond.notify_all()


def _run(job: _Job) -> None:
    future, fn = job
    if not future.set_running_or_notify_cancel():
        return
    try:
        result = fn()
    except BaseException as exc:  # a tool's failure (or SystemExit) is the caller's to judge
        future.set_exception(exc)
    else:
        future.set_result(result)


class _Starter:
    """One thread, for the life of the process, that starts tool threads ahead of need: started
    once, so warming costs the event loop a queue put, not a ``Thread.start`` of its own (four
    compare variants warming at once made four more)."""

    _queue: queue.SimpleQueue[Callable[[], None]] | None = None
    _lock = threading.Lock()

    @classmethod
    def run(cls, job: Callable[[], None]) -> None:
        with cls._lock:
            if cls._queue is None:
                cls._queue = queue.SimpleQueue()
                threading.Thread(
                    target=cls._serve,
                    args=(cls._queue,),
                    name=f"{THREAD_PREFIX}-starter",
                    daemon=True,
                ).start()
            cls._queue.put(job)

    @staticmethod
    def _serve(jobs: queue.SimpleQueue[Callable[[], None]]) -> None:
        while True:
            job = jobs.get()
            try:
                job()
            except Exception as exc:  # threads that could not start ahead: calls start their own
                log_bug(_log, "starting tool threads ahead of need failed", exc)
