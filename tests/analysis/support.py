"""Recording real sessions for the analysis tests: the runtime, the scripted model, the recorder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.analysis import Session, from_recording, read_recording
from workbench.config import Profile
from workbench.core.knobs import KnobChange
from workbench.runtime import Runtime


def profile(**fields: Any) -> Profile:
    """A scripted profile; ``tokens_per_s`` paces the stream (calls arrive apart, for eager runs)."""
    tokens_per_s = fields.pop("tokens_per_s", 1_000_000)
    return Profile.model_validate(
        {
            "name": "analysis-test",
            "type": "scripted",
            "scripted": {"ttft_ms": 0, "tokens_per_s": tokens_per_s},
            **fields,
        }
    )


async def record(
    path: Path, prompts: list[str], prof: Profile, knobs: list[dict[str, Any]] | None = None
) -> Session:
    """Run ``prompts`` as turns (turning ``knobs[i]`` before turn i), record them, read them back."""
    runtime = await Runtime.start(prof, record=path)
    try:
        for i, prompt in enumerate(prompts):
            if knobs and i < len(knobs) and knobs[i]:
                runtime.apply(KnobChange(**knobs[i]))
            async for _ in runtime.run_turn(prompt):
                pass
    finally:
        await runtime.aclose()
    return from_recording(read_recording(path))
