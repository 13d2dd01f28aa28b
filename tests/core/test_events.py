"""Events: the JSON round trip, and the executor's unvalidated fast path building the same thing."""

from __future__ import annotations

import copy
import os
import pickle
import re
import subprocess
import sys
from typing import Any

import pytest

from workbench.core import trusted as trusted_module
from workbench.core.events import (
    EVENT_ADAPTER,
    BatchFinished,
    BatchStarted,
    BatchStats,
    CallFinished,
    CallQueued,
    CallStarted,
    ToolCallEmitted,
)
from workbench.core.messages import ToolResult
from workbench.core.settings import ExecutionSettings
from workbench.core.trusted import (
    TrustedModel,
    UntrustworthyError,
    new_model,
    set_fields,
    trusted,
)

STATS: dict[str, Any] = {
    "calls": 3, "wall_s": 0.5, "sum_s": 1.2, "speedup": 2.4, "peak_concurrency": 3, "wait_s": 0.0,
    "ok": 2, "errors": 1, "timeouts": 0, "cancelled": 0,
}  # fmt: skip

HOT: list[tuple[type[TrustedModel], dict[str, Any]]] = [
    (
        CallQueued,
        {"t": 0.5, "type": "call_queued", "batch_id": "b1", "call_id": "c1", "tool": "x",
         "args": {"city": "Tokyo"}, "index": 0},
    ),
    (
        CallStarted,
        {"t": 0.6, "type": "call_started", "batch_id": "b1", "call_id": "c1", "tool": "x",
         "args": None, "attempt": 2},
    ),
    (
        CallFinished,
        {"t": 0.9, "type": "call_finished", "batch_id": "b1", "call_id": "c1", "tool": "x",
         "args": {}, "status": "timeout", "result": "Error: …", "error": "timed out",
         "attempts": 1, "queued_t": 0.5, "started_t": 0.6, "finished_t": 0.9},
    ),
    (ToolResult, {"call_id": "c1", "name": "x", "status": "ok", "content": "18 °C"}),
    (
        ToolCallEmitted,
        {"t": 0.3, "type": "tool_call_emitted", "turn": 1, "batch_id": "b1", "call_id": "c1",
         "tool": "x", "args": {"city": "Tokyo"}, "index": 0},
    ),
    (BatchStats, STATS),
    (
        BatchStarted,
        {"t": 0.4, "type": "batch_started", "turn": 1, "batch_id": "b1",
         "settings": ExecutionSettings(max_concurrent=3, timeout_s=2.0), "eager": True},
    ),
    (
        BatchFinished,
        {"t": 1.0, "type": "batch_finished", "turn": 1, "batch_id": "b1",
         "stats": BatchStats.model_validate(STATS)},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("cls", "data"), HOT, ids=lambda v: getattr(v, "__name__", ""))
def test_the_fast_path_builds_exactly_what_validation_builds(
    cls: type[TrustedModel], data: dict[str, Any]
) -> None:
    assert list(data) == list(cls.model_fields), "fields must be given in declaration order"
    fast = trusted(cls, dict(data))
    checked = cls.model_validate(data)
    assert fast == checked
    assert checked == fast
    assert fast.model_dump_json() == checked.model_dump_json()
    assert fast.model_dump() == checked.model_dump()
    assert fast.model_dump(exclude_unset=True) == checked.model_dump(exclude_unset=True)
    assert fast.model_fields_set == checked.model_fields_set
    assert repr(fast) == repr(checked)
    assert copy.copy(fast) == checked
    assert copy.deepcopy(fast) == checked
    assert pickle.loads(pickle.dumps(fast)) == checked
    assert fast.model_copy(update={"t": 9.0} if "t" in data else {"content": "x"}) == (
        checked.model_copy(update={"t": 9.0} if "t" in data else {"content": "x"})
    )


@pytest.mark.parametrize(("cls", "data"), HOT, ids=lambda v: getattr(v, "__name__", ""))
def test_a_trusted_model_still_refuses_an_unknown_attribute(
    cls: type[TrustedModel], data: dict[str, Any]
) -> None:
    with pytest.raises(AttributeError, match="no_such_field"):
        _ = trusted(cls, dict(data)).no_such_field  # type: ignore[attr-defined]


@pytest.mark.parametrize(("cls", "data"), HOT[:3], ids=lambda v: getattr(v, "__name__", ""))
def test_events_round_trip_through_json(cls: type[TrustedModel], data: dict[str, Any]) -> None:
    event = trusted(cls, dict(data))
    assert EVENT_ADAPTER.validate_json(event.model_dump_json()) == event


class _Probe(TrustedModel):
    a: int
    added_later: str = "default"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"a": 1}, "fields missing ['added_later']"),
        ({"added_later": "x", "a": 1}, "out of declaration order"),
        ({"a": 1, "added_later": "x", "extra": 2}, "unknown ['extra']"),
        ({"a": "1", "added_later": "x"}, "validation changes ['a']"),
        ({"a": "one", "added_later": "x"}, "invalid data"),
    ],
)
def test_in_the_tests_a_builder_that_forgets_a_field_fails_at_once(
    data: dict[str, Any], words: str
) -> None:
    # A field added with a default, which a hot-path builder does not fill in, would be missing
    # from live events (and present in replayed ones). tests/conftest.py turns the check on.
    assert trusted_module.CHECKED
    with pytest.raises(UntrustworthyError, match=re.escape(words)):
        trusted(_Probe, data)
    with pytest.raises(UntrustworthyError, match=re.escape(words)):
        set_fields(new_model(_Probe), data)


def test_outside_the_tests_nothing_is_validated() -> None:
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_CHECK_TRUSTED"}
    probe = "import workbench.core.trusted as t; print(t.CHECKED, t.set_fields is t._set_fields)"
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "True"]
