"""When the garbage collector may walk the heap: between turns, never in the middle of a batch.

A full collection walks every tracked object. Right after start-up that is every module, pydantic
schema and SDK (measured: 15-25 ms with the event loop stalled, in the middle of a 1,000-call batch),
and a long session adds its own (timeline rows, history: 19 ms after 6,000 calls). So the app
collects at idle moments instead, when a turn has just ended, and freezes what survives
(``gc.freeze``), which later full collections skip: they then walk only what the current turn
allocated. Freezing means a frozen object that later becomes part of a garbage cycle is not
collected; before a whole session is dropped (another profile, a replay), ``thaw()`` hands every
object back to the collector.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_paused = False
_frozen = False
"""Whether this module froze objects (and has not thawed them since)."""


@contextmanager
def paused() -> Iterator[None]:
    """No collection inside the block (then as it was before): for building many objects that all
    live on. Loading, analysing or exporting a session allocates containers by the hundred thousand,
    and the collector's repeated passes over them find nothing to free (loading ~3x faster, an export
    1.5-2x: benchmarks/bench_recorder.py, bench_export.py)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            _age_survivors()
            gc.enable()


def _age_survivors() -> None:
    """What a pause built counts as old: otherwise the first young collection after it walks every
    object built (~100 ms after exporting a 100,000-call session, then again after its trace). Freezing
    and unfreezing moves the young generations to the oldest in O(1); done only when nothing is frozen,
    since unfreezing would hand the app's frozen start-up objects back too."""
    # (get_freeze_count walks the frozen objects: the flag spares the app that walk.)
    if not _frozen and gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


def pause_startup() -> None:
    """Start-up is beginning: no collection until :func:`resume_startup`.

    Importing the app and building its first screen allocates objects that nearly all live as long
    as the process; the collector would walk them ~145 times on the way to the first frame
    (measured: 40-60 ms of CPU, a tenth of it). Does nothing if the collector is already off.
    """
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_startup() -> None:
    """The first frame is drawn: collect again, if :func:`pause_startup` stopped it."""
    global _paused
    if _paused:
        _paused = False
        gc.enable()


def freeze_startup() -> None:
    """Start-up is over (the app's imports, then the runtime with its provider's SDK): what exists
    now is here to stay. Called at each of those points; freezing again only adds the newcomers."""
    _freeze()


def settle() -> None:
    """At an idle moment: collect what the last turn left behind, then freeze what is still alive.

    Costs a collection of what was allocated since the last freeze (1-2 ms after a 1,000-call turn).
    """
    gc.collect()
    _freeze()


def freeze_survivors() -> None:
    """While work that must not stall runs (a live comparison): freeze what survived the young
    collections, without collecting. Full collections then walk almost nothing (they cost 11-17 ms
    on a compare screen otherwise); garbage among the frozen waits for :func:`thaw`."""
    _freeze()


def _freeze() -> None:
    global _frozen
    _frozen = True
    gc.freeze()


def thaw() -> None:
    """Before a session is dropped: let the collector see every object again."""
    global _frozen
    _frozen = False
    gc.unfreeze()
