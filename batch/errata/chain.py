"""Where RESULTS comes from: the job that wrote it, and the rerun chain it belongs to.

The errata job must have a ``[job] name`` of its own: the summary beside RESULTS
(``<stem>.summary.json``) names the job that wrote it, and the errata refuses to run
under that name (its messages would go into the original's journal, and the errata's
"already sent" would be mixed with the campaign's).

A rerun chain: the errata of an earlier link would miss whom the later reruns reached.

``rerun`` writes ``<results stem>-rerun.csv`` by default, carrying every row of the file
it read over, once: so the last file of a chain holds everyone the campaign reached. An
errata handed a file that has such a rerun beside it would leave out the citizens the
rerun sent: a warning, ``errata.rerun_chain``, names the later file (the operator may
have meant this one; the errata journal never sends anybody the errata twice anyway).
"""

from __future__ import annotations

import json
from pathlib import Path

from batch.config.job import Job
from batch.errors import ConfigError
from batch.i18n import N_, _
from batch.output.summary import summary_path

WARNING_CODE = "errata.rerun_chain"
#: The warning's text (``describe``).
LATER_RERUN_WARNING = N_(
    "{later} is a rerun of {results}: it carries every row of it over, and holds the "
    "citizens the rerun reached too. The errata reaches only the rows of the file it "
    "is given: give {later} to reach everyone the campaign reached"
)


def later_rerun(results: Path) -> Path | None:
    """The last ``-rerun.csv`` of the chain that starts at ``results``, if there is one."""
    later = None
    current = results
    while (following := current.with_name(f"{current.stem}-rerun.csv")).exists():
        later = current = following
    return later


def describe(results: Path, later: Path, *, english: bool = False) -> str:
    """The warning's text: in the process's language, or in English for the log."""
    text = LATER_RERUN_WARNING if english else _(LATER_RERUN_WARNING)
    return text.format(later=later, results=results)


def require_own_name(job: Job, results: Path) -> None:
    """Exit 2 when the summary beside ``results`` says a job of the errata's name wrote it."""
    try:
        written_by = json.loads(summary_path(results).read_text(encoding="utf-8")).get("job")
    except (OSError, ValueError, AttributeError):
        return  # no summary (a file copied alone): nothing to compare with
    if written_by == job.name:
        raise ConfigError(
            f"{results} was written by job {job.name!r}, and the errata job has the same "
            "[job] name: an errata is a job of its own, with its own journal",
            hint=f'give the errata job another name, such as name = "{job.name}-errata"',
        )
