"""One loopback rule for the emulator's bind address, the keyless local server and the test guard."""

from __future__ import annotations

import pytest

from workbench.loopback import is_loopback_host, is_loopback_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8765/v1", True),
        ("http://localhost:11434/v1", True),
        ("http://[::1]:8000", True),
        ("http://127.8.9.10", True),
        ("https://api.openai.com/v1", False),
        ("http://10.0.0.1", False),
        ("http://[::1", False),  # unreadable: not loopback, and no ValueError
        (None, False),
        ("", False),
    ],
)
def test_loopback_urls(url: str | None, expected: bool) -> None:
    assert is_loopback_url(url) is expected


def test_loopback_hosts() -> None:
    assert is_loopback_host("::1") and is_loopback_host("localhost")
    assert not is_loopback_host("example.com") and not is_loopback_host("0.0.0.0")
