"""The rows of an ``.ods`` (or of any workbook, ``workbook_stream``) read once, kept on
disk for every later ``batches()``.

An ``.ods`` must be read whole before its first row is used (a hidden row on its last
line refuses the sheet before any call), and a send reads the input more than once (the
guard's count, the run, the final results): parsing its XML each time would cost the
whole parse again. So the one pass that checks the sheet also writes its rows, in
batches, as Arrow IPC files into a private temporary folder (mode 0700, like the UTF-8
copy of a transcoded CSV), read back batch by batch and deleted when the input is
closed (or, failing that, when the process ends). Memory holds one batch.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path

import polars as pl


class Spool:
    """Frames written in order, read back in batches of any size."""

    def __init__(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="io-batch-ods-"))  # owner-only
        self._files: list[Path] = []
        self._cleanup = weakref.finalize(self, shutil.rmtree, self._folder, ignore_errors=True)

    def add(self, frame: pl.DataFrame) -> None:
        path = self._folder / f"{len(self._files):06d}.arrow"
        frame.write_ipc(path, compression="uncompressed")
        self._files.append(path)

    def frames(self, batch_size: int) -> Iterator[pl.DataFrame]:
        """The rows in order, in frames of at most ``batch_size`` rows: the frames as they
        were added, cut where longer (never joined: a smaller frame keeps a dry run's
        batches in flight, and so its memory, smaller)."""
        for path in self._files:
            frame = pl.read_ipc(path)
            for start in range(0, frame.height, batch_size):
                yield frame.slice(start, batch_size)

    def discard(self) -> None:
        self._cleanup()
