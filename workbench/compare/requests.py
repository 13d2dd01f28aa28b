"""What the app is asked to compare: a live comparison (or demo), or a finished one to replay.

Plain data, no Textual: the CLI builds these and hands them to the app's factory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.compare.variants import Variant

if TYPE_CHECKING:
    from workbench.config.profile import Profile


@dataclass(frozen=True)
class LiveCompare:
    """Run ``prompt`` under ``variants`` now; ``scenario`` makes it a demo (simulated latencies)."""

    profile: Profile
    prompt: str
    variants: list[Variant]
    scenario: str | None = None
    speed: float = 1.0
    session_dir: Path | None = None


@dataclass(frozen=True)
class ReplayCompare:
    """Reopen a finished comparison from its manifest."""

    manifest: Path
    speed: float | None = 1.0


__all__ = ["LiveCompare", "ReplayCompare"]
