"""The start-up every command that calls IO shares: "prepare the run".

Before any row is read or any call goes out, a command knows its job (the job file with
the command line's ``--input``/``--output``/``--encoding``/``--separator`` over it),
has checked that every file it will write can be written (the journal among them, with
where its folder came from), and holds the target's API key, registered with the logs
so that it is masked wherever it might appear. ``prepare_run`` does those steps in that
order, once, and returns them as a ``PreparedRun``; what is particular to a command
(its own files, its own checks) stays in the command.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from batch.api.target import resolve_api_key
from batch.common import logs
from batch.common.writable import Destination, check_writable
from batch.config.job import Job, load_job
from batch.config.state_dir import STATE_DIR_ENV, JournalLocation


@dataclass(frozen=True, slots=True)
class InputChoice:
    """The command line's choices over the job file's input and results file."""

    input: Path | None = None  # --input
    output: Path | None = None  # --output
    encoding: str | None = None  # --encoding
    separator: str | None = None  # --separator


def load_with(job_file: Path, choice: InputChoice, *, output: bool = True) -> Job:
    """The job file, with the command line's input choices over it; ``output=False``
    when the command's ``--output`` names a file of its own, not the job's results."""
    return load_job(job_file).with_overrides(
        input_path=choice.input,
        output=choice.output if output else None,
        encoding=choice.encoding,
        separator=choice.separator,
    )


@dataclass(frozen=True, slots=True)
class PreparedRun:
    """A job ready to run: its files checked writable and its target's key in hand."""

    job: Job
    api_key: str  # never logged: registered with the logs' masking


def journal_destination(location: JournalLocation, what: str = "journal") -> Destination:
    """The journal as a file to check, saying how to move it when it cannot be written."""
    where = f"[output] state_dir in the job file or {STATE_DIR_ENV} (now: {location.source})"
    return Destination(location.path, what, where)


def prepare_run(
    job: Job,
    destinations: Sequence[Destination],
    *,
    environ: Mapping[str, str] = os.environ,
) -> PreparedRun:
    """Check that every file the run writes can be written, then read the key of the
    job's target (exit 2 when either fails: before any call)."""
    check_writable(destinations)
    key = resolve_api_key(job.target, environ)
    logs.add_secret(key.value)
    return PreparedRun(job, key.value)
