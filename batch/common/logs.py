"""Logging with structlog: JSON lines off a terminal, readable console lines on one.

Two processors stand between every event and its output, so that no call site can
leak personal data or secrets by mistake: one masks anything shaped like a fiscal
code, the other replaces the API key wherever it appears.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog
from structlog.typing import FilteringBoundLogger, Processor, WrappedLogger

from batch.common.csv_safety import mask_fiscal_code
from batch.common.progress import line_cleared

# Unanchored and case-insensitive: a code inside a longer text, or typed in lower case
# in the input, is personal data all the same.
_FISCAL_CODE = re.compile(
    r"(?<![A-Z0-9])[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z](?![A-Z0-9])",
    re.IGNORECASE,
)

EventDict = MutableMapping[str, Any]
#: What ``get_logger`` returns: structlog's bound logger, filtered by level.
Logger = FilteringBoundLogger


def mask_text(text: str) -> str:
    """``text`` with every fiscal code in it masked."""
    return _FISCAL_CODE.sub(lambda match: mask_fiscal_code(match.group(0).upper()), text)


class _Redactor:
    def __init__(self) -> None:
        self.secrets: list[str] = []

    def __call__(self, _logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
        for key, value in list(event_dict.items()):
            if isinstance(value, str):
                event_dict[key] = self._clean(value)
            elif isinstance(value, (dict, list, tuple)):
                event_dict[key] = self._clean_nested(value)
        return event_dict

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return mask_text(text)

    def _clean_nested(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._clean(value)
        if isinstance(value, dict):
            return {key: self._clean_nested(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._clean_nested(item) for item in value]
        return value


class _Printer(structlog.PrintLogger):
    """Prints each event on a line of its own, never after a half-drawn progress bar."""

    def msg(self, message: str) -> None:
        with line_cleared():
            super().msg(message)

    log = debug = info = warn = warning = msg
    fatal = failure = err = error = critical = exception = msg


_redactor = _Redactor()
_state = {"json": True}


def add_secret(secret: str) -> None:
    """Never let ``secret`` (the API key) reach the output, whatever logs it."""
    if secret and secret not in _redactor.secrets:
        _redactor.secrets.append(secret)


def configure(
    *, json: bool | None = None, level: str = "info", stream: TextIO | None = None
) -> None:
    """Set up structlog once per process; ``json=None`` picks JSON unless on a terminal."""
    out = stream if stream is not None else sys.stdout
    # httpx logs whole URLs at INFO, and get-message URLs hold fiscal codes.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    use_json = (not out.isatty()) if json is None else json
    _state["json"] = use_json
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            _redactor,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=lambda *_args: _Printer(out),
        cache_logger_on_first_use=False,
    )


def writes_json() -> bool:
    """Is stdout a stream of JSON lines (so plain text must not be printed there)?"""
    return _state["json"]


def get_logger(name: str = "io-batch") -> Logger:
    """The logger ``configure`` set up: a level-filtering bound logger."""
    logger: Logger = structlog.get_logger(name)
    return logger
