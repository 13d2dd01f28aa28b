"""Our own bugs, caught at a boundary: one line for the user, the whole traceback for the log file.

Standard-library logging, which ``workbench.logs`` sends to the log file once it is configured (the
core does not import it: it knows nothing of files). Until then records are dropped, never printed:
the ``workbench`` logger has a NullHandler, so Python's last-resort stderr handler stays quiet.
"""

from __future__ import annotations

import logging
from typing import Any

_ROOT = logging.getLogger("workbench")
if not any(isinstance(handler, logging.NullHandler) for handler in _ROOT.handlers):
    _ROOT.addHandler(logging.NullHandler())


def log_bug(logger: logging.Logger, what: str, exc: BaseException, **context: Any) -> None:
    """Log ``exc`` with its traceback at ERROR: ``what`` says where, ``context`` which turn or call."""
    detail = " ".join(f"{key}={value!r}" for key, value in context.items())
    logger.error(
        "%s%s: %s: %s",
        what,
        f" ({detail})" if detail else "",
        type(exc).__name__,
        exc,
        exc_info=exc,
    )
