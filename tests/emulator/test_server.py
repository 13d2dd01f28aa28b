"""The HTTP layer of the emulator, with a tiny handler: framing, keep-alive and misbehaviour."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx2
import pytest

from workbench.emulator.convert import WireError, sse
from workbench.emulator.server import (
    EmulatorContext,
    EmulatorRequest,
    EmulatorResponse,
    EmulatorServer,
    Misbehaviour,
)


class CountingHandler:
    """Streams five numbered events; refuses a body with ``"bad": true``."""

    name = "counting"

    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and path == "/count"

    async def handle(self, request: EmulatorRequest, ctx: EmulatorContext) -> EmulatorResponse:
        if request.json().get("bad"):
            raise WireError("bad is not allowed")

        async def events() -> AsyncIterator[bytes]:
            for i in range(5):
                yield sse({"i": i})

        return EmulatorResponse(events=events())

    def error_response(self, status: int, message: str) -> EmulatorResponse:
        body = {"error": {"message": message, "status": status}}
        return EmulatorResponse(status, body=json.dumps(body).encode())

    def stream_error_event(self, message: str) -> bytes:
        return sse({"error": {"message": message}})


@pytest.fixture
async def server() -> AsyncIterator[EmulatorServer]:
    s = EmulatorServer([CountingHandler()])
    await s.start()
    try:
        yield s
    finally:
        await s.stop()


def _events(text: str) -> list[object]:
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]


async def test_streams_events_and_keeps_the_connection_alive(server: EmulatorServer) -> None:
    url = f"http://127.0.0.1:{server.port}/count"
    async with httpx2.AsyncClient() as client:
        first = await client.post(url, json={})
        second = await client.post(url, json={})
    assert _events(first.text) == [{"i": i} for i in range(5)]
    assert _events(second.text) == _events(first.text)
    assert [r.path for r in server.requests] == ["/count", "/count"]


async def test_misbehaviour_status_applies_the_given_number_of_times(
    server: EmulatorServer,
) -> None:
    server.misbehave(Misbehaviour(status=429, times=2, retry_after_ms=1))
    url = f"http://127.0.0.1:{server.port}/count"
    async with httpx2.AsyncClient() as client:
        statuses = [(await client.post(url, json={})) for _ in range(3)]
    assert [r.status_code for r in statuses] == [429, 429, 200]
    assert statuses[0].headers["retry-after-ms"] == "1"
    assert statuses[0].json()["error"]["status"] == 429


async def test_refused_request_is_answered_in_the_handler_shape(server: EmulatorServer) -> None:
    async with httpx2.AsyncClient() as client:
        response = await client.post(f"http://127.0.0.1:{server.port}/count", json={"bad": True})
        not_json = await client.post(f"http://127.0.0.1:{server.port}/count", content=b"{oops")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "bad is not allowed"
    assert not_json.status_code == 400


async def test_unknown_path_is_404(server: EmulatorServer) -> None:
    async with httpx2.AsyncClient() as client:
        response = await client.post(f"http://127.0.0.1:{server.port}/nowhere", json={})
    assert response.status_code == 404


async def test_dropped_stream_leaves_the_body_incomplete(server: EmulatorServer) -> None:
    server.misbehave(Misbehaviour(drop_after_events=2))
    async with httpx2.AsyncClient() as client:
        with pytest.raises(httpx2.RemoteProtocolError):
            await client.post(f"http://127.0.0.1:{server.port}/count", json={})


async def test_error_event_ends_the_stream(server: EmulatorServer) -> None:
    server.misbehave(Misbehaviour(error_event_after=2))
    async with httpx2.AsyncClient() as client:
        response = await client.post(f"http://127.0.0.1:{server.port}/count", json={})
    events = _events(response.text)
    assert events[:2] == [{"i": 0}, {"i": 1}]
    assert "error" in events[2]  # type: ignore[operator]
    assert len(events) == 3


async def test_paused_stream_goes_on_after_release(server: EmulatorServer) -> None:
    server.misbehave(Misbehaviour(pause_after=b'"i": 1'))
    url = f"http://127.0.0.1:{server.port}/count"
    seen: list[str] = []
    async with httpx2.AsyncClient() as client, client.stream("POST", url, json={}) as response:
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                seen.append(line)
                if len(seen) == 2:
                    # The server holds the stream here until released.
                    await asyncio.sleep(0)
                    server.release()
    assert len(seen) == 5


async def test_refuses_to_bind_a_non_loopback_address() -> None:
    with pytest.raises(ValueError, match="loopback"):
        await EmulatorServer([CountingHandler()]).start("0.0.0.0")


async def test_stop_ends_a_held_stream(server: EmulatorServer) -> None:
    server.misbehave(Misbehaviour(pause_after=b'"i": 0'))
    url = f"http://127.0.0.1:{server.port}/count"
    async with httpx2.AsyncClient() as client, client.stream("POST", url, json={}) as response:
        lines = response.aiter_lines()
        assert (await anext(lines)).startswith("data: ")
        await server.stop()
        with pytest.raises(httpx2.RemoteProtocolError):
            async for _ in lines:
                pass


class BrokenHandler(CountingHandler):
    async def handle(self, request: EmulatorRequest, ctx: EmulatorContext) -> EmulatorResponse:
        raise RuntimeError("oops")


async def test_a_handler_bug_is_a_readable_500() -> None:
    server = EmulatorServer([BrokenHandler()])
    await server.start()
    try:
        async with httpx2.AsyncClient() as client:
            response = await client.post(f"http://127.0.0.1:{server.port}/count", json={})
    finally:
        await server.stop()
    assert response.status_code == 500
    assert "RuntimeError: oops" in response.json()["error"]["message"]
