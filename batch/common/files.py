"""Files io-batch writes: owner-only (0600, they hold personal data), whole files atomically.

``open_private`` is for files written as they go (results and verification rows
appended as answers come, the dry run's error report). ``write_atomically`` is for
files written whole (the results and verification files rewritten at the end, the
summaries): a reader, or a crash, sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import IO

PRIVATE = 0o600


def open_private(path: Path, mode: str) -> IO[str]:
    """Open a text file that only its owner can read, whatever the umask says."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    fd = os.open(path, flags, PRIVATE)
    path.chmod(PRIVATE)  # an existing file keeps its old mode otherwise
    return os.fdopen(fd, mode, encoding="utf-8", newline="")


def write_atomically(path: Path, write: Callable[[IO[str]], None]) -> None:
    """Replace ``path`` with what ``write`` puts in a text handle, all or nothing.

    The text goes to ``.<name>.tmp`` in the same folder (``os.replace`` is atomic only
    within one file system), 0600, flushed to disk, then renamed over ``path``. If
    ``write`` raises, ``path`` is untouched and the temporary is removed; one left by a
    kill has a fixed name, so the next write reuses it instead of leaving another."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with open_private(temporary, "w") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)  # os.replace: atomic within the folder's file system
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
