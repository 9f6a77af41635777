"""The report of ``[output] report = true``, in a process of its own.

``python -m batch.report.child JOB RESULTS --lang LANG [--verify FILE] [--json | --console]``:
what ``hook.make_report`` starts once a send or a verify has written everything, in the
language of the run that started it (``--lang``: the parent's ``--lang`` may not be the
job's or the locale's, and the child would not know it otherwise).
Apart, because a report must never take the run down with it: the kernel's
out-of-memory killer is told to pick this process first (``oom_score_adj`` 1000), so in
a container at its memory limit it is the report that dies, not the run whose exit
code the scheduler reads; and an exception here ends this process only. It reads the
files in bounded memory anyway (``tally``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from batch.common import logs
from batch.config.job import load_job
from batch.config.office_language import language_in_job_file
from batch.errors import BatchError, ExitCode
from batch.i18n import LANGUAGES, choose_language, use_language

OOM_SCORE_ADJ = Path("/proc/self/oom_score_adj")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m batch.report.child")
    parser.add_argument("job", type=Path)
    parser.add_argument("results", type=Path)
    parser.add_argument("--verify", type=Path)
    parser.add_argument("--json", action="store_true", help="JSON log lines (as the run's)")
    parser.add_argument(
        "--lang", choices=LANGUAGES, help="the run's language (default: as io-batch chooses)"
    )
    args = parser.parse_args(argv)
    logs.configure(json=args.json, level="info" if args.json else "warning")
    _first_to_go_when_memory_runs_out()
    try:
        job_language = language_in_job_file(args.job)
        use_language(choose_language(args.lang, job_language, os.environ))
        from batch.report.command import write_report  # noqa: PLC0415 - after the above

        write_report(load_job(args.job), [args.results], verify=args.verify)
    except BatchError as error:
        logs.get_logger().error("report.failed", error=str(error), hint=error.hint)
        return int(error.exit_code)
    except MemoryError:
        logs.get_logger().error("report.failed", error="out of memory")
        return int(ExitCode.INTERNAL_ERROR)
    except Exception as error:  # a report's bug: logged here, the run's code untouched
        logs.get_logger().error("report.failed", error=f"{type(error).__name__}: {error}")
        return int(ExitCode.INTERNAL_ERROR)
    return int(ExitCode.OK)


def _first_to_go_when_memory_runs_out() -> None:
    """Raising one's own ``oom_score_adj`` needs no privilege; where /proc is not there
    (not Linux) the report just runs."""
    try:
        OOM_SCORE_ADJ.write_text("1000", encoding="ascii")
    except OSError:
        return


if __name__ == "__main__":
    sys.exit(main())
