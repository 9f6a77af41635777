"""``io-batch approve JOB --by NAME``: a second person binds the campaign to what will go out.

The approver looks at the dry run (``validate``) and at what the pilot's colleagues
received, then approves. The approval (``send.approval_record``) holds the digests of
the input file, the exclusion list and the message part of the job (every language,
the payment fields, the feature level...), the target, the last pilot's template digest
and the dry run's counts, computed here by the same count the ``[guard]`` makes. With
``[guard] require_approval = true`` a send to IO then refuses anything else
(``send.approval_check``). An audit trail and a guard against mistakes, not access
control.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from batch.api.prepare import InputChoice, load_with
from batch.common import logs
from batch.common.writable import Destination, check_writable
from batch.config.job import Job
from batch.config.state_dir import STATE_DIR_ENV
from batch.errors import ConfigError
from batch.i18n import _, format_number
from batch.input import read
from batch.input.exclusions import load_exclusions
from batch.live.notice import warn
from batch.live.pilot_record import PilotRecord, pilot_record_path, read_pilot_record
from batch.rules.io_rules import check_job
from batch.send.approval_check import needs_approval
from batch.send.approval_record import Approval, approval_for, approval_path, write_approval
from batch.send.guard import count_input


@dataclass(frozen=True, slots=True)
class ApproveCommand:
    """``io-batch approve JOB --by NAME``'s options."""

    job: Path
    by: str
    input: InputChoice = field(default_factory=InputChoice)


def run_approve(command: ApproveCommand) -> int:
    approver = " ".join(command.by.split())
    if not approver:
        raise ConfigError("--by needs the approver's name", hint="io-batch approve JOB --by NAME")
    job = load_with(command.job, command.input)
    path = approval_path(job)
    check_writable(
        [Destination(path, "approval", f"[output] state_dir in the job file or {STATE_DIR_ENV}")]
    )
    check_job(job)
    with read.open_input(job.input, job.required_columns()) as source:
        count = count_input(
            job, source, rerun_statuses=None, exclusions=load_exclusions(job), report=None
        )
    pilot = read_pilot_record(pilot_record_path(job))
    approval = approval_for(
        job,
        approved_by=approver,
        pilot_digest=pilot.message_digest if pilot is not None else "",
        counts={
            "rows": count.rows + count.excluded,
            "to_send": count.to_send,
            "invalid": count.invalid,
            "excluded": count.excluded,
            "duplicates": count.duplicates,
        },
    )
    write_approval(path, approval)
    logs.get_logger().info("approval.recorded", path=str(path), **approval.to_json())
    if not logs.writes_json():
        print_approval(approval, path)
    _warn(job, approval, pilot)
    return 0


def print_approval(approval: Approval, path: object) -> None:
    counts = approval.counts
    out = sys.stdout
    title = _("io-batch: job {job} approved by {approved_by}")
    out.write(title.format(job=approval.job, approved_by=approval.approved_by) + "\n")
    dry_run = _(
        "{to_send} to send, {invalid} invalid, {excluded} excluded, {duplicates} duplicates "
        "({rows} rows)"
    ).format(**{name: format_number(counts[name]) for name in _COUNTS})
    fields = [
        (_("input"), f"{approval.input_path} (SHA-256 {approval.input_digest})"),
        (_("message"), f"SHA-256 {approval.message_digest}"),
        (_("target"), approval.target),
        (_("pilot"), approval.pilot_digest or _("none")),
        (_("dry run"), dry_run),
    ]
    width = max(9, *(len(name) + 1 for name, _value in fields))
    for name, value in fields:
        out.write(f"  {name:<{width}} {value}\n")
    out.write(_("approval: {path}").format(path=path) + "\n")


#: The dry run's counts an approval records, as its summary line shows them.
_COUNTS = ("to_send", "invalid", "excluded", "duplicates", "rows")


def _warn(job: Job, approval: Approval, pilot: PilotRecord | None) -> None:
    """What the approver should know: the approval may not mean what they think."""
    warnings = []
    if not approval.pilot_digest:
        warnings.append("no pilot was sent: nobody has seen the message on IO yet")
    elif approval.pilot_digest != approval.message_digest:
        warnings.append(
            "the last pilot went out with other templates than the job's now: run "
            "'io-batch pilot' again so that colleagues check what will go out"
        )
    if pilot is not None and pilot.target != approval.target:
        warnings.append(
            f"the last pilot went to {pilot.target}, not to {approval.target}: the "
            "colleagues have not seen it where the campaign goes"
        )
    if not needs_approval(job):
        warnings.append(
            "the job does not require it ([guard] require_approval = true and "
            '[target] kind = "io"): send will not check it'
        )
    for warning in warnings:
        warn("approval.warning", warning, job=job.name)
