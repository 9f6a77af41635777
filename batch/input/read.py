"""The recipient CSV in, as batches of string columns with physical line numbers.

``open_input`` checks everything about the file before a single row is used: the
encoding (UTF-8 with or without BOM, Windows-1252 / Latin-1, UTF-16 from Excel's
"Unicode text"), the separator (, ; or tab), the header and the columns the job
needs. A file that cannot work raises ``InputError`` with a message that says how to
fix it; a damaged *line* becomes an invalid row (``csv_error``), never an exception.

Reading is two-speed, and exact either way: polars parses chunks of well-formed lines
(every column a string, so leading zeros survive); from the first line that is not a
well-formed one-line record (a quoted line break, a broken quote, a wrong field count),
``input_exact`` takes over and counts lines one by one (see ``input_scan`` for how the
lines are checked). Memory stays flat: nothing holds more than one chunk and a batch.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TypeAlias

import polars as pl

from batch.config.job_sections import InputSpec
from batch.errors import InputError
from batch.i18n import _
from batch.identifiers import fiscal_code
from batch.input import encoding, exact, header, plain_damage, scan
from batch.input.columns import HeaderColumns
from batch.input.exact_frames import BATCH_CHARACTERS, exact_frames
from batch.input.header import CSV_ERROR_COLUMN, FORCE_SEPARATOR, LINE_COLUMN, show_separator
from batch.input.limits import cap_frame
from batch.input.source import Chunk, InputSource
from batch.output.results_layout import layout

#: What ``open_input`` gives, a CSV or a sheet: the one face of every reader, as the
#: stages name it.
InputFile: TypeAlias = InputSource


class CsvInput(InputSource):
    """An opened recipient CSV; ``batches()`` can be called more than once."""

    def __init__(self, spec: InputSpec, required: Sequence[str]) -> None:
        super().__init__(spec.path)
        self._prepared = encoding.prepare(spec.path, spec.encoding)
        try:
            self._open(spec, required)
        except BaseException:
            self.close()
            raise

    def _open(self, spec: InputSpec, required: Sequence[str]) -> None:
        header_line, cells, separator = header.read_header(self._prepared.path, spec.separator)
        self.separator = separator
        self.header_line = header_line
        found = layout(header.column_names(cells, self.path))
        for name in found.header:
            header.check_not_reserved(name, self.path)
        #: Every field's name in the frames, in file order.
        self.columns = found.columns
        #: The input's own columns, which the job's columns and templates name. For a
        #: results file (``is_results``) its outcome columns are not among them: they are
        #: in the frames as ``output.results_layout.result_field(name)``.
        self.header = found.header
        self.is_results = found.is_results
        #: The job's column names looked up in ``header``.
        self.header_columns = HeaderColumns(self.header, str(self.path))
        self._check_required(required, spec)
        #: The frame columns whose values may hold a line break.
        self.multiline = self._multiline(spec.multiline_columns) | found.multiline
        #: The multi-line fields io-batch wrote itself (IO's reason in a results file).
        self._ours = found.multiline

    @property
    def encoding(self) -> str:
        return self._prepared.encoding

    @property
    def size(self) -> int:
        """Bytes of the file that is read (the UTF-8 copy when transcoded): for progress."""
        return self._prepared.path.stat().st_size

    def _read_batches(self, batch_size: int) -> Iterator[pl.DataFrame]:
        for chunk in self.chunks():
            frames, irregular = self.chunk_frames(chunk, batch_size)
            yield from frames
            if irregular is not None:
                # From here on, the exact reader: one record at a time, lines counted.
                yield from self.exact_batches(irregular, batch_size)
                return

    def chunks(self) -> Iterator[Chunk]:
        """The data lines in chunks of whole lines, in file order."""
        return scan.chunks(self._prepared.path, self.header_line)

    def chunk_frames(self, chunk: Chunk, batch_size: int) -> tuple[list[pl.DataFrame], int | None]:
        """The batches of the chunk's well-formed lines, and the (physical) line where the
        exact reader must take over, if any: every later chunk is then to be ignored."""
        first_line, data, lines = chunk
        if not lines:
            return [], first_line  # a line too long for a chunk: the exact reader's
        records, irregular = self._fast_records(data, lines)
        frames = []
        if records is not None:
            for start, size in _slices(records, batch_size):
                frame = self._finish_fast(records.slice(start, size), first_line)
                if frame.height:
                    frames.append(frame)
        return frames, None if irregular is None else first_line + irregular

    def exact_batches(self, first_line: int, batch_size: int) -> Iterator[pl.DataFrame]:
        """Batches read by the exact reader, from physical line ``first_line`` to the end."""
        return self._exact_frames(first_line, batch_size)

    def close(self) -> None:
        self._prepared.discard()

    # -- internals -----------------------------------------------------------------------

    def _check_required(self, required: Sequence[str], spec: InputSpec) -> None:
        missing = [name for name in required if name not in self.header_columns]
        if not missing:
            for name in required:
                self.resolve(name)  # raises on an ambiguous name
            return
        names = ", ".join(repr(name) for name in missing)
        if len(self.header) == 1 and spec.separator is not None:
            raise InputError(
                _(
                    "{path}: the header is one single column {cell} with separator {separator}"
                ).format(
                    path=self.path,
                    cell=repr(self.header[0][:60]),
                    separator=header.show_separator(spec.separator),
                ),
                hint=_('the file uses another separator: set input.separator = "auto"'),
            )
        if any(fiscal_code.is_valid(fiscal_code.normalise(cell)) for cell in self.header):
            raise InputError(
                _(
                    "{path}: line {line} holds data, not column names (missing column(s) {names})"
                ).format(path=self.path, line=self.header_line, names=names),
                hint=_("add a first line with the column names the job uses"),
            )
        raise InputError(
            _(
                "{path} has no column(s) {names}; its columns are: {columns} "
                "(read with separator {separator})"
            ).format(
                path=self.path,
                names=names,
                columns=self.header_columns.listing(),
                separator=show_separator(self.separator),
            ),
            hint=_(
                "rename the columns in the CSV, or change [columns] / the templates in the "
                "job; if the file uses another separator, {force}"
            ).format(force=_(FORCE_SEPARATOR)),
        )

    def _fast_records(self, chunk: bytes, lines: int) -> tuple[pl.DataFrame | None, int | None]:
        """The records polars can take from ``chunk`` (LINE_COLUMN: the line's index in
        the chunk; CSV_ERROR_COLUMN; every column), and the first line it cannot."""
        if scan.looks_regular(chunk, self.separator, len(self.columns), lines):
            try:
                parsed = self._parse(chunk)
            except (pl.exceptions.PolarsError, OSError):
                # A line with too many fields passes the byte count: look line by line.
                # OSError: polars takes a batch that starts with a compression magic number
                # (a row beginning "x^" looks like zlib) for a compressed stream.
                pass
            else:
                return parsed.select(
                    pl.int_range(parsed.height, dtype=pl.Int64).alias(LINE_COLUMN),
                    pl.lit(None, dtype=pl.String).alias(CSV_ERROR_COLUMN),
                    pl.all(),
                ), None
        return plain_damage.read_chunk(chunk, self.separator, self.columns, self._parse)

    def _parse(self, lines: bytes) -> pl.DataFrame:
        return pl.read_csv(
            io.BytesIO(lines),
            has_header=False,
            separator=self.separator,
            schema=dict.fromkeys(self.columns, pl.String),
            empty_string_is_null=False,
            missing_columns="insert",  # a blank line is a record of empty cells
            raise_if_empty=False,
            truncate_ragged_lines=False,
        )

    def _finish_fast(self, raw: pl.DataFrame, first: int) -> pl.DataFrame:
        frame = raw.select(
            (pl.col(LINE_COLUMN) + first).alias(LINE_COLUMN),
            CSV_ERROR_COLUMN,
            pl.col(self.columns).fill_null(""),
        )
        frame = cap_frame(frame, self.columns, CSV_ERROR_COLUMN)
        # Blank records (an empty line, or only separators: Excel writes ";;;;" rows) are no
        # rows. A blank record has a blank first cell, a cheap test that settles most batches.
        # A damaged line keeps its row even when the cells kept of it are blank (";;a").
        first_blank = ~frame.get_column(self.columns[0]).str.contains(r"\S")
        if first_blank.any():
            blank = pl.all_horizontal(~pl.col(name).str.contains(r"\S") for name in self.columns)
            frame = frame.filter(~blank | pl.col(CSV_ERROR_COLUMN).is_not_null())
        return frame

    def _exact_frames(self, first_line: int, batch_size: int) -> Iterator[pl.DataFrame]:
        multiline = frozenset(self.columns.index(name) for name in self.multiline)
        records = exact.records(
            self._prepared.path,
            first_line=first_line,
            separator=self.separator,
            names=self.columns,
            multiline=multiline,
            ours=frozenset(self.columns.index(name) for name in self._ours),
        )
        return exact_frames(records, self.columns, batch_size)


def _slices(records: pl.DataFrame, batch_size: int) -> Iterator[tuple[int, int]]:
    """(start, rows) of the frames a chunk's records make: ``batch_size`` rows, or fewer
    when the chunk has damaged lines, each with its reason (a couple of hundred characters,
    copied at every stage): then about ``exact_frames.BATCH_CHARACTERS`` of reasons each,
    as the exact reader's batches."""
    damaged = records.height - records.get_column(CSV_ERROR_COLUMN).null_count()
    if damaged:
        reasons = int(records.get_column(CSV_ERROR_COLUMN).str.len_chars().sum())
        per_row = max(1, reasons // damaged)
        batch_size = max(1, min(batch_size, BATCH_CHARACTERS // per_row))
    for start in range(0, records.height, batch_size):
        yield start, batch_size


def open_input(spec: InputSpec, required: Sequence[str]) -> InputFile:
    """Open and check the input, a CSV or a workbook (by its extension); ``required`` are
    job column names (``names``' rule)."""
    from batch.input import workbook  # noqa: PLC0415 - lxml and xlrd for a workbook only

    if workbook.is_workbook(spec.path):
        return workbook.open_workbook(spec, required)
    return CsvInput(spec, required)


def not_a_results_file(path: Path) -> InputError:
    return InputError(
        _("{path} is not an io-batch results file").format(path=path),
        hint=_("rerun takes the results CSV written by an earlier send of this job"),
    )
