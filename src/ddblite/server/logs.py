"""The server's logging: the standard library's, to stderr, as text or one JSON object a line.

Loggers: ``ddblite`` (the engine and protocol), ``ddblite.request`` (a failed request, at
info), ``ddblite.access`` (every request, with --access-log), ``uvicorn.error`` (the HTTP
server's own). Nothing is logged for a successful request unless --access-log is on.
"""

from __future__ import annotations

import logging
import sys
import time

import orjson

from ddblite.config import LogFormat, LogLevel, Settings

ACCESS_LOGGER = "ddblite.access"

_LEVELS = {
    LogLevel.DEBUG: logging.DEBUG,
    LogLevel.INFO: logging.INFO,
    LogLevel.WARNING: logging.WARNING,
    LogLevel.ERROR: logging.ERROR,
}
_TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The attributes every LogRecord has; any others came in through ``extra=`` and are fields.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, the
    ``extra=`` fields, and the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD:
                entry[key] = value
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure_logging(settings: Settings) -> None:
    """One stderr handler on the root logger at the chosen level; the access logger at info
    when --access-log is on, whatever the level."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if settings.log_format is LogFormat.JSON else logging.Formatter(_TEXT)
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(_LEVELS[settings.log_level])
    access = logging.getLogger(ACCESS_LOGGER)
    access.setLevel(logging.INFO if settings.access_log else logging.CRITICAL + 1)
