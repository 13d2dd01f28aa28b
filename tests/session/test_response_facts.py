"""A response's id, the model that answered and whether usage was reported survive a recording;
old files load with nothing known; no view shows tokens a provider never reported."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.style import Style

from tests.fabricate import PROFILE
from workbench.compare.figures import FiguresFold
from workbench.compare.report import table_rows, variant_dict, verdict
from workbench.compare.runner import VariantRun
from workbench.compare.variants import Variant
from workbench.core.events import (
    Event,
    ModelRequestStarted,
    ModelResponseFinished,
    TextDelta,
    TurnFinished,
    TurnStarted,
    TurnStats,
)
from workbench.core.knobs import KnobChange
from workbench.core.messages import Usage
from workbench.core.settings import EmissionSettings
from workbench.core.timeline import TimelineModel
from workbench.render.printer import TerminalPrinter
from workbench.session import SessionRecorder, load_session
from workbench.tui.widgets import timeline_rows

V1 = Path(__file__).parent / "v1" / "sequential-two-turn-trips.jsonl"


def _turn(usage: Usage, response_id: str | None = None, model: str | None = None) -> list[Event]:
    """One turn of one round trip that answered in text."""
    return [
        TurnStarted(t=0.0, turn=1, prompt="hi"),
        ModelRequestStarted(
            t=0.01,
            turn=1,
            round_trip=1,
            provider="openai-chat",
            model="gpt-4.1-mini",
            emission=EmissionSettings(),
        ),
        TextDelta(t=0.2, turn=1, text="Hello."),
        ModelResponseFinished(
            t=0.3,
            turn=1,
            round_trip=1,
            batch_id=None,
            calls=0,
            usage=usage,
            duration_s=0.29,
            stop_reason="stop",
            response_id=response_id,
            response_model=model,
        ),
        TurnFinished(
            t=0.31,
            turn=1,
            status="completed",
            text="Hello.",
            stats=TurnStats(
                round_trips=1,
                model_time_s=0.29,
                tool_time_s=0.0,
                wall_s=0.31,
                batches=0,
                calls=0,
                usage=usage,
            ),
        ),
    ]


def _record(tmp_path: Path, events: list[Event]) -> Path:
    path = tmp_path / "s.jsonl"
    with SessionRecorder.create(path, profile=PROFILE, overwrite=True) as recorder:
        for event in events:
            recorder.record(event)
    return path


def test_the_response_id_model_and_usage_reporting_survive_a_recording(tmp_path: Path) -> None:
    for usage in (Usage(), Usage(reported=True), Usage(input_tokens=81, output_tokens=42)):
        events = _turn(usage, "chatcmpl-Bx7kQ2", "gpt-4.1-mini-2025-04-14")
        loaded = load_session(_record(tmp_path, events))
        assert loaded.problems == []
        assert loaded.events == events
        (response,) = [e for e in loaded.events if isinstance(e, ModelResponseFinished)]
        assert response.response_id == "chatcmpl-Bx7kQ2"
        assert response.response_model == "gpt-4.1-mini-2025-04-14"
        assert response.usage.reported == usage.reported, "a reported 0 is not 'not reported'"


def test_a_version_1_file_loads_knowing_no_id_and_reading_its_zeros_as_not_reported(
    tmp_path: Path,
) -> None:
    lines = V1.read_bytes().splitlines()
    rows = [json.loads(line) for line in lines]
    assert rows[0]["version"] == 1
    # What version 1 wrote for a response whose provider sent no usage.
    first = next(r for r in rows if r.get("type") == "model_response_finished")
    first["usage"] = {"input_tokens": 0, "output_tokens": 0}
    path = tmp_path / "old.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    loaded = load_session(path)
    assert loaded.problems == []
    responses = [e for e in loaded.events if isinstance(e, ModelResponseFinished)]
    assert all(r.response_id is None and r.response_model is None for r in responses)
    assert [r.usage.reported for r in responses] == [False] + [True] * (len(responses) - 1)
    turns = [e for e in loaded.events if isinstance(e, TurnFinished)]
    assert all(t.stats.usage.reported for t in turns)  # counts from the other responses


def test_runs_final_line_says_tokens_n_a_instead_of_zeros() -> None:
    out = io.StringIO()
    printer = TerminalPrinter(out)
    for event in _turn(Usage()):
        printer.handle(event)
    text = out.getvalue()
    assert "tokens n/a" in text
    assert "tokens 0 in" not in text
    reported = io.StringIO()
    printer = TerminalPrinter(reported)
    for event in _turn(Usage(input_tokens=81, output_tokens=42)):
        printer.handle(event)
    assert "tokens 81 in / 42 out" in reported.getvalue()


def test_the_timeline_round_trip_header_says_tokens_n_a() -> None:
    model = TimelineModel()
    for event in _turn(Usage()):
        model.apply(event)
    (span,) = model.model_spans
    line = "".join(s.text for s in timeline_rows.span_line(span, 1.0, 0, lambda name: Style()))
    assert "tokens n/a" in line and "0→0" not in line
    assert model.totals.usage.reported is False


def test_compare_shows_n_a_and_claims_no_token_saving_it_cannot_know() -> None:
    def run(index: int, name: str, usage: Usage) -> VariantRun:
        fold = FiguresFold()
        for event in _turn(usage):
            fold.apply(event)
        return VariantRun(index, Variant(name, KnobChange()), status="completed", fold=fold)

    runs = [run(0, "sequential", Usage(input_tokens=900, output_tokens=40)), run(1, "p", Usage())]
    rows = table_rows(runs)
    assert rows[0][5:7] == ["900", "40"]
    assert rows[1][5:7] == ["n/a", "n/a"]
    assert "input tokens" not in verdict(runs)  # not "100% fewer input tokens"
    as_json = variant_dict(runs[1])
    assert as_json["input_tokens"] is None and as_json["output_tokens"] is None
