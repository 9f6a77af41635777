"""What makes two runs of a job the same run, beyond the input and the output.

A run that finished is given back, with no call, when the same command runs again
(``Journal.start_run(replay=True)``): a pod killed after writing its summary and
restarted must not turn its ``sent`` rows into ``already_sent`` and check every
profile again. But "the same command" must mean the same work: the same input (its
digest, kept apart in the journal) to the same output, and the same job file (a
corrected text or another target is another run, which the journal then guards as
usual), read the same way (``--encoding``, ``--separator``), with the same selection
(a rerun's ``--include-*`` flags, a reach instead of a send, the shard).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from batch.config.job import Job
from batch.models import Status


def file_digest(path: Path) -> str:
    """The input's identity: a resume over another file is refused, a replay needs it."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def settings_digest(job: Job, *, rerun_statuses: frozenset[Status] | None, submits: bool) -> str:
    """A digest of everything but the input and the output that decides a run's outcomes;
    "" when the job file cannot be read (no replay then: a new run is the safe side)."""
    try:
        job_file = job.source.read_bytes()
    except OSError:
        return ""
    identity = hashlib.sha256(job_file)
    parts = [
        f"encoding={job.input.encoding}",
        f"separator={job.input.separator}",
        f"shard={job.shard.label if job.shard else ''}",
        # A run that only checks profiles (reach's action) is never a send's run. Spelt
        # as journals written before the row actions have it, so that they still resume.
        f"profile_only={not submits}",
        "rerun="
        + ("-" if rerun_statuses is None else ",".join(sorted(s.value for s in rerun_statuses))),
    ]
    identity.update("\n".join(parts).encode("utf-8"))
    return identity.hexdigest()
