"""End-to-end helpers: io-batch run as a real subprocess, its job files, CSVs and results."""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from batch.config.job import load_job
from batch.config.state_dir import journal_location
from batch.identifiers.fiscal_code import generate
from tests.helpers.jobs import Section, job_tables, job_toml, merged

REPO = Path(__file__).parents[2]

SUBJECT = "Avviso per {nome}: scadenza"
MARKDOWN = (
    "Gentile {nome}, questo è un messaggio di prova inviato da io-batch "
    "per verificare il percorso completo di invio."
)


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.startswith("{")]


def run_io_batch(
    args: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 120
) -> Ran:
    """``python -m batch ARGS`` in a clean environment (no API key unless given)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("IO_")}
    clean.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "batch", "--log-format", "json", *args],
        capture_output=True,
        text=True,
        env=clean,
        timeout=timeout,
        check=False,
        cwd=REPO,
    )
    return Ran(done.returncode, done.stdout, done.stderr)


def write_csv(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[str]], sep: str = ","
) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=sep, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_job(
    directory: Path,
    *,
    base_url: str | None,
    input_name: str = "input.csv",
    output_name: str = "results.csv",
    calls: int | None = 60,
    window: float = 1.0,
    concurrency: int = 8,
    extra: str = "",
    kind: str = "sandbox",
    columns: str = "",
    target: str = "",
    sections: Mapping[str, Section] | None = None,
) -> Path:
    """``directory/job.toml``, the e2e job (``jobs.job_tables``' builder): the input and
    results beside it, the fiscal code in ``codice_fiscale``, a budget of ``calls`` per
    ``window`` seconds (None: unlimited). ``sections``: tables merged over those (a
    section given None is left out). ``columns`` and ``target``: more lines for those
    sections, as TOML text; ``extra`` comes last (after [retry], whose keys it may set)."""
    rate: dict[str, Any] = (
        {"unlimited": True} if calls is None else {"calls": calls, "window_seconds": window}
    )
    tables = job_tables(
        input={"path": input_name},
        output={"path": output_name},
        columns={"fiscal_code": "codice_fiscale"},
        message={"subject": SUBJECT, "markdown": MARKDOWN},
        target={"kind": kind} | ({"base_url": base_url} if base_url else {}),
    )
    order = ("job", "input", "output", "columns", "message", "target", "rate", "retry")
    tables = {"job": {"name": "e2e"}} | tables
    tables["rate"] = rate | {"concurrency": concurrency}
    tables["retry"] = {"backoff_base": 0.05, "backoff_max": 0.5}
    tables = merged(tables, sections or {})
    in_order = {name: tables[name] for name in order if name in tables}
    in_order |= {name: values for name, values in tables.items() if name not in in_order}
    text = job_toml(in_order, more={"columns": columns, "target": target})
    job = directory / "job.toml"
    job.write_text(f"{text}{extra}\n", encoding="utf-8")
    return job


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def population(count: int, seed: int) -> list[str]:
    """``count`` valid fiscal codes, the same for the same seed."""
    rng = random.Random(seed)
    return [generate(rng) for _ in range(count)]


def journal_of(job: Path, environ: dict[str, str] | None = None) -> Path:
    """Where a run of ``job`` keeps its journal: the state dir's folder of the job's target."""
    return journal_location(load_job(job), environ or {}).path
