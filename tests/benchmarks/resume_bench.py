"""Resume of a big journal: from ``io-batch send`` starting to its first new call.

The state is what an interrupted run of a 1M-row campaign leaves behind: the input, and
a journal whose run (the one ``start_run`` opens for the job's output and input digest)
has every row but the last ``pending`` done. Rows are written with the journal's own
bulk method (``record_many``), each with the outcome the sandbox's population gives its
citizen (sent with a message id, not registered, not allowed); then the "sent" record
and the content digests that ``record_intent`` + ``record`` leave for every sent row
are filled in with two bulk statements, so that the file has its real size and shape.

The earlier attempt's partial results file is there too, written by the product's own
``ResultsWriter`` from the journal's outcomes (a resume appends to it).

Each run starts from a copy of that journal and that file. The time is taken on the machine's
monotonic clock, which the sandbox (another process) also stamps its calls with: from
just before the process is started to the arrival of the first call. The run is then
killed (the copies are thrown away).
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from batch.config.job import load_job
from batch.config.state_dir import journal_path
from batch.journal.journal import Journal
from batch.models import Outcome, Status
from batch.output.results_writer import ResultsWriter
from batch.sandbox import SandboxConfig, new_ulid, profile_state
from batch.send.run_identity import file_digest

from .figures import Figure, Target
from .harness import HEADER, REPO, Sandbox, io_batch, quiet_env, recipient_rows, sandbox, write_job
from .sizes import Sizes

FIRST_CALL_TIMEOUT = 120.0
TARGET_SECONDS = 5.0
SENT_AT = "2026-12-01T09:00:00.000Z"


def _write_input(path: Path, rows: int) -> list[str]:
    """The input CSV; returns the fiscal codes, in line order."""
    codes = []
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(HEADER)
        for row in recipient_rows(rows, seed=4):
            writer.writerow(row)
            codes.append(row[0])
    return codes


def _outcomes(codes: list[str]) -> Iterator[tuple[int, str, Outcome]]:
    """The outcome of every done row (line 2 is the first data line)."""
    population = SandboxConfig()
    for line, code in enumerate(codes, start=2):
        state = profile_state(code, population)
        if state == "allowed":
            outcome = Outcome(
                Status.SENT, "submit.accepted", "accepted by IO", new_ulid(), 201, 2, SENT_AT
            )
        elif state == "blocked":
            outcome = Outcome(
                Status.NOT_ALLOWED,
                "profile.sender_not_allowed",
                "the citizen does not accept messages from this service",
                http_status=200,
                attempts=1,
            )
        else:
            outcome = Outcome(
                Status.NOT_REGISTERED,
                "profile.not_found",
                "no IO profile, or the citizen's IO inbox is disabled",
                http_status=404,
                attempts=1,
            )
        yield line, code, outcome


def build_state(job_file: Path, codes: list[str], done: int) -> tuple[Path, Path]:
    """The journal and the partial results file of an interrupted run whose first
    ``done`` rows are finished."""
    job = load_job(job_file)
    path = journal_path(job)
    journal = Journal(path)
    try:
        run = journal.start_run(job.output, file_digest(job.input.path))
        journal.record_many(run.run_id, _outcomes(codes[:done]))
        _write_partial_results(job.input.path, job.output, journal, run.run_id, done)
        journal.finish_run(run.run_id, interrupted=True)
    finally:
        journal.close()
    with sqlite3.connect(path) as db:
        # What record_intent + record leave for a sent row: its content digest, and the
        # "sent" record that blocks sending the same message again.
        db.execute(
            "UPDATE rows SET content_hash = printf('%064x', line * 2654435761) "
            "WHERE status = 'sent'"
        )
        db.execute(
            "INSERT INTO sent (fiscal_code, content_hash, state, message_id, run_id, line, "
            "recorded_at) SELECT fiscal_code, content_hash, 'sent', message_id, run_id, line, "
            "sent_at FROM rows WHERE status = 'sent'"
        )
    db.close()
    return path, job.output


def _write_partial_results(
    input_path: Path, output: Path, journal: Journal, run_id: str, done: int
) -> None:
    with input_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        header = next(reader)
        writer = ResultsWriter(output, header, fresh=True)
        try:
            for recorded, cells in zip(journal.outcomes(run_id, 2, done + 1), reader, strict=False):
                if recorded.line != reader.line_num:
                    raise RuntimeError(f"line {reader.line_num} has no outcome")
                fields = dict(zip(header, cells, strict=True))
                writer.write(recorded.line, recorded.fiscal_code, recorded.outcome, run_id, fields)
        finally:
            writer.close()


def _restore(pristine: Path, journal: Path, pristine_results: Path, results: Path) -> None:
    for leftover in (journal.with_name(journal.name + suffix) for suffix in ("-wal", "-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(pristine, journal)
    shutil.copyfile(pristine_results, results)


@dataclass(frozen=True)
class Resumed:
    first_call: float  # seconds from process start to the first call
    run_start: float  # seconds from process start to the run.start log event
    event: dict[str, object]  # that event


def _first_call(box: Sandbox, job: Path, log: Path) -> Resumed:
    box.reset()
    with log.open("wb") as out:
        started_wall = time.time()
        started = time.monotonic()
        process = subprocess.Popen(
            io_batch("send", str(job)), cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
            env=quiet_env(unbuffered=True),
        )  # fmt: skip
    try:
        deadline = started + FIRST_CALL_TIMEOUT
        while box.call_count() == 0:
            if process.poll() is not None:
                raise RuntimeError(f"io-batch exited {process.returncode} before any call")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no call within {FIRST_CALL_TIMEOUT:.0f} s")
            time.sleep(0.02)
    finally:
        process.kill()
        process.wait(timeout=30)
    first = min(call.t for call in box.calls())
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    event = next(event for event in events if event.get("event") == "run.start")
    logged = datetime.fromisoformat(str(event["timestamp"])).timestamp()
    return Resumed(first - started, logged - started_wall, event)


def resume_figures(folder: Path, sizes: Sizes) -> list[Figure]:
    rows, done = sizes.resume_rows, sizes.resume_rows - sizes.resume_pending
    input_path = folder / "resume.csv"
    codes = _write_input(input_path, rows)
    runs = []
    with sandbox(folder) as box:  # the default budget, no latency
        work = folder / "resume"
        work.mkdir()
        job = write_job(work, base_url=box.base_url, input_path=input_path, name="resume")
        journal, results = build_state(job, codes, done)
        pristine = folder / "resume-journal.sqlite"
        pristine_results = folder / "resume-results.csv"
        shutil.copyfile(journal, pristine)
        shutil.copyfile(results, pristine_results)
        for number in range(sizes.resume_runs):
            _restore(pristine, journal, pristine_results, results)
            run = _first_call(box, job, work / f"log-{number}.jsonl")
            if not run.event.get("resumed") or run.event.get("already_done") != done:
                raise RuntimeError(f"not the resume of {done} done rows: {run.event}")
            runs.append(run)
    name = f"resume of a {rows:,}-row journal ({done:,} done)"
    return [
        Figure(
            f"{name}: start to first new call",
            tuple(run.first_call for run in runs),
            "s",
            2,
            Target("<=", TARGET_SECONDS),
        ),
        Figure(
            f"{name}: start to its run.start log event",
            tuple(run.run_start for run in runs),
            "s",
            2,
        ),
    ]
