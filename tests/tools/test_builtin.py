"""The built-in tools as a model sees them (names, schemas) and as a user sees their results."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.tools.helpers import call
from workbench.tools import builtin
from workbench.tools.base import Tool, ToolArgumentsError, ToolRegistry
from workbench.tools.builtin import BUILTIN_TOOL_NAMES, builtin_tools, weather_latency_s

# 2024-07-01 12:00 UTC is a Monday, in summer time for Paris and New York.
PINNED = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(builtin, "_now", lambda: PINNED)


@pytest.fixture
def tokyo_local_time() -> Iterator[None]:
    """Make the machine's local zone Tokyo for one test (and put it back afterwards)."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


# --- what a model sees -------------------------------------------------------------------------


def test_names_are_listed_in_order_and_register_without_clashes(workspace_dir: Path) -> None:
    registry = ToolRegistry(builtin_tools(workspace_dir))
    assert tuple(registry.names) == BUILTIN_TOOL_NAMES


@pytest.mark.parametrize(
    ("name", "required", "optional"),
    [
        ("get_weather", ["city"], []),
        ("get_time", ["timezone"], []),
        ("get_date", [], []),
        ("read_file", ["path"], []),
        ("list_files", [], ["dir"]),
        ("search_code", ["pattern"], []),
        ("run_linter", ["path"], []),
        ("sleep", ["ms"], []),
        ("fail", [], ["message"]),
        ("hang", [], []),
    ],
)
def test_schemas_name_the_arguments_a_model_must_send(
    tools: dict[str, Tool], name: str, required: list[str], optional: list[str]
) -> None:
    schema = tools[name].parameters
    assert schema["type"] == "object"
    assert schema.get("required", []) == required
    assert sorted(schema["properties"]) == sorted(required + optional)
    assert schema["additionalProperties"] is False
    for prop in schema["properties"].values():
        assert prop.get("description"), f"{name}: every argument is described to the model"
    assert tools[name].description
    json.dumps(tools[name].spec.model_dump())  # sent to providers as JSON


def test_file_tools_are_sync_so_they_run_in_the_thread_pool(tools: dict[str, Tool]) -> None:
    sync = {t.name for t in tools.values() if not t.is_async}
    assert sync == {"read_file", "list_files", "search_code", "run_linter", "git_diff", "git_blame"}


def test_sleep_bounds_are_in_the_schema(tools: dict[str, Tool]) -> None:
    ms = tools["sleep"].parameters["properties"]["ms"]
    assert (ms["type"], ms["minimum"], ms["maximum"]) == ("integer", 0, 600_000)


# --- weather -----------------------------------------------------------------------------------


async def test_weather_is_deterministic_per_city(tools: dict[str, Tool]) -> None:
    first = await call(tools["get_weather"], {"city": "Paris"})
    again = await call(tools["get_weather"], {"city": "  paris "})
    assert first["city"] == "Paris" and again["city"] == "paris"
    assert {k: v for k, v in first.items() if k != "city"} == {
        k: v for k, v in again.items() if k != "city"
    }
    json.dumps(first)


async def test_weather_is_pinned_across_runs(tools: dict[str, Tool]) -> None:
    # A stable hash, not the salted hash(): recorded demos must see the same weather next time.
    assert await call(tools["get_weather"], {"city": "Tokyo"}) == {
        "city": "Tokyo",
        "temp_c": 18.0,
        "conditions": "fog",
        "humidity_pct": 75,
        "wind_kph": 26.6,
        "simulated": True,
    }


async def test_weather_differs_between_cities_and_stays_plausible(tools: dict[str, Tool]) -> None:
    cities = ["Paris", "London", "Tokyo", "Sydney", "New York", "Cairo"]
    reports = [await call(tools["get_weather"], {"city": c}) for c in cities]
    assert len({r["temp_c"] for r in reports}) > 1
    for r in reports:
        assert -5 <= r["temp_c"] <= 35
        assert 20 <= r["humidity_pct"] <= 95
        assert 0 <= r["wind_kph"] <= 40
        assert isinstance(r["conditions"], str)


def test_weather_latency_is_fixed_per_city_and_in_range() -> None:
    for city in ("Paris", "Tokyo", "Lagos", "x"):
        assert 0.120 <= weather_latency_s(city) <= 0.350
        assert weather_latency_s(city) == weather_latency_s(city.upper())
    assert weather_latency_s("Paris") != weather_latency_s("Tokyo")


async def test_weather_waits_its_latency(
    tools: dict[str, Tool], monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(builtin, "simulate", record)
    await call(tools["get_weather"], {"city": "Paris"})
    assert waits == [weather_latency_s("Paris")]


async def test_weather_refuses_an_empty_city(tools: dict[str, Tool]) -> None:
    with pytest.raises(ValueError, match="city must not be empty"):
        await call(tools["get_weather"], {"city": "  "})
    with pytest.raises(ToolArgumentsError, match="city"):
        await call(tools["get_weather"], {})


# --- time and date -----------------------------------------------------------------------------


@pytest.mark.usefixtures("pinned_clock")
@pytest.mark.parametrize(
    ("query", "zone", "clock", "offset", "abbreviation"),
    [
        ("Europe/Paris", "Europe/Paris", "14:00:00", "+02:00", "CEST"),
        ("Paris", "Europe/Paris", "14:00:00", "+02:00", "CEST"),
        ("New York", "America/New_York", "08:00:00", "-04:00", "EDT"),
        ("tokyo", "Asia/Tokyo", "21:00:00", "+09:00", "JST"),
        ("London", "Europe/London", "13:00:00", "+01:00", "BST"),
        ("Sydney", "Australia/Sydney", "22:00:00", "+10:00", "AEST"),
        ("europe/berlin", "Europe/Berlin", "14:00:00", "+02:00", "CEST"),
        ("UTC", "UTC", "12:00:00", "+00:00", "UTC"),
    ],
)
async def test_time_accepts_zones_and_city_names(
    tools: dict[str, Tool], query: str, zone: str, clock: str, offset: str, abbreviation: str
) -> None:
    result = await call(tools["get_time"], {"timezone": query})
    assert result["timezone"] == zone
    assert result["time"] == clock
    assert result["utc_offset"] == offset
    assert result["abbreviation"] == abbreviation
    assert result["weekday"] == "Monday"
    assert result["date"] == "2024-07-01"
    json.dumps(result)


async def test_time_reads_the_real_clock(tools: dict[str, Tool]) -> None:
    result = await call(tools["get_time"], {"timezone": "Asia/Tokyo"})
    shown = datetime.fromisoformat(result["iso"])
    assert abs(shown - datetime.now(UTC)) < timedelta(minutes=1)


@pytest.mark.parametrize("query", ["Mars", "Europe", "", "../etc/passwd", "/etc/localtime"])
async def test_an_unknown_zone_says_what_to_send_instead(
    tools: dict[str, Tool], query: str
) -> None:
    with pytest.raises(ValueError, match="unknown timezone") as info:
        await call(tools["get_time"], {"timezone": query})
    assert "Europe/Paris" in str(info.value)


@pytest.mark.usefixtures("tokyo_local_time")
async def test_date_is_todays_local_date(
    tools: dict[str, Tool], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 20:00 UTC on Monday is already Tuesday morning in Tokyo.
    monkeypatch.setattr(builtin, "_now", lambda: datetime(2024, 7, 1, 20, 0, tzinfo=UTC))
    result = await call(tools["get_date"])
    assert result == {"date": "2024-07-02", "weekday": "Tuesday", "timezone": "JST"}


async def test_date_takes_no_arguments(tools: dict[str, Tool]) -> None:
    with pytest.raises(ToolArgumentsError, match="takes no arguments"):
        await call(tools["get_date"], {"day": "today"})


# --- sleep, fail, hang -------------------------------------------------------------------------


async def test_sleep_returns_what_it_slept(tools: dict[str, Tool]) -> None:
    assert await call(tools["sleep"], {"ms": 1}) == {"slept_ms": 1}


@pytest.mark.parametrize("bad", [{"ms": "x"}, {"ms": -1}, {"ms": 600_001}, {}, {"ms": 5, "s": 1}])
async def test_sleep_rejects_bad_arguments(tools: dict[str, Tool], bad: dict[str, Any]) -> None:
    with pytest.raises(ToolArgumentsError, match="invalid arguments for tool 'sleep'"):
        await call(tools["sleep"], bad)


async def test_sleep_is_cancellable(tools: dict[str, Tool]) -> None:
    task = asyncio.create_task(call(tools["sleep"], {"ms": 600_000}))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_fail_raises_the_message(tools: dict[str, Tool]) -> None:
    with pytest.raises(RuntimeError, match=r"^boom$"):
        await call(tools["fail"])
    with pytest.raises(RuntimeError, match=r"^disk on fire$"):
        await call(tools["fail"], {"message": "disk on fire"})


async def test_hang_never_returns_until_cancelled(tools: dict[str, Tool]) -> None:
    task = asyncio.create_task(call(tools["hang"]))
    done, _ = await asyncio.wait({task}, timeout=0.02)
    assert not done
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()


async def test_hang_ends_at_a_timeout(tools: dict[str, Tool]) -> None:
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.01):
            await call(tools["hang"])
