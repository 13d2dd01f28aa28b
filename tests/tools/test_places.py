"""The city → time zone map the scripted model uses to turn "time in Paris" into a tool call."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from workbench.tools.places import CITY_TIMEZONES, city_timezone


def test_every_zone_in_the_map_exists() -> None:
    for city, zone in CITY_TIMEZONES.items():
        assert ZoneInfo(zone), city


@pytest.mark.parametrize(
    ("name", "zone"),
    [
        ("Paris", "Europe/Paris"),
        ("tokyo", "Asia/Tokyo"),
        ("  New   York ", "America/New_York"),
        ("new_york", "America/New_York"),
        ("NYC", "America/New_York"),
        ("London", "Europe/London"),
        ("SYDNEY", "Australia/Sydney"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Sao Paulo", "America/Sao_Paulo"),
    ],
)
def test_city_names_are_matched_loosely(name: str, zone: str) -> None:
    assert city_timezone(name) == zone


@pytest.mark.parametrize("name", ["Atlantis", "", "Europe/Paris"])
def test_unknown_names_give_none(name: str) -> None:
    assert city_timezone(name) is None
