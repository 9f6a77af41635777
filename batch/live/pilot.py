"""``io-batch pilot JOB``: the campaign's message, first to a few colleagues.

The pilot file (``[pilot] input``) is in the campaign's own columns, with colleagues'
real fiscal codes and sample values. It is sent with the campaign's job as it stands:
its templates in every language, its payment fields, its rules (an invalid pilot row is
``invalid``, as it would be in the campaign), its target and rate budget; every row's
profile is checked with the API (a pilot never reads the subscriber list).

A pilot never touches the campaign: its journal is ``<job>.pilot.journal.sqlite`` and
its results ``<output stem>.pilot.csv``, so a colleague who is also in the campaign still
gets the campaign's message. What counts as "already sent" to a colleague is keyed on
the template digest (``config.message_digest``): run again with the same templates,
nobody is messaged twice; after a correction, everyone gets the corrected message,
which is PagoPA's advice: repeat until nothing changes. The template digest it sent is
recorded (``pilot_record``) for ``approve``.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import anyio

from batch.api.prepare import journal_destination, prepare_run
from batch.api.target import api_base_url
from batch.common import logs
from batch.common.clock import WallClock, clock_from_env, utc_timestamp
from batch.common.writable import Destination
from batch.config.job import Job, load_job
from batch.config.job_sections import ProfileCheck
from batch.config.message_digest import message_digest
from batch.config.state_dir import journal_location
from batch.config.target_identity import target_identity
from batch.errors import ConfigError, InputError
from batch.input import read
from batch.input.names import normalise_name
from batch.journal.target import EnvironmentChoice
from batch.live.notice import warn
from batch.live.pilot_record import (
    PILOT_SUFFIX,
    PilotRecord,
    pilot_record_path,
    read_pilot_record,
    write_pilot_record,
)
from batch.models import Status
from batch.output.run_summary import RunReport
from batch.output.summary import summary_path
from batch.send.approval_check import resolve_operator
from batch.send.pipeline import SendOptions, SendRun
from batch.send.run_outcome import RunOutcome

#: The statuses of a row whose colleague has the message (from this run or an earlier one).
_RECEIVED = (Status.SENT.value, Status.ALREADY_SENT.value)


@dataclass(frozen=True, slots=True)
class PilotCommand:
    """``io-batch pilot JOB``'s options."""

    job: Path
    output: Path | None = None  # --output (default: <output stem>.pilot.csv)
    operator: str | None = None  # --operator (else IO_BATCH_OPERATOR)
    show_progress: bool = False  # a terminal, and no --no-progress


def run_pilot(command: PilotCommand) -> int:
    job = load_job(command.job)
    pilot = pilot_job(job, output=command.output)
    check_same_columns(job, pilot)
    digest = message_digest(job)
    journal = journal_location(pilot)
    record_path = pilot_record_path(job)
    journal_file = journal_destination(journal, "pilot journal")
    prepared = prepare_run(
        pilot,
        [
            Destination(pilot.output, "pilot results file", "--output"),
            Destination(summary_path(pilot.output), "pilot summary", "--output"),
            journal_file,
            Destination(record_path, "pilot record", journal_file.elsewhere),
        ],
    )
    options = SendOptions(
        show_progress=command.show_progress,
        operator=resolve_operator(command.operator, os.environ),
        # Also the target's: a pilot on one environment says nothing of what the
        # colleagues received on another.
        digest_scope=f"pilot:{target_identity(pilot.target)}:{digest}:",
        # A pilot on another IO address is a pilot there: each target keeps its own
        # pilot journal, and colleagues receiving it again is the pilot's purpose.
        environment=EnvironmentChoice.NEW,
    )
    clock = clock_from_env(os.environ)
    with api_base_url(pilot) as base_url:
        outcome = anyio.run(partial(_send, clock=clock), pilot, options, base_url, prepared.api_key)
    report = outcome.report
    report.finish()  # a run stopped by an error too: its summary comes before the error
    outcome.raise_error()
    if not report.interrupted:
        _record(job, pilot, report, digest, record_path)
    return report.exit_code


def pilot_job(job: Job, *, output: Path | None) -> Job:
    """The campaign's job with the pilot file as its input, and files of its own."""
    if job.pilot_input is None:
        raise ConfigError(
            f"job {job.name!r} has no pilot file",
            hint='add [pilot] input = "pilot.csv" to the job file: a few colleagues\' real '
            "fiscal codes and sample values, in the campaign's columns",
        )
    default_output = job.output.with_name(f"{job.output.stem}{PILOT_SUFFIX}{job.output.suffix}")
    if output is not None and output.resolve() == job.output.resolve():
        raise ConfigError(
            f"--output {output} is the campaign's results file: a pilot never touches it",
            hint=f"leave --output out for {default_output.name}, or name another file",
        )
    return replace(
        job,
        name=f"{job.name}{PILOT_SUFFIX}",  # its own journal: <job>.pilot.journal.sqlite
        # The pilot may be a CSV for a workbook campaign: its encoding, separator and
        # sheet are its own (detected; the first visible sheet).
        input=replace(job.input, path=job.pilot_input, encoding="auto", separator=None, sheet=None),
        output=output or default_output,
        profile=ProfileCheck(),
        shard_count=None,
        shard=None,
        report=False,
    )


def check_same_columns(job: Job, pilot: Job) -> None:
    """``InputError`` (exit 3) when the pilot's columns are not the campaign's: a pilot
    that lacks a column the campaign has never showed the colleagues that field."""
    try:
        with read.open_input(job.input, []) as campaign:
            expected = list(campaign.header)
    except InputError as error:
        raise InputError(
            f"the pilot's columns are checked against the campaign's input, which cannot be "
            f"read: {error.message}",
            hint=error.hint or "put the campaign's file where [input] path says",
        ) from None
    with read.open_input(pilot.input, []) as pilot_file:
        found = list(pilot_file.header)
    have = {normalise_name(name) for name in found}
    want = {normalise_name(name) for name in expected}
    missing = [name for name in expected if normalise_name(name) not in have]
    extra = [name for name in found if normalise_name(name) not in want]
    if missing or extra:
        problems = []
        if missing:
            problems.append(f"it lacks {', '.join(map(repr, missing))}")
        if extra:
            problems.append(f"the campaign has no {', '.join(map(repr, extra))}")
        raise InputError(
            f"the pilot file {pilot.input.path} does not have the campaign's columns "
            f"({job.input.path}): {'; '.join(problems)}. Nothing was sent",
            hint="the pilot is the campaign's file in small: the same columns, with "
            "colleagues' fiscal codes and sample values",
        )


async def _send(
    pilot: Job, options: SendOptions, base_url: str, api_key: str, *, clock: WallClock
) -> RunOutcome:
    run = SendRun(pilot, options, base_url=base_url, api_key=api_key, clock=clock)
    return await run.run()


def _record(job: Job, pilot: Job, report: RunReport, digest: str, path: Path) -> None:
    """Record the template digest the colleagues have, and say which of the job's
    languages no colleague received."""
    log = logs.get_logger()
    received = sum(report.counts.get(status, 0) for status in _RECEIVED)
    if not received:
        text = f"the pilot reached no colleague (see the reason column of {pilot.output})"
        warn("pilot.nobody_reached", f"{text}; nothing was recorded", job=job.name)
        return
    languages = set(languages_sent(pilot.output))
    earlier = read_pilot_record(path)
    target = target_identity(pilot.target)
    if earlier is not None and (earlier.message_digest, earlier.target) == (digest, target):
        languages |= set(earlier.languages_sent)  # already_sent rows say no language
    record = PilotRecord(
        job=job.name,
        message_digest=digest,
        target=target,
        finished_at=utc_timestamp(),
        run_id=report.run_id,
        results=str(pilot.output),
        counts=dict(report.counts),
        languages_sent=sorted(languages),
    )
    write_pilot_record(path, record)
    log.info("pilot.recorded", job=job.name, message_digest=digest, record=str(path))
    missing = [code for code in job.message.languages if code not in languages]
    if missing:
        warn(
            "pilot.languages_not_covered",
            f"no colleague got the pilot in {', '.join(missing)}: add a colleague whose IO "
            "profile prefers it (or a row whose language column names it) so that every "
            "language is checked",
            job=job.name,
            languages=missing,
        )


def languages_sent(results: Path) -> list[str]:
    """The languages the rows sent by this run went out in, from its results file."""
    with results.open(encoding="utf-8", newline="") as handle:
        return sorted(
            {
                row["language"]
                for row in csv.DictReader(handle)
                if row.get("status") == Status.SENT.value and row.get("language")
            }
        )
