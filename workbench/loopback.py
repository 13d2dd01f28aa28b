"""Whether a host or URL names this machine: the emulator binds only such hosts, a provider needs no
key for one (the emulator, Ollama, a local vLLM), and tests may connect to nothing else."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback_host(host: str) -> bool:
    """``localhost``, ``127.0.0.1``, ``::1`` and the rest of the loopback ranges."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str | None) -> bool:
    """Whether ``url`` points at this machine (None or no host: no)."""
    if not url:
        return False
    try:
        host = urlsplit(url).hostname
    except ValueError:  # an unclosed IPv6 bracket, say
        return False
    return is_loopback_host(host or "")
