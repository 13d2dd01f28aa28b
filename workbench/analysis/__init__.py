"""What the recordings say: what-if scheduling, the round-trip advisor and emission statistics.

Pure functions over recorded events; nothing here calls a model, runs a tool or draws a screen. The
only imports are the core and the session package (an import-linter contract holds it).
"""

from workbench.analysis.advisor import Advice, advise
from workbench.analysis.model import (
    Batch,
    Call,
    RoundTrip,
    Session,
    Turn,
    from_events,
    from_group,
    from_recording,
    turn_from_model,
)
from workbench.analysis.read import Recording, read_recording
from workbench.analysis.report import SessionAnalysis, analyse
from workbench.analysis.simulate import Schedule, Workload, simulate
from workbench.analysis.stats import Stats, collect

__all__ = [
    "Advice",
    "Batch",
    "Call",
    "Recording",
    "RoundTrip",
    "Schedule",
    "Session",
    "SessionAnalysis",
    "Stats",
    "Turn",
    "Workload",
    "advise",
    "analyse",
    "collect",
    "from_events",
    "from_group",
    "from_recording",
    "read_recording",
    "simulate",
    "turn_from_model",
]
