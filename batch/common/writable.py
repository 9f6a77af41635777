"""Every file a run will write, checked before its first call.

A results folder, state directory or report location that cannot be written is a
configuration problem (exit 2), and the operator must learn it before any message
goes out, not as an internal error once the calls are made. In the container this is
the usual case: a host folder not owned by uid 10001, or a path outside the volume.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from batch.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Destination:
    path: Path
    what: str  # "results file", "journal", ...
    elsewhere: str  # how to put it somewhere else: "--output", "[output] state_dir", ...


def check_writable(destinations: Iterable[Destination]) -> None:
    """Raise ``ConfigError`` naming the first destination that cannot be written."""
    for destination in destinations:
        problem = _problem(destination.path)
        if problem:
            raise ConfigError(
                f"cannot write the {destination.what} {destination.path}: {problem}",
                hint=f"make the folder writable for the user running io-batch (uid "
                f"{os.getuid()}; in the container uid 10001: chown the host folder, or mount "
                f"a volume at /data and write there), or choose another place with "
                f"{destination.elsewhere}",
            )


def _problem(path: Path) -> str:
    """Why ``path`` cannot be written; "" if it can. Folders that are missing are fine
    (the run creates them) as long as the nearest existing one is writable."""
    if path.is_dir():
        return "it is a folder"
    if path.exists():
        try:
            path.open("ab").close()  # opens for writing without changing a byte
        except OSError as error:
            return f"the file is not writable ({_why(error)})"
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        return f"{folder} is a file, not a folder"
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".io-batch-probe-"):
            pass
    except OSError as error:
        return f"the folder {folder} is not writable ({_why(error)})"
    return ""


def _why(error: OSError) -> str:
    return error.strerror or type(error).__name__
