"""Structured logging to a file, never to the terminal (the TUI owns the screen, the CLI owns stdout).

structlog renders JSON lines into ``log_file()`` (``$XDG_STATE_HOME/workbench/workbench.log`` on
Linux). Until :func:`configure_logging` is called, log calls are dropped rather than printed; after
it, standard-library logging (SDKs, asyncio) goes to the same file at WARNING and above, so Python's
last-resort stderr handler never fires either.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from pathlib import Path
from typing import IO, Any

import structlog

from workbench.core.events import (
    BatchFinished,
    BatchStarted,
    CallFinished,
    CallQueued,
    ErrorEvent,
    Event,
    TurnFinished,
)
from workbench.paths import log_file
from workbench.session.redact import Redactor

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}


class _Sink:
    """The one file object every logger writes to; retargeted, never replaced, so loggers cached
    by structlog (``cache_logger_on_first_use``) follow a reconfiguration."""

    def __init__(self) -> None:
        self.file: IO[str] | None = None
        self.path: Path | None = None
        self.redactor = Redactor(())
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        file = self.file
        if file is None:
            return len(text)
        # A key can reach a log line through a tool's error text; mask it as sessions do.
        try:
            return file.write(self.redactor.redact_text(text) if self.redactor else text)
        except OSError:  # a full disk: the log loses the line, the run goes on, nothing on stderr
            return len(text)

    def flush(self) -> None:
        file = self.file
        if file is not None:
            with contextlib.suppress(OSError):
                file.flush()

    def retarget(self, path: Path | None) -> None:
        with self._lock:
            old, self.file, self.path = self.file, None, None
            if old is not None:
                old.close()
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                # Line-buffered: a crash loses at most the line being written.
                self.file = path.open("a", encoding="utf-8", buffering=1)
                self.path = path


_sink = _Sink()
_stdlib_handler: logging.Handler | None = None
_structlog_installed = False


def _logger_name(_logger: Any, _method: str, event_dict: Any) -> Any:
    # structlog.get_logger() reserves the ``logger`` keyword, so the name travels as _logger_name.
    name = event_dict.pop("_logger_name", None)
    if name is not None:
        event_dict["logger"] = name
    return event_dict


def _install_structlog(level: int) -> None:
    global _structlog_installed
    structlog.configure(
        processors=[
            _logger_name,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.WriteLoggerFactory(file=_sink),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
    _structlog_installed = True


def configure_logging(path: Path | None = None, *, level: str = "info") -> None:
    """Send logs to ``path`` (default ``log_file()``), creating its directory. Safe to call again:
    the same path is a no-op, another path moves logging there."""
    global _stdlib_handler
    target = path if path is not None else log_file()
    _sink.redactor = Redactor.from_environment()
    if _sink.path != target:
        _sink.retarget(target)
    _install_structlog(_LEVELS[level])
    if _stdlib_handler is None:
        handler = logging.StreamHandler(_sink)
        handler.setFormatter(
            structlog.stdlib.ProcessorFormatter(
                processors=[
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.JSONRenderer(),
                ],
                foreign_pre_chain=[
                    structlog.stdlib.add_log_level,
                    structlog.stdlib.add_logger_name,
                    structlog.processors.TimeStamper(fmt="iso", utc=True),
                    structlog.processors.format_exc_info,
                ],
            )
        )
        handler.setLevel(logging.WARNING)
        logging.getLogger().addHandler(handler)
        _stdlib_handler = handler


def shutdown_logging() -> None:
    """Close the log file and detach from standard-library logging (tests; the CLI at exit)."""
    global _stdlib_handler
    if _stdlib_handler is not None:
        logging.getLogger().removeHandler(_stdlib_handler)
        _stdlib_handler = None
    _sink.retarget(None)


def current_log_file() -> Path | None:
    """Where logs are going, or None before :func:`configure_logging`."""
    return _sink.path


def get_logger(name: str) -> Any:
    """A structlog logger bound with ``logger=name``. Dropped silently until logging is configured."""
    if not _structlog_installed:
        _install_structlog(logging.INFO)
    return structlog.get_logger(_logger_name=name)


class EventLogger:
    """An event sink that logs one line per batch start and end, per failed call, per turn end and
    per error; every other event is ignored after one dict lookup (it sits on the hot path)."""

    def __init__(self, logger: Any | None = None) -> None:
        self._log = logger if logger is not None else get_logger("workbench.events")
        self._tools: dict[str, list[str]] = {}
        self._handlers: dict[type[Any], Any] = {
            CallQueued: self._call_queued,
            BatchStarted: self._batch_started,
            CallFinished: self._call_finished,
            BatchFinished: self._batch_finished,
            TurnFinished: self._turn_finished,
            ErrorEvent: self._error,
        }

    def __call__(self, event: Event) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)

    def _call_queued(self, event: CallQueued) -> None:
        self._tools.setdefault(event.batch_id, []).append(event.tool)

    def _batch_started(self, event: BatchStarted) -> None:
        settings = event.settings
        self._log.info(
            "batch_started",
            batch_id=event.batch_id,
            turn=event.turn,
            t=event.t,
            concurrent=settings.concurrent,
            max_concurrent=settings.max_concurrent,
            timeout_s=settings.timeout_s,
            eager=event.eager,
        )

    def _call_finished(self, event: CallFinished) -> None:
        if event.status != "ok":
            self._log.warning(
                "call_failed",
                batch_id=event.batch_id,
                call_id=event.call_id,
                tool=event.tool,
                status=event.status,
                error=event.error,
                attempts=event.attempts,
            )

    def _batch_finished(self, event: BatchFinished) -> None:
        stats = event.stats
        self._log.info(
            "batch_finished",
            batch_id=event.batch_id,
            turn=event.turn,
            t=event.t,
            tools=self._tools.pop(event.batch_id, []),
            calls=stats.calls,
            failures=stats.failures,
            wall_s=stats.wall_s,
            speedup=stats.speedup,
            peak_concurrency=stats.peak_concurrency,
        )

    def _turn_finished(self, event: TurnFinished) -> None:
        stats = event.stats
        self._log.info(
            "turn_finished",
            turn=event.turn,
            status=event.status,
            round_trips=stats.round_trips,
            batches=stats.batches,
            calls=stats.calls,
            wall_s=stats.wall_s,
        )

    def _error(self, event: ErrorEvent) -> None:
        self._log.error("error", turn=event.turn, kind=event.kind, message=event.message, t=event.t)
