"""Workbooks (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``) as input, wherever a CSV works:
which reader takes a workbook, by its extension.

Every reader is an ``InputSource`` (``source``), as the CSV reader is: the same header
rules (forgiving names, missing and ambiguous columns), the same batches (``_line``,
``_csv_error``, then every column as text), so validation, sending, the results, rerun
and the error report need no workbook of their own. ``.xlsx``/``.xlsm`` and ``.xls``
are streamed and shown as the sheet shows them (``workbook_stream``); ``.ods`` has its
own streamed reader (``ods_reader``), which takes what LibreOffice shows from the file
itself. A file that is not the workbook its extension says is a clear file error.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from batch.config.job_sections import InputSpec
from batch.input.encoding import head_bytes
from batch.input.source import InputSource

SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def open_workbook(spec: InputSpec, required: Sequence[str]) -> InputSource:
    # The readers (lxml, xlrd) are loaded only for a workbook: not at every start.
    from batch.input import ods_reader  # noqa: PLC0415
    from batch.input.workbook_stream import StreamedWorkbook  # noqa: PLC0415
    from batch.input.xls_book import XlsSheet  # noqa: PLC0415
    from batch.input.xlsx_book import XlsxSheet  # noqa: PLC0415

    head_bytes(spec.path, 1)  # a missing file, a folder: the input's own clear errors
    suffix = spec.path.suffix.lower()
    if suffix == ".ods":
        return ods_reader.OdsInput(spec, required)
    if suffix == ".xls":
        return StreamedWorkbook(spec, required, XlsSheet(spec.path, spec.sheet))
    return StreamedWorkbook(spec, required, XlsxSheet(spec.path, spec.sheet))
