"""The tests' one job builder: a job file's tables, that file written, or the ``Job``.

``job_tables`` gives the tables of the smallest valid job file (a sandbox target; the
recipients in ``in.csv`` with the fiscal code in column ``cf``; a subject and a body
long enough for IO), each section given merged over its own, and a section given as
``None`` left out. ``parsed_job`` reads them as ``load_job`` reads a file (every check
of the job file applies), ``job_toml`` writes them as a job file's text.

``in_process_job`` is the job of a run against the in-process sandbox (``http://
sandbox.test``, which no job file may name: it is not https): built as a ``Job``, with
its recipients written to a CSV, no rate limit and no backoff between attempts.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from batch.config.choices import TargetKind
from batch.config.job import Job, parse_job
from batch.config.job_sections import (
    Columns,
    InputSpec,
    MessageSpec,
    ProfileCheck,
    RateBudget,
    RetryPolicy,
    Target,
)
from batch.config.template import Template

#: Where a parsed job says its file is, when the test has no folder of its own.
NO_FOLDER = Path("/jobs/job.toml")
#: The address of the in-process sandbox (``SandboxApp.transport``).
IN_PROCESS_URL = "http://sandbox.test"
SUBJECT = "Avviso per {nome}"
MARKDOWN = "{nome}" + "m" * 80  # IO wants 80 characters at least

_DEFAULT_TABLES: dict[str, dict[str, Any]] = {
    "input": {"path": "in.csv"},
    "output": {"path": "out.csv"},
    "columns": {"fiscal_code": "cf"},
    "message": {"subject": SUBJECT, "markdown": MARKDOWN},
    "target": {"kind": "sandbox"},
}

Section = Mapping[str, Any] | None


def job_tables(**sections: Section) -> dict[str, Any]:
    """The smallest valid job file's tables, each ``sections`` entry merged over its own
    (a new section is added; ``None`` leaves the section out)."""
    return merged(_DEFAULT_TABLES, sections)


def merged(
    tables: Mapping[str, Mapping[str, Any]], sections: Mapping[str, Section]
) -> dict[str, Any]:
    """``tables`` with each of ``sections`` merged over its own (None: left out)."""
    result: dict[str, Any] = {name: dict(values) for name, values in tables.items()}
    for name, values in sections.items():
        if values is None:
            result.pop(name, None)
        else:
            result[name] = result.get(name, {}) | dict(values)
    return result


def parsed_job(
    source: Path = NO_FOLDER, *, input_text: str | None = None, **sections: Section
) -> Job:
    """The job those tables make, as if read from ``source``; ``input_text``: the
    recipients file's content, written where the job's [input] path says."""
    tables = job_tables(**sections)
    if input_text is not None:
        (source.parent / tables["input"]["path"]).write_text(input_text, encoding="utf-8")
    return parse_job(tables, source=source)


def job_toml(
    tables: Mapping[str, Mapping[str, Any]], *, more: Mapping[str, str] | None = None
) -> str:
    """A job file's text: one ``[section]`` per table, in the order given; ``more``:
    lines of TOML text to add at the end of a section."""
    lines = []
    for name, values in tables.items():
        lines.append(f"[{name}]")
        lines.extend(f"{key} = {_toml_value(value)}" for key, value in values.items())
        if more and more.get(name):
            lines.append(more[name].strip("\n"))
    return "\n".join(lines) + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, Sequence):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def write_recipients(path: Path, codes: Sequence[str]) -> Path:
    """A recipients CSV: ``codice_fiscale,nome``, one row per code."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["codice_fiscale", "nome"])
        writer.writerows([code, f"Persona{index}"] for index, code in enumerate(codes))
    return path


def in_process_job(
    folder: Path,
    codes: Sequence[str] | None,
    *,
    name: str = "in-process",
    subject: str = "Avviso per {nome}: scadenza",
    markdown: str = "Gentile {nome}, questo è un messaggio di prova inviato da io-batch, "
    "in processo.",
    concurrency: int = 4,
    max_attempts: int = 2,
    min_calls_before_abort: int = 50,
    columns: Columns | None = None,
    profile: ProfileCheck | None = None,
) -> Job:
    """A job whose run goes to the in-process sandbox; ``codes``: its recipients, written
    to ``folder/input.csv`` (None: no input file, for a command that reads none)."""
    if codes is not None:
        write_recipients(folder / "input.csv", codes)
    return Job(
        name=name,
        source=folder / "job.toml",
        input=InputSpec(folder / "input.csv"),
        output=folder / "results.csv",
        columns=columns or Columns(fiscal_code="codice_fiscale"),
        message=MessageSpec(Template.parse(subject), Template.parse(markdown)),
        target=Target(TargetKind.SANDBOX, base_url=IN_PROCESS_URL),
        rate=RateBudget(calls=None, concurrency=concurrency),
        retry=RetryPolicy(
            max_attempts=max_attempts,
            backoff_base=0.0,
            backoff_max=0.0,
            min_calls_before_abort=min_calls_before_abort,
        ),
        profile=profile or ProfileCheck(),
    )
