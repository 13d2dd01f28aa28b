"""Well-known city names and their IANA time zones.

Kept apart from the tools so the scripted model can turn "time in Paris" into
``get_time(timezone="Europe/Paris")`` without importing any tool.
"""

from __future__ import annotations

CITY_TIMEZONES: dict[str, str] = {
    "Amsterdam": "Europe/Amsterdam",
    "Athens": "Europe/Athens",
    "Auckland": "Pacific/Auckland",
    "Bangkok": "Asia/Bangkok",
    "Beijing": "Asia/Shanghai",
    "Berlin": "Europe/Berlin",
    "Buenos Aires": "America/Argentina/Buenos_Aires",
    "Cairo": "Africa/Cairo",
    "Chicago": "America/Chicago",
    "Delhi": "Asia/Kolkata",
    "Denver": "America/Denver",
    "Dubai": "Asia/Dubai",
    "Dublin": "Europe/Dublin",
    "Helsinki": "Europe/Helsinki",
    "Hong Kong": "Asia/Hong_Kong",
    "Honolulu": "Pacific/Honolulu",
    "Istanbul": "Europe/Istanbul",
    "Jakarta": "Asia/Jakarta",
    "Johannesburg": "Africa/Johannesburg",
    "Lagos": "Africa/Lagos",
    "Lisbon": "Europe/Lisbon",
    "London": "Europe/London",
    "Los Angeles": "America/Los_Angeles",
    "Madrid": "Europe/Madrid",
    "Mexico City": "America/Mexico_City",
    "Moscow": "Europe/Moscow",
    "Mumbai": "Asia/Kolkata",
    "Nairobi": "Africa/Nairobi",
    "New York": "America/New_York",
    "Oslo": "Europe/Oslo",
    "Paris": "Europe/Paris",
    "Rome": "Europe/Rome",
    "San Francisco": "America/Los_Angeles",
    "Santiago": "America/Santiago",
    "São Paulo": "America/Sao_Paulo",
    "Seattle": "America/Los_Angeles",
    "Seoul": "Asia/Seoul",
    "Shanghai": "Asia/Shanghai",
    "Singapore": "Asia/Singapore",
    "Stockholm": "Europe/Stockholm",
    "Sydney": "Australia/Sydney",
    "Tokyo": "Asia/Tokyo",
    "Toronto": "America/Toronto",
    "Vancouver": "America/Vancouver",
    "Vienna": "Europe/Vienna",
    "Warsaw": "Europe/Warsaw",
    "Zurich": "Europe/Zurich",
}
"""City display name → IANA zone. Keys are the names the scripted model looks for in prompts."""

# Spellings people type that are not display names: abbreviations and unaccented forms.
_ALIASES: dict[str, str] = {
    "nyc": "America/New_York",
    "la": "America/Los_Angeles",
    "sf": "America/Los_Angeles",
    "sao paulo": "America/Sao_Paulo",
    "new delhi": "Asia/Kolkata",
    "peking": "Asia/Shanghai",
}


def _key(name: str) -> str:
    return " ".join(name.replace("_", " ").split()).casefold()


_INDEX: dict[str, str] = {_key(city): zone for city, zone in CITY_TIMEZONES.items()} | _ALIASES


def city_timezone(name: str) -> str | None:
    """The IANA zone of a well-known city (case and spacing ignored), or None if it is unknown."""
    return _INDEX.get(_key(name))
