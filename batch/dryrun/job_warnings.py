"""Warnings about the job itself, not about rows: printed by every dry run.

``subject.personal_data``: a subject placeholder the job did not declare as not personal
(``config/subject_privacy.py``). A warning, like a row's: the exit code stays as it is
(``[guard] subject_placeholders = "refuse"`` makes it an error before this is reached).
"""

from __future__ import annotations

from typing import TextIO

from batch.config.job import Job
from batch.config.subject_privacy import WARNING_CODE


def print_job_warnings(job: Job, out: TextIO) -> None:
    privacy = job.subject_privacy
    if privacy.undeclared:
        out.write(f"Warning ({WARNING_CODE}): {privacy.describe()}\n")
