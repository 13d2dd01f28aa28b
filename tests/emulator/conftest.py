"""Server-level tests share the providers' ``emulator`` fixture."""

from tests.providers.conftest import emulator as emulator
