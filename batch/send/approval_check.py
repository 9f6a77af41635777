"""``[guard] require_approval``: a send to IO goes out only as it was approved (four eyes).

Before any call, ``send`` and ``rerun`` of a job with ``require_approval = true`` and
``[target] kind = "io"`` compare what would go out with the job's approval
(``approval_record``): the input file, the exclusion list, every key of the message part
and the target. Any difference refuses the run (exit 2) and names every one of them;
so does an operator who is the approver. A sandbox target, embedded or started apart,
is a trial and needs no approval.

A rerun sends rows of a results file, not the approved input: it is covered by the
campaign's approval when the message and the target still match and the job's journal
holds a run of the approved input (the rerun follows the approved send). A resume after
a crash is the same command on the same files: the approval still matches.

An audit trail and a guard against mistakes, not access control: names are what people
type, and anyone who can write the state folder can write an approval.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from batch.config.choices import TargetKind
from batch.config.job import Job
from batch.config.message_digest import changed_parts, message_parts
from batch.config.state_dir import journal_location
from batch.config.target_identity import target_identity
from batch.errors import ConfigError
from batch.journal.looks import ran_input
from batch.send.approval_record import (
    Approval,
    approval_path,
    file_sha256,
    optional_file_sha256,
    read_approval,
)

OPERATOR_ENV = "IO_BATCH_OPERATOR"
_TEMPLATE_KEYS = (".subject", ".markdown")


@dataclass(frozen=True, slots=True)
class SendAuthority:
    """Who runs the send, and who approved it ("" when no approval was needed)."""

    operator: str
    approved_by: str = ""


def resolve_operator(flag: str | None, environ: Mapping[str, str]) -> str:
    """``--operator NAME``, else ``IO_BATCH_OPERATOR``; "" when neither says."""
    return (flag if flag is not None else environ.get(OPERATOR_ENV, "")).strip()


def needs_approval(job: Job) -> bool:
    return job.guard.require_approval and job.target.kind is TargetKind.IO


def same_person(first: str, second: str) -> bool:
    return " ".join(first.split()).casefold() == " ".join(second.split()).casefold()


def check_approval(job: Job, *, operator: str, rerun: bool) -> SendAuthority:
    """The run's authority; ``ConfigError`` (exit 2, before any call) when the job needs
    an approval that is missing, does not match, or names the operator as approver."""
    if not needs_approval(job):
        return SendAuthority(operator)
    if not operator:
        raise ConfigError(
            f"job {job.name!r} sends to IO with [guard] require_approval = true: say who runs it",
            hint=f"pass --operator NAME or set {OPERATOR_ENV}; the operator must not be the "
            "approver",
        )
    path = approval_path(job)
    approval = read_approval(path)
    if approval is None:
        raise ConfigError(
            f"job {job.name!r} needs an approval before it sends to IO "
            f"([guard] require_approval = true) and there is none at {path}",
            hint="have a second person check the dry run and the pilot, then run "
            f"'io-batch approve {job.source} --by NAME'",
        )
    differences = approval_differences(approval, job, rerun=rerun)
    if differences:
        raise ConfigError(
            f"what would go out is not what {approval.approved_by} approved on "
            f"{approval.approved_at}: " + "; ".join(differences) + ". Nothing was sent",
            hint="check the changes; if they are right, ask for a new approval "
            f"('io-batch approve {job.source} --by NAME')",
        )
    if same_person(approval.approved_by, operator):
        raise ConfigError(
            f"{approval.approved_by} approved job {job.name!r} and cannot also send it "
            f"(operator {operator.strip()!r}): with "
            "[guard] require_approval = true the approver and the operator are two people",
            hint="let someone else run the send (--operator NAME), or someone else approve the job",
        )
    return SendAuthority(operator, approval.approved_by)


def approval_differences(approval: Approval, job: Job, *, rerun: bool) -> list[str]:
    """Every way what would go out differs from what was approved, in words."""
    differences: list[str] = []
    if rerun:
        if not _journal_ran(journal_location(job).path, approval.input_digest):
            differences.append(
                f"the journal of job {job.name!r} holds no run of the approved input "
                f"{approval.input_path} (SHA-256 {_short(approval.input_digest)}): a rerun "
                "retries the approved campaign's results"
            )
    else:
        differences += _file_difference(
            "the input file", job.input.path, approval.input_path, approval.input_digest
        )
    differences += _exclusions_difference(approval, job.input.exclude)
    now = message_parts(job)
    for name in changed_parts(approval.message_parts, now):
        if name not in now:
            differences.append(f"{name} was removed from the job file")
        elif name not in approval.message_parts:
            differences.append(f"{name} was added to the job file")
        else:
            differences.append(f"{_kind(name)} {name} changed")
    target = target_identity(job.target)
    if target != approval.target:
        differences.append(f"the target changed: approved {approval.target}, now {target}")
    return differences


def _file_difference(what: str, path: Path, approved_path: str, approved: str) -> list[str]:
    try:
        digest = file_sha256(path)
    except OSError as exc:
        return [f"{what} {path} cannot be read ({exc.strerror})"]
    if digest == approved:
        return []
    same = str(path.absolute()) == approved_path
    named = str(path) if same else f"{path} (approved: {approved_path})"
    return [
        f"{what} {named} changed since the approval (SHA-256 {_short(approved)} approved, "
        f"{_short(digest)} now)"
    ]


def _exclusions_difference(approval: Approval, exclude: Path | None) -> list[str]:
    if exclude is None:
        return ["the exclusion list was removed from the job"] if approval.exclude_digest else []
    if not approval.exclude_digest:
        return [f"the exclusion list {exclude} was added to the job"]
    try:
        digest = optional_file_sha256(exclude)
    except OSError as exc:
        return [f"the exclusion list {exclude} cannot be read ({exc.strerror})"]
    if digest != approval.exclude_digest:
        return [f"the exclusion list {exclude} changed since the approval"]
    return []


def _kind(name: str) -> str:
    if name.endswith(_TEMPLATE_KEYS):
        return "the template"
    return "the column" if name.startswith("columns.") else "the option"


def _short(digest: str) -> str:
    return f"{digest[:12]}..."


def _journal_ran(journal: Path, input_digest: str) -> bool:
    """Whether the journal records a run of the input with that digest (an unreadable
    one records none)."""
    if not journal.exists():
        return False
    try:
        return ran_input(journal, input_digest)
    except sqlite3.Error:
        return False
