"""Logging: one JSON object per line (production) or readable text (development), with the
request id on every line logged while a request is handled.

The request id lives in a context variable that the request middleware sets (app.web.middleware)
and a filter copies onto every record; context variables follow the request into the worker
threads that run its synchronous code. The JSON lines are made by python-json-logger, a small
formatter for the standard `logging` module (which the app and uvicorn already use), so every
logger, uvicorn's included, gets the same format through one `dictConfig`.
"""

from __future__ import annotations

import logging
import logging.config
from contextvars import ContextVar
from typing import Any, Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

LogFormat = Literal["json", "text"]
request_id: ContextVar[str | None] = ContextVar("dw_request_id", default=None)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# uvicorn's records carry a coloured copy of the message: not for the log.
_SKIPPED = [*RESERVED_ATTRS, "color_message", "request_id"]
_QUIET = {"weasyprint": "WARNING", "fontTools": "WARNING", "uvicorn.access": "WARNING"}


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on the record (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get() or "-"
        return True


class JsonLines(JsonFormatter):
    """timestamp, level, logger, message, request_id, then the record's extra fields."""

    def __init__(self) -> None:
        super().__init__(
            "{levelname}{name}{message}",
            style="{",
            rename_fields={"levelname": "level", "name": "logger"},
            reserved_attrs=_SKIPPED,
            timestamp=True,
            json_ensure_ascii=False,
        )

    def add_fields(
        self, log_record: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_record, record, message_dict)
        found = getattr(record, "request_id", "-")
        log_record["request_id"] = None if found == "-" else found
        # The timestamp first: what people and log shippers look at before anything else.
        stamp = log_record.pop("timestamp")
        items = list(log_record.items())
        log_record.clear()
        log_record["timestamp"] = stamp
        log_record.update(items)


class Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """The app's handler (standard error), known again when the app configures logging."""


def logging_config(fmt: LogFormat, level: str = "INFO") -> dict[str, Any]:
    """The `logging.config.dictConfig` of the app, for uvicorn's `log_config` too."""
    formatter: dict[str, Any] = (
        {"()": JsonLines} if fmt == "json" else {"format": TEXT_FORMAT, "datefmt": None}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"app": formatter},
        "handlers": {
            "app": {"()": Handler, "formatter": "app", "filters": ["request_id"]},
        },
        "root": {"handlers": ["app"], "level": level},
        "loggers": {
            # uvicorn's loggers pass their records up to the root's handler.
            **{
                name: {"handlers": [], "propagate": True}
                for name in ("uvicorn", "uvicorn.error", "uvicorn.asgi")
            },
            **{name: {"level": lvl} for name, lvl in _QUIET.items()},
        },
    }


def configure_logging(fmt: LogFormat, level: str = "INFO") -> None:
    """Install the app's format; other handlers on the root logger (a test's) are kept."""
    root = logging.getLogger()
    others = [h for h in root.handlers if not isinstance(h, Handler)]
    logging.config.dictConfig(logging_config(fmt, level))
    for handler in others:
        root.addHandler(handler)
