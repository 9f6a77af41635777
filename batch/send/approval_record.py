"""The approval of a campaign (``io-batch approve JOB --by NAME``), kept in the state folder.

``<state dir>/<job name>.approval.json`` (0600, written atomically) says who approved
what, and when: the digest of the input file (and of the exclusion list), the digest of
the message part of the job with one digest per key (``config.message_digest``), the
target's identity, the template digest of the last pilot, and the dry run's counts. A
new approval of the job replaces the last one. It is an audit trail and a guard against
mistakes, not access control: anyone who can write the state folder can write it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from batch.common.clock import utc_timestamp
from batch.common.files import write_atomically
from batch.config.job import Job
from batch.config.message_digest import message_digest, message_parts
from batch.config.state_dir import journal_location
from batch.config.target_identity import target_identity
from batch.errors import ConfigError

APPROVAL_SUFFIX = ".approval.json"
FORMAT = 1


@dataclass(frozen=True, slots=True)
class Approval:
    job: str
    approved_by: str
    approved_at: str  # UTC, ISO-8601
    input_path: str
    input_digest: str  # SHA-256 of the input file's bytes
    exclude_digest: str  # of the exclusion list's bytes; "" when the job has none
    message_digest: str
    message_parts: dict[str, str]  # job file key -> SHA-256 of its value
    target: str  # target_identity: the environment, never the key
    pilot_digest: str  # the message digest the last pilot sent; "" when none ran
    counts: dict[str, int] = field(default_factory=dict)  # the dry run's
    format: int = FORMAT

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def approval_for(
    job: Job, *, approved_by: str, counts: dict[str, int], pilot_digest: str
) -> Approval:
    """The approval of ``job`` as it stands now: its files' and message's digests."""
    return Approval(
        job=job.name,
        approved_by=approved_by,
        approved_at=utc_timestamp(),
        input_path=str(job.input.path.absolute()),
        input_digest=file_sha256(job.input.path),
        exclude_digest=optional_file_sha256(job.input.exclude),
        message_digest=message_digest(job),
        message_parts=message_parts(job),
        target=target_identity(job.target),
        pilot_digest=pilot_digest,
        counts=counts,
    )


def state_folder(job: Job) -> Path:
    """The job's state dir (not a target's folder in it): where its approval and pilot
    record live. Each names the target it is about, so one per job is enough."""
    return journal_location(job).state_dir


def approval_path(job: Job) -> Path:
    """One approval per job, whatever the shard: ``<state dir>/<job name>.approval.json``."""
    return state_folder(job) / f"{job.name}{APPROVAL_SUFFIX}"


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def optional_file_sha256(path: Path | None) -> str:
    """The digest of an optional file (the exclusion list); "" when there is none."""
    return "" if path is None else file_sha256(path)


def write_approval(path: Path, approval: Approval) -> None:
    def dump(handle: IO[str]) -> None:
        json.dump(approval.to_json(), handle, indent=2, sort_keys=True)
        handle.write("\n")

    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, dump)


def read_approval(path: Path) -> Approval | None:
    """The recorded approval; None when there is none; ``ConfigError`` when it is damaged."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(
            f"the approval {path} cannot be read: {exc}",
            hint="ask for a new approval: io-batch approve JOB --by NAME",
        ) from None
    try:
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise TypeError("unknown format")
        approval = Approval(**raw)
        if not isinstance(approval.message_parts, dict) or not isinstance(approval.counts, dict):
            raise TypeError("malformed digests or counts")
    except TypeError as exc:
        raise ConfigError(
            f"the approval {path} is not one io-batch wrote ({exc})",
            hint="ask for a new approval: io-batch approve JOB --by NAME",
        ) from None
    return approval
