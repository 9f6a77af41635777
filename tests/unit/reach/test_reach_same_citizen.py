"""A citizen on several rows is checked once; reach's CSV gives every row the checked
row's answer, found by fiscal code in the journal (never read out of a reason's text)."""

from __future__ import annotations

import csv
from pathlib import Path

from batch.config.choices import DuplicatePolicy
from batch.config.job_sections import InputSpec
from batch.input import read
from batch.journal.journal import Journal
from batch.models import Outcome, Status
from batch.reach.check_action import PROFILE_ONLY
from batch.reach.output import write_reach

ANNA = "RSSNNA80A41H501X"
BRUNO = "BRNBRN75C12F205K"
CARLA = "CRLCRL90D50L219Q"
REACHABLE = Outcome(Status.REACHABLE, "profile.allowed", "on IO, and the service may write")
NOT_REGISTERED = Outcome(Status.NOT_REGISTERED, "profile.not_found", "not on IO")


def _input(tmp_path: Path, codes: list[str]) -> InputSpec:
    path = tmp_path / "input.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["codice_fiscale", "nome"])
        writer.writerows([code, f"Persona{index}"] for index, code in enumerate(codes))
    return InputSpec(path)


def _check(journal: Journal, run_id: str, line: int, code: str, answer: Outcome) -> None:
    """What reach's row action does with one row: claim it, then record an outcome."""
    preset = journal.claim(
        run_id, line, code, PROFILE_ONLY, duplicates=DuplicatePolicy.ONE_PER_CITIZEN
    )
    journal.record(run_id, line, code, PROFILE_ONLY, preset or answer)


def _reach_rows(tmp_path: Path, spec: InputSpec, journal: Journal, run_id: str) -> list[list[str]]:
    output = tmp_path / "reach.csv"
    with read.open_input(spec, ["codice_fiscale"]) as source:
        write_reach(source, "codice_fiscale", journal, run_id, output)
    with output.open(encoding="utf-8", newline="") as handle:
        return [row[:5] for row in csv.reader(handle)][1:]


def test_every_row_of_a_citizen_gets_the_checked_row_s_answer_whatever_the_claim_order(
    tmp_path: Path,
) -> None:
    # Lines 2..6: Anna on 2, 4 and 6; Bruno on 3 and 5. Concurrent workers claimed
    # Anna's line 6 first, then 2 (a duplicate "as line 6"), then 4 (a duplicate that the
    # journal names "as line 2", itself a duplicate: a text-based lookup answered
    # "failed" there). Bruno's line 3 was never checked (the run was stopped).
    spec = _input(tmp_path, [ANNA, BRUNO, ANNA, BRUNO, ANNA])
    journal = Journal(tmp_path / "journal.sqlite")
    run_id = journal.start_run(tmp_path / "reach.csv", "digest").run_id
    _check(journal, run_id, 6, ANNA, NOT_REGISTERED)
    _check(journal, run_id, 2, ANNA, REACHABLE)
    _check(journal, run_id, 4, ANNA, REACHABLE)
    _check(journal, run_id, 5, BRUNO, REACHABLE)  # Bruno's line 3 had claimed it first ...
    journal.release(run_id, 3)  # ... and was put back to pending by the stop

    rows = _reach_rows(tmp_path, spec, journal, run_id)
    journal.close()

    answer = "as line 6: not on IO"
    assert rows == [
        ["2", ANNA, "not_registered", "row.same_citizen", answer],
        ["3", BRUNO, "pending", "row.pending", "not checked: run reach again to resume"],
        ["4", ANNA, "not_registered", "row.same_citizen", answer],
        ["5", BRUNO, "reachable", "profile.allowed", "on IO, and the service may write"],
        ["6", ANNA, "not_registered", "profile.not_found", "not on IO"],
    ]


def test_a_duplicate_whose_citizen_was_not_checked_yet_is_pending_as_its_first_row(
    tmp_path: Path,
) -> None:
    spec = _input(tmp_path, [CARLA, CARLA])
    journal = Journal(tmp_path / "journal.sqlite")
    run_id = journal.start_run(tmp_path / "reach.csv", "digest").run_id
    journal.claim(run_id, 2, CARLA, PROFILE_ONLY, duplicates=DuplicatePolicy.ONE_PER_CITIZEN)
    _check(journal, run_id, 3, CARLA, REACHABLE)  # a duplicate of line 2, in flight
    journal.release(run_id, 2)  # stopped before line 2's answer came

    rows = _reach_rows(tmp_path, spec, journal, run_id)
    journal.close()

    assert rows == [
        ["2", CARLA, "pending", "row.pending", "not checked: run reach again to resume"],
        ["3", CARLA, "pending", "row.pending", "as line 2, not checked yet"],
    ]
