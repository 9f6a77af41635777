"""A results file read back as rows of cells: what ``verify`` checks, and what tests read.

(``rerun`` reads a results file as an input instead, through ``read.py`` and
``results_layout``.) Cells come back as written before ``neutralise`` guarded them.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from batch.common.csv_safety import restore
from batch.errors import InputError
from batch.i18n import _
from batch.output.results_layout import RESULT_COLUMNS, is_results_header


def read_results(path: Path) -> Iterator[dict[str, str]]:
    """Rows of a results file as dicts; neutralised cells restored."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or not is_results_header(reader.fieldnames):
                raise InputError(
                    _("{path} is not an io-batch results file").format(path=path),
                    hint=_("its header must start with {columns}").format(
                        columns=",".join(RESULT_COLUMNS)
                    ),
                )
            for row in reader:
                yield {key: restore(value or "") for key, value in row.items() if key}
    except FileNotFoundError:
        raise InputError(_("results file not found: {path}").format(path=path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(_("{path} is not UTF-8: {error}").format(path=path, error=exc)) from None
