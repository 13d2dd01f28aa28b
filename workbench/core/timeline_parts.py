"""The timeline's names for the session fold's facts (:mod:`workbench.core.facts`)."""

from __future__ import annotations

from workbench.core.facts import (
    _HOLDS_SLOT,
    MIN_AXIS_S,
    MIN_VISIBLE_WAIT_S,
    TERMINAL,
    Batch,
    Call,
    CallState,
    Change,
    RoundTrip,
    SessionTotals,
    Turn,
)

BatchGroup = Batch
CallRow = Call
ModelSpan = RoundTrip
TurnInfo = Turn

__all__ = [
    "MIN_AXIS_S",
    "MIN_VISIBLE_WAIT_S",
    "TERMINAL",
    "_HOLDS_SLOT",
    "BatchGroup",
    "CallRow",
    "CallState",
    "Change",
    "ModelSpan",
    "SessionTotals",
    "TurnInfo",
]
