"""Phone numbers in the backend's logs are masked (138****8000): in messages, in their
arguments (the access log's request line carries query strings) and in tracebacks."""

from __future__ import annotations

import logging
import re

from kshop_rules.identity import PHONE_PREFIX

# The backend's own loggers and uvicorn's (filters do not reach records from children).
LOGGERS = ("fake_backend", "fake_backend.simulator", "uvicorn.error", "uvicorn.access")
PHONE = re.compile(rf"(?<!\d)({PHONE_PREFIX}\d)\d{{4}}(\d{{4}})(?!\d)")


def mask_phones(text: str) -> str:
    return PHONE.sub(r"\1****\2", text)


class MaskPhones(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_phones(record.msg)
        if isinstance(record.args, tuple):
            # Kept a tuple of the same length: uvicorn's access formatter unpacks it.
            record.args = tuple(_masked(value) for value in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _masked(value) for key, value in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_phones(logging.Formatter().formatException(record.exc_info))
        return True


def _masked(value: object) -> object:
    return mask_phones(value) if isinstance(value, str) else value


def install() -> None:
    """Adds the filter to each logger once (create_app may run many times)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, MaskPhones) for existing in logger.filters):
            logger.addFilter(MaskPhones())
