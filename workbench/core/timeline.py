"""The timeline model: the session fold as the TUI and the terminal printer read it.

:class:`TimelineModel` is :class:`workbench.core.fold.SessionFold` (one fold for every view); the
names below are the timeline's own for the fold's facts, kept for the widgets that draw them.
"""

from __future__ import annotations

from workbench.core.facts import (
    TERMINAL,
    Batch,
    Call,
    CallState,
    Change,
    RoundTrip,
    SessionTotals,
    Turn,
)
from workbench.core.fold import SessionFold

TimelineModel = SessionFold
BatchGroup = Batch
CallRow = Call
ModelSpan = RoundTrip
TurnInfo = Turn

__all__ = [
    "TERMINAL",
    "BatchGroup",
    "CallRow",
    "CallState",
    "Change",
    "ModelSpan",
    "SessionTotals",
    "TimelineModel",
    "TurnInfo",
]
