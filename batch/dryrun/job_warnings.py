"""Warnings about the job itself, not about rows: printed by every dry run.

``subject.personal_data``: a subject placeholder the job did not declare as not personal
(``config/subject_privacy.py``). A warning, like a row's: the exit code stays as it is
(``[guard] subject_placeholders = "refuse"`` makes it an error before this is reached).
"""

from __future__ import annotations

from typing import TextIO

from batch.config.job import Job
from batch.config.subject_privacy import WARNING_CODE
from batch.i18n import _


def print_job_warnings(job: Job, out: TextIO) -> None:
    privacy = job.subject_privacy
    if privacy.undeclared:
        out.write(warning_line(WARNING_CODE, privacy.describe()) + "\n")


def warning_line(code: str, text: str) -> str:
    """``Warning (code): text``: a warning about the job, printed by a dry run."""
    return _("Warning ({code}): {text}").format(code=code, text=text)
