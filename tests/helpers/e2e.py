"""End-to-end helpers: io-batch run as a real subprocess, its job files, CSVs and results."""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from batch.config.job import load_job
from batch.config.state_dir import journal_location
from batch.identifiers.fiscal_code import generate

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
) -> Path:
    """``columns`` and ``target``: more lines for those sections (``extra`` comes last)."""
    rate = "unlimited = true" if calls is None else f"calls = {calls}\nwindow_seconds = {window}"
    url = f'base_url = "{base_url}"' if base_url else ""
    job = directory / "job.toml"
    job.write_text(
        f"""
[job]
name = "e2e"
[input]
path = "{input_name}"
[output]
path = "{output_name}"
[columns]
fiscal_code = "codice_fiscale"
{columns}
[message]
subject = "{SUBJECT}"
markdown = "{MARKDOWN}"
[target]
kind = "{kind}"
{url}
{target}
[rate]
{rate}
concurrency = {concurrency}
[retry]
backoff_base = 0.05
backoff_max = 0.5
{extra}
""",
        encoding="utf-8",
    )
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
