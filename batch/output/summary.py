"""What a run leaves once it ends: its summary as JSON beside its output, one log event
with the same content, and (for a person at a terminal) the text on stdout.

``send``'s ``RunReport`` and ``verify``'s ``VerifySummary`` both end this way.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Protocol, TextIO

from batch.common import logs
from batch.common.files import write_summary


class Summary(Protocol):
    def to_json(self) -> dict[str, Any]:
        """The summary's content, as the JSON file and the log event hold it."""

    def print(self, out: TextIO) -> None:
        """The summary as text for the operator."""


def publish(summary: Summary, output: Path, *, event: str) -> None:
    """``<output stem>.summary.json``, the ``event`` log line, and the text on stdout."""
    content = summary.to_json()
    write_summary(output, content)
    logs.get_logger().info(event, **content)
    # With JSON logs, stdout is a stream of JSON lines: the event above is the summary there.
    if not logs.writes_json():
        summary.print(sys.stdout)
