"""Reopening a comparison from its manifest: each variant's figures folded again from its session.

The figures are recomputed from the recorded events by the same fold the live run used, so a replay
shows the numbers the run showed; the status and the one-line error come from the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.compare.manifest import Manifest
from workbench.compare.runner import VariantRun, VariantStatus
from workbench.compare.variants import parse_variant
from workbench.core.events import Event


@dataclass
class ReplayedVariant:
    run: VariantRun
    events: list[Event] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def replay_variants(manifest: Manifest) -> list[ReplayedVariant]:
    """One :class:`VariantRun` per variant, its figures folded from its session's events."""
    from workbench.session import SessionFormatError, load_session

    out: list[ReplayedVariant] = []
    for index, entry in enumerate(manifest.variants):
        settings = entry.data.get("settings") or {}
        variant = parse_variant(f"{entry.name}:{settings.get('knobs', '')}")
        run = VariantRun(index, variant, status=_status(entry.status), error=entry.error)
        run.notes = [str(n) for n in settings.get("notes", [])]
        replayed = ReplayedVariant(run)
        if entry.session is not None:
            run.session = entry.session
            try:
                session = load_session(entry.session)
            except (SessionFormatError, OSError) as exc:
                replayed.problems.append(f"{entry.session}: {exc}")
            else:
                replayed.problems.extend(f"{entry.session}: {p}" for p in session.problems)
                replayed.events = session.events
                for event in session.events:
                    run.fold.apply(event)
                    if event.type == "settings_changed":
                        run.settings = event.settings
        out.append(replayed)
    return out


def _status(text: str) -> VariantStatus:
    match text:
        case "completed" | "cancelled":
            return text
        case _:
            return "failed"


__all__ = ["ReplayedVariant", "replay_variants"]
