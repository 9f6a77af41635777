"""A rerun chain: the errata of an earlier link would miss whom the later reruns reached.

``rerun`` writes ``<results stem>-rerun.csv`` by default, carrying every row of the file
it read over, once: so the last file of a chain holds everyone the campaign reached. An
errata handed a file that has such a rerun beside it would leave out the citizens the
rerun sent: a warning, ``errata.rerun_chain``, names the later file (the operator may
have meant this one; the errata journal never sends anybody the errata twice anyway).
"""

from __future__ import annotations

from pathlib import Path

WARNING_CODE = "errata.rerun_chain"


def later_rerun(results: Path) -> Path | None:
    """The last ``-rerun.csv`` of the chain that starts at ``results``, if there is one."""
    later = None
    current = results
    while (following := current.with_name(f"{current.stem}-rerun.csv")).exists():
        later = current = following
    return later


def describe(results: Path, later: Path) -> str:
    return (
        f"{later} is a rerun of {results}: it carries every row of it over, and holds the "
        "citizens the rerun reached too. The errata reaches only the rows of the file it "
        f"is given: give {later} to reach everyone the campaign reached"
    )
