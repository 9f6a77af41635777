"""A warning for the person who runs ``pilot`` or ``approve``: one log event, and with
JSON logs (stdout is then a stream for machines) the same words as a line on stderr."""

from __future__ import annotations

import sys
from typing import Any

from batch.common import logs


def warn(event: str, text: str, **fields: Any) -> None:
    logs.get_logger().warning(event, warning=text, **fields)
    if logs.writes_json():  # on a console the log line above already says it
        print(f"io-batch: warning: {text}", file=sys.stderr)
