"""The options several commands share, each written once with its help text.

``arguments.py`` and the per-command argument modules (``live/arguments.py``,
``errata/arguments.py``...) add them with these functions, so that ``--input`` or
``--no-progress`` means the same thing, with the same words, wherever it appears.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

#: The encodings io-batch reads, as --encoding and the job file's input.encoding name them.
ENCODINGS = ("auto", "utf-8", "utf-8-sig", "cp1252", "latin-1")
SEPARATORS = (",", ";", "tab", "auto")


def add_input_source_options(
    parser: argparse.ArgumentParser, *, input_help: str, output_help: str | None = None
) -> None:
    """``--input`` (then ``--output`` when it has a ``output_help``), ``--encoding``,
    ``--separator``: the recipient file and how to read it."""
    parser.add_argument("--input", type=Path, help=input_help)
    if output_help is not None:
        parser.add_argument("--output", type=Path, help=output_help)
    parser.add_argument(
        "--encoding",
        choices=ENCODINGS,
        help="the input's encoding (default: from the job, else auto-detect)",
    )
    parser.add_argument(
        "--separator",
        choices=SEPARATORS,
        help="the input's separator (default: from the job, else auto-detect)",
    )


def add_no_progress_option(parser: argparse.ArgumentParser, *, help: str | None = None) -> None:
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help=help or "no progress bar even on a terminal",
    )


def add_operator_option(parser: argparse.ArgumentParser, *, help: str) -> None:
    parser.add_argument("--operator", metavar="NAME", help=help)


def show_progress(no_progress: bool) -> bool:
    """A progress bar: on a terminal, unless ``--no-progress``."""
    return sys.stderr.isatty() and not no_progress
