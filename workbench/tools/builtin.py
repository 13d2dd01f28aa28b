"""The built-in demo tools a workbench session starts with.

Weather, time and date stand in for network APIs (async, with simulated latency); the file
tools (:mod:`workbench.tools.files`) do real blocking I/O in the executor's thread pool; ``sleep``,
``fail`` and ``hang`` make timing, failures and timeouts easy to provoke on purpose. Outputs are
deterministic where the world allows it (weather is a hash of the city; time is the real clock).
"""

from __future__ import annotations

import asyncio
import functools
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import Field

from workbench.tools.base import Tool, tool
from workbench.tools.files import file_tools
from workbench.tools.git import git_tools
from workbench.tools.latency import latency_for, simulate, stable_fraction
from workbench.tools.places import city_timezone
from workbench.tools.workspace import Workspace

SLEEP_MAX_MS = 600_000

_CONDITIONS = ("sunny", "partly cloudy", "cloudy", "overcast", "light rain", "rain", "fog")


def _now() -> datetime:
    """The current instant; tests replace this to pin the clock."""
    return datetime.now(UTC)


def weather_latency_s(city: str) -> float:
    """Unscaled latency of ``get_weather`` for ``city``: 120-350 ms, the same on every run."""
    return latency_for(f"weather:{city.strip().casefold()}", 120, 350)


def time_latency_s(timezone: str) -> float:
    """Unscaled latency of ``get_time``: 50-100 ms, fixed per zone query."""
    return latency_for(f"time:{timezone.strip().casefold()}", 50, 100)


DATE_LATENCY_S = 0.030


@tool
async def get_weather(
    city: Annotated[str, Field(description="City name, e.g. 'Paris' or 'New York'.")],
) -> dict[str, Any]:
    """Get the current weather for a city: temperature (°C), conditions, humidity and wind.

    Simulated: the values are a deterministic function of the city name, so demos replay the same.
    """
    name = city.strip()
    if not name:
        raise ValueError("city must not be empty, e.g. get_weather(city='Paris')")
    await simulate(weather_latency_s(name))
    key = name.casefold()

    def pick(field: str) -> float:
        return stable_fraction(f"{key}:{field}")

    # The mean of two draws clusters temperatures around a mild 15 °C, as most real readings do.
    temp_c = round(-5 + 40 * (pick("temp") + pick("temp2")) / 2, 1)
    conditions = _CONDITIONS[int(pick("conditions") * len(_CONDITIONS))]
    if conditions in ("light rain", "rain") and temp_c <= 0:
        conditions = "snow"
    return {
        "city": name,
        "temp_c": temp_c,
        "conditions": conditions,
        "humidity_pct": 20 + int(pick("humidity") * 76),
        "wind_kph": round(40 * pick("wind"), 1),
        "simulated": True,
    }


@tool
async def get_time(
    timezone: Annotated[
        str, Field(description="IANA zone such as 'Europe/Paris', or a city such as 'Tokyo'.")
    ],
) -> dict[str, Any]:
    """Get the current local time in a time zone (an IANA name like 'Asia/Tokyo' or a city name)."""
    await simulate(time_latency_s(timezone))
    zone_name = resolve_zone(timezone)
    local = _now().astimezone(ZoneInfo(zone_name))
    return {
        "timezone": zone_name,
        "time": local.strftime("%H:%M:%S"),
        "date": local.date().isoformat(),
        "weekday": local.strftime("%A"),
        "utc_offset": local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:],
        "abbreviation": local.tzname(),
        "iso": local.isoformat(timespec="seconds"),
    }


def resolve_zone(query: str) -> str:
    """The IANA zone for a city name or a zone name (in any case); ValueError says what to send."""
    text = query.strip()
    if zone := city_timezone(text):
        return zone
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass  # not a zone key as written: try it case-insensitively below
    else:
        return text
    if zone := _zones_by_folded_name().get(text.replace(" ", "_").casefold()):
        return zone
    raise ValueError(
        f"unknown timezone '{query}': use an IANA name such as 'Europe/Paris' or "
        "'America/New_York', or a well-known city such as 'Tokyo'"
    )


@functools.cache
def _zones_by_folded_name() -> dict[str, str]:
    # available_timezones() walks the tz database on disk: do it once per process.
    return {zone.casefold(): zone for zone in available_timezones()}


@tool
async def get_date() -> dict[str, Any]:
    """Get today's date on this machine: ISO date, weekday and the local time zone."""
    await simulate(DATE_LATENCY_S)
    local = _now().astimezone()
    return {
        "date": local.date().isoformat(),
        "weekday": local.strftime("%A"),
        "timezone": local.tzname(),
    }


@tool
async def sleep(
    ms: Annotated[
        int, Field(ge=0, le=SLEEP_MAX_MS, description="Milliseconds to wait (0 to 600000).")
    ],
) -> dict[str, Any]:
    """Wait the given number of milliseconds, then return. Useful to see calls overlap.

    Not affected by the latency scale: the caller asked for exactly this long.
    """
    await asyncio.sleep(ms / 1000)
    return {"slept_ms": ms}


@tool
async def fail(
    message: Annotated[str, Field(description="The error message to raise.")] = "boom",
) -> dict[str, Any]:
    """Always fail with the given error message (to see how failures are reported)."""
    raise RuntimeError(message)


@tool
async def hang() -> dict[str, Any]:
    """Never return (to see timeouts and cancellation); only a timeout or cancel ends it."""
    await asyncio.Event().wait()
    raise AssertionError("unreachable: nothing sets the event")


_NETWORK_LIKE = [get_weather, get_time, get_date]
_DEMO = [sleep, fail, hang]

BUILTIN_TOOL_NAMES: tuple[str, ...] = (
    "get_weather",
    "get_time",
    "get_date",
    "read_file",
    "list_files",
    "search_code",
    "run_linter",
    "git_diff",
    "git_blame",
    "sleep",
    "fail",
    "hang",
)
"""Names of every built-in tool, in the order :func:`builtin_tools` returns them."""


def builtin_tools(workspace: Path) -> list[Tool]:
    """Every built-in tool; the file and git tools read only inside ``workspace``."""
    ws = Workspace(workspace)
    return [*_NETWORK_LIKE, *file_tools(ws), *git_tools(ws), *_DEMO]
