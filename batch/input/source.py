"""What every input reader is: the CSV reader (``read.CsvInput``) and the sheet readers
(``.xlsx``/``.xls``, ``.ods``) are each an ``InputSource``, and the stages see only that
face (``read.InputFile``, what ``read.open_input`` gives).

The shared behaviour lives here, once: the job's column names looked up in the header,
the rows a sharded or errata run keeps (``row_filter``), the columns whose values may
span lines. Each reader sets, while it opens, the header it found and says how it reads
its rows (``_read_batches``) and, for the dry run's three-step reading, its chunks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType

import polars as pl

from batch.errors import InputError
from batch.i18n import _
from batch.input.columns import HeaderColumns

#: (physical number of its first line, whole lines as bytes, how many lines)
Chunk = tuple[int, bytes, int]
#: Rows per frame of ``batches()``: the send run's unit of work (the producer's batches,
#: the row count at start, the final rewrite of the results file).
BATCH_ROWS = 50_000


class InputSource(ABC):
    """An opened input; ``batches()`` can be called more than once."""

    #: Set by each reader while it opens: the separator ("" for a sheet), the line (row)
    #: of the header, every field's name in the frames in file order, the input's own
    #: columns (a results file's outcome columns are not among them), whether it is a
    #: results file read back, the job's names looked up in ``header``, and the frame
    #: columns whose values may hold a line break.
    separator: str
    header_line: int
    columns: list[str]
    header: list[str]
    is_results: bool
    header_columns: HeaderColumns
    multiline: frozenset[str]

    def __init__(self, path: Path) -> None:
        self.path = path
        #: Set by a sharded run: a frame -> the rows of that frame the run is to read.
        self.row_filter: Callable[[pl.DataFrame], pl.DataFrame] | None = None

    @property
    @abstractmethod
    def encoding(self) -> str:
        """How the file was read, as a person would say it (an encoding, a sheet)."""

    @property
    @abstractmethod
    def size(self) -> int:
        """Bytes of the file that is read: for progress."""

    def resolve(self, name: str) -> str:
        """The file's own header name for the job's column ``name`` (``HeaderColumns``)."""
        return self.header_columns.resolve(name)

    def batches(self, batch_size: int = BATCH_ROWS) -> Iterator[pl.DataFrame]:
        """Frames of at most ``batch_size`` rows: line, csv_error, then every column; only
        the rows ``row_filter`` keeps, when one is set (a sharded run's)."""
        keep = self.row_filter
        for read_frame in self._read_batches(batch_size):
            frame = read_frame if keep is None else keep(read_frame)
            if frame.height:
                yield frame

    @abstractmethod
    def _read_batches(self, batch_size: int) -> Iterator[pl.DataFrame]:
        """Every row of the file, in frames of at most ``batch_size`` rows."""

    # The three steps of ``batches``, for a caller that parses chunks on several threads
    # (the dry run): ``chunk_frames`` is safe to call from any thread.

    @abstractmethod
    def chunks(self) -> Iterator[Chunk]:
        """The data lines in chunks of whole lines, in file order."""

    @abstractmethod
    def chunk_frames(self, chunk: Chunk, batch_size: int) -> tuple[list[pl.DataFrame], int | None]:
        """The batches of the chunk's well-formed lines, and the (physical) line where the
        exact reader must take over, if any: every later chunk is then to be ignored."""

    @abstractmethod
    def exact_batches(self, first_line: int, batch_size: int) -> Iterator[pl.DataFrame]:
        """Batches read by the exact reader, from physical line ``first_line`` to the end."""

    @abstractmethod
    def close(self) -> None:
        """Let go of what the reader holds (a transcoded copy, a spool, an open book)."""

    def __enter__(self) -> InputSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _multiline(self, names: Sequence[str]) -> frozenset[str]:
        """The header names of the columns whose values may hold a line break."""
        missing = [name for name in names if name not in self.header_columns]
        if missing:
            raise InputError(
                _(
                    "input.multiline_columns names {names}, which {path} does not have; "
                    "its columns are: {columns}"
                ).format(
                    names=", ".join(map(repr, missing)),
                    path=self.path,
                    columns=self.header_columns.listing(),
                ),
                hint=_("name the columns whose values may span several lines, as in the header"),
            )
        return frozenset(self.resolve(name) for name in names)
