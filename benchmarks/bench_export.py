"""What exporting costs: a 100,000-call session to Chrome JSON against the floor of parsing the file
with orjson, and the OpenTelemetry export's cost per span.

Run: .venv/bin/python benchmarks/bench_export.py [calls] [otlp_calls]

Writes a session of ``calls`` calls (100-call batches, each emitted by a round trip, 4 running at
once, one call in 20 failing and retried) with the real recorder, then:

- floor: read the file and ``orjson.loads`` every line into a list (collector paused, as the export
  does); also shown: the stricter floor of parsing each line and dropping it at once;
- chrome: ``read_session_spans`` + ``chrome_trace`` + ``orjson.dumps`` + write; the target is <= 3x
  the floor (timed in turn with the floors, best of 5 each, in CPU time so that other work on a
  shared machine does not count);
- otlp: for a session of ``otlp_calls`` calls, SDK spans with the recorded times, then OTLP JSON
  lines (the file format) and protobuf (what is POSTed), per span, best of 3.
- live: the same session's events through :class:`~workbench.export.live.LiveExport` to a loopback
  collector that decodes and counts every span, against the floor of ``send_otlp`` of the recorded
  session to the same collector (wall time, one run each).
"""

from __future__ import annotations

import gc
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from workbench.gcpolicy import paused

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson

from workbench.core.events import (
    BatchFinished,
    BatchStarted,
    BatchStats,
    CallFinished,
    CallQueued,
    CallRetrying,
    CallStarted,
    Event,
    ModelRequestStarted,
    ModelResponseFinished,
    ToolCallEmitted,
    TurnFinished,
    TurnStarted,
    TurnStats,
)
from workbench.core.messages import Usage
from workbench.core.settings import EmissionSettings, ExecutionSettings
from workbench.export.chrome import chrome_trace
from workbench.export.source import read_session_spans
from workbench.export.spans import SessionSpans
from workbench.session.recorder import SessionRecorder

PROFILE = {"name": "bench", "type": "scripted", "model": "scripted"}
BATCH = 100
SLOTS = 4


def session_events(calls: int) -> list[Event]:
    """Turns of 10 batches; each batch emitted by a round trip, its calls run 4 at a time."""
    events: list[Event] = []
    settings = ExecutionSettings(max_concurrent=SLOTS, retries=1)
    usage = Usage(input_tokens=900, output_tokens=120)
    t = 0.0
    made = 0
    batch_no = 0
    round_trip = 0
    turn = 0
    while made < calls:
        turn += 1
        turn_start = t
        events.append(TurnStarted(t=t, turn=turn, prompt="grep everything"))
        for _ in range(10):
            if made >= calls:
                break
            batch_no += 1
            round_trip += 1
            batch_id = f"b{batch_no}"
            events.append(
                ModelRequestStarted(
                    t=t,
                    turn=turn,
                    round_trip=round_trip,
                    provider="scripted",
                    model="scripted",
                    emission=EmissionSettings(),
                )
            )
            t += 0.2
            ids = [f"call_{made + i:07d}" for i in range(min(BATCH, calls - made))]
            args = [
                {"path": f"src/module_{made + i}.py", "pattern": "TODO"} for i in range(len(ids))
            ]
            for index, call_id in enumerate(ids):
                events.append(
                    ToolCallEmitted(
                        t=t,
                        turn=turn,
                        batch_id=batch_id,
                        call_id=call_id,
                        tool="grep",
                        args=args[index],
                        index=index,
                    )
                )
            events.append(
                ModelResponseFinished(
                    t=t,
                    turn=turn,
                    round_trip=round_trip,
                    batch_id=batch_id,
                    calls=len(ids),
                    usage=usage,
                    duration_s=0.2,
                    stop_reason="tool_use",
                )
            )
            events.append(BatchStarted(t=t, turn=turn, batch_id=batch_id, settings=settings))
            queued = t
            for index, call_id in enumerate(ids):
                common = {"batch_id": batch_id, "call_id": call_id, "tool": "grep"}
                events.append(CallQueued(t=t, index=index, args=args[index], **common))
            slot_free = [t] * SLOTS
            for index, call_id in enumerate(ids):
                common = {"batch_id": batch_id, "call_id": call_id, "tool": "grep"}
                slot = min(range(SLOTS), key=slot_free.__getitem__)
                start = slot_free[slot]
                events.append(CallStarted(t=start, args=args[index], **common))
                end = start + 0.01
                attempts = 1
                if index % 20 == 7:
                    events.append(
                        CallRetrying(
                            t=end, attempt=1, error="flaky", delay_s=0.0, args=args[index], **common
                        )
                    )
                    events.append(CallStarted(t=end, attempt=2, args=args[index], **common))
                    end += 0.01
                    attempts = 2
                events.append(
                    CallFinished(
                        t=end,
                        status="ok",
                        result=f"src/module_{index}.py:12: # TODO",
                        attempts=attempts,
                        queued_t=queued,
                        started_t=start,
                        finished_t=end,
                        args=args[index],
                        **common,
                    )
                )
                slot_free[slot] = end
            t = max(slot_free)
            stats = BatchStats(
                calls=len(ids),
                wall_s=t - queued,
                sum_s=0.01 * len(ids),
                speedup=SLOTS,
                peak_concurrency=SLOTS,
                wait_s=0.0,
                ok=len(ids),
                errors=0,
                timeouts=0,
                cancelled=0,
            )
            events.append(BatchFinished(t=t, turn=turn, batch_id=batch_id, stats=stats))
            made += len(ids)
        events.append(
            TurnFinished(
                t=t,
                turn=turn,
                status="completed",
                text="done",
                stats=TurnStats(
                    round_trips=10,
                    model_time_s=2.0,
                    tool_time_s=t - turn_start - 2.0,
                    wall_s=t - turn_start,
                    batches=10,
                    calls=made,
                    usage=usage,
                ),
            )
        )
    return events


def best(runs: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def parse_file(path: Path) -> list[object]:
    """The floor: the file parsed, one ``orjson.loads`` per line, the rows kept (as any reader of the
    file holds them)."""
    was = gc.isenabled()
    gc.disable()
    try:
        loads = orjson.loads
        return [loads(line) for line in path.read_bytes().splitlines()]
    finally:
        if was:
            gc.enable()


def parse_and_drop(path: Path) -> None:
    """A stricter floor: every line parsed and dropped at once (nothing a reader could use)."""
    was = gc.isenabled()
    gc.disable()
    try:
        loads = orjson.loads
        for line in path.read_bytes().splitlines():
            loads(line)
    finally:
        if was:
            gc.enable()


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    otlp_calls = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    print(f"Python {platform.python_version()} on {platform.machine()} ({platform.system()})")
    with tempfile.TemporaryDirectory() as tmp:
        session = Path(tmp) / "big.jsonl"
        events = session_events(calls)
        with SessionRecorder.create(session, profile=PROFILE) as recorder:
            for event in events:
                recorder.record(event)
        del events
        size = session.stat().st_size
        lines = session.read_bytes().count(b"\n")
        print(f"session: {calls:,} calls, {lines:,} lines, {size / 1e6:.1f} MB")

        out = Path(tmp) / "big.trace.json"

        def chrome() -> None:
            trace = chrome_trace(read_session_spans(session))
            out.write_bytes(orjson.dumps(trace))

        # Interleaved, best of 5 each; CPU time (user + system) of this process, so other work on a
        # shared machine does not count. Both floors run with the collector paused, as the export.
        t_floor = t_drop = t_chrome = float("inf")
        for _ in range(5):
            t_floor = min(t_floor, best(1, lambda: parse_file(session)))
            t_drop = min(t_drop, best(1, lambda: parse_and_drop(session)))
            t_chrome = min(t_chrome, best(1, chrome))
        print(f"orjson parse of every line, rows kept (the floor): {t_floor * 1000:6.0f} ms CPU")
        print(f"orjson parse of every line, rows dropped:          {t_drop * 1000:6.0f} ms CPU")
        print(
            f"to Chrome JSON (read, build, write):               {t_chrome * 1000:6.0f} ms CPU"
            f" = {t_chrome / t_floor:.2f}x the floor (target <= 3x),"
            f" {t_chrome / t_drop:.2f}x the stricter one; {out.stat().st_size / 1e6:.1f} MB written"
        )

        from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

        from workbench.export.otlp import sdk_spans, write_otlp

        small = Path(tmp) / "small.jsonl"
        events = session_events(otlp_calls)
        with SessionRecorder.create(small, profile=PROFILE) as recorder:
            for event in events:
                recorder.record(event)
        spans = read_session_spans(small)
        count = sum(len(turn) for turn in sdk_spans(spans))
        otlp_out = Path(tmp) / "small.otlp.jsonl"

        def request() -> bytes:  # as send_otlp builds it, before the POST
            with paused():
                everything = [s for turn in sdk_spans(spans) for s in turn]
            return encode_spans(everything).SerializeToString()

        def sdk() -> None:
            with paused():
                sdk_spans(spans)

        t_sdk = best(3, sdk)
        t_file = best(3, lambda: write_otlp(spans, otlp_out))
        t_request = best(3, request)
        print(f"OTLP: {count:,} spans ({otlp_calls:,} calls), CPU time per span, best of 3:")
        print(f"  SDK spans with the recorded times:             {t_sdk / count * 1e6:6.1f} µs")
        print(f"  the OTLP JSON-lines file, start to written:    {t_file / count * 1e6:6.1f} µs")
        print(f"  the protobuf request body (what is POSTed):    {t_request / count * 1e6:6.1f} µs")

        live_export(events, spans)


def live_export(events: list[Event], spans: SessionSpans) -> None:
    """Live export of the small session's events to a loopback collector, every span counted, against
    the floor of POSTing the same session's spans after the fact (``send_otlp``). Wall time (the
    collector's thread and the sender's count): the live part that matters is that nothing is lost."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    from workbench.export.live import LiveExport
    from workbench.export.otlp_send import send_otlp

    received = [0]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            request = ExportTraceServiceRequest.FromString(body)
            received[0] += sum(
                len(ss.spans) for rs in request.resource_spans for ss in rs.scope_spans
            )
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        started = time.perf_counter()
        sent = send_otlp(spans, url)
        t_floor = time.perf_counter() - started
        floor_received, received[0] = received[0], 0

        live = LiveExport(endpoint=url, timeout_s=10)
        live.start(session_id="bench", start_unix_ns=time.time_ns())
        started = time.perf_counter()
        for event in events:
            live(event)
        live.close()
        t_live = time.perf_counter() - started
    finally:
        server.shutdown()
        server.server_close()
    print(f"live export to a loopback collector ({len(events):,} events), wall time:")
    print(
        f"  the floor, send_otlp of the recorded session:  {t_floor * 1000:6.0f} ms,"
        f" {floor_received:,} of {sent:,} spans received"
    )
    print(
        f"  live, events in until the last span is sent:   {t_live * 1000:6.0f} ms,"
        f" {received[0]:,} of {live.spans_built:,} spans received"
        f" ({live.spans_built - live.spans_sent:,} not sent)"
    )


if __name__ == "__main__":
    main()
