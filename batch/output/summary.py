"""What a run leaves once it ends: its summary as JSON beside its output (the one
``summary_path``), one log event with the same content, and (for a person at a terminal)
the text on stdout.

``send``'s ``RunReport`` and ``verify``'s ``VerifySummary`` end this way; ``merge``,
``reach`` and the feed's sync write their summary at the same ``summary_path``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Protocol, TextIO

from batch.common import logs
from batch.common.files import write_atomically


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


def summary_path(output: Path) -> Path:
    """``<stem>.summary.json`` beside a run's output (results, verification, reach or
    merged file, the feed's sync record)."""
    return output.with_name(f"{output.stem}.summary.json")


def write_summary(output: Path, content: Mapping[str, Any]) -> Path:
    """The summary of the run that wrote ``output``, as JSON beside it; returns its path."""
    path = summary_path(output)

    def dump(handle: IO[str]) -> None:
        json.dump(content, handle, indent=2, sort_keys=True)
        handle.write("\n")

    write_atomically(path, dump)
    return path
