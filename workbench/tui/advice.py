"""The round-trip advisor's notes on a finished turn, for the timeline (no UI here: the pane asks,
the timeline draws what it is given)."""

from __future__ import annotations

from workbench.core.timeline import TimelineModel


def turn_advice(model: TimelineModel, number: int) -> list[str]:
    """The advisor's sentences on turn ``number`` (only a turn with two responses with calls or
    more can have any)."""
    info = model.turn(number)
    if info is None or len(info.batch_ids) < 2:
        return []
    # Loaded with the first such turn: the analysis package (and the session reader it reads
    # recordings with) is ~15 ms of imports the first frame does not need.
    from workbench.analysis import turn_from_model
    from workbench.analysis.advisor import advise_turn

    turn = turn_from_model(model, number)
    return [advice.sentence() for advice in advise_turn(turn)] if turn is not None else []
