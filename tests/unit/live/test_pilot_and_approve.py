"""``pilot`` and ``approve`` in process: the pilot's own files, the column check, the
approval's counts and warnings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batch import cli
from batch.config.job import Job, load_job
from batch.config.message_digest import message_digest
from batch.config.state_dir import journal_location
from batch.errors import ConfigError, ExitCode, InputError
from batch.live.pilot import check_same_columns, pilot_job
from batch.live.pilot_record import (
    PilotRecord,
    pilot_record_path,
    read_pilot_record,
    write_pilot_record,
)
from tests.helpers.e2e import population
from tests.helpers.workbooks import write_xlsx

CODES = population(4, seed=24)
IO = "io:https://api.io.pagopa.it"
JOB = """
[input]
path = "input.csv"
exclude = "excluded.txt"
[output]
path = "out/results.csv"
[columns]
fiscal_code = "codice_fiscale"
[message]
subject = "Avviso per {nome}: scadenza"
markdown = "Gentile {nome}, questo è un messaggio di prova inviato da io-batch per il percorso."
[target]
kind = "io"
[profile]
check = "feed"
[shards]
count = 4
[guard]
require_approval = true
[pilot]
input = "colleghi.xlsx"
"""


@pytest.fixture
def job(tmp_path: Path) -> Job:
    lines = [
        "codice_fiscale,nome",
        f"{CODES[0]},Ada",
        f"{CODES[1]},Bice",
        f"{CODES[1]},Bice",  # a duplicate
        "NOT-A-CODE,Carla",  # invalid
        f"{CODES[3]},Dora",  # excluded
    ]
    (tmp_path / "input.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "excluded.txt").write_text(CODES[3] + "\n", encoding="utf-8")
    (tmp_path / "job.toml").write_text(JOB, encoding="utf-8")
    return load_job(tmp_path / "job.toml")


def test_the_pilot_has_files_of_its_own_and_checks_every_profile(job: Job, tmp_path: Path) -> None:
    pilot = pilot_job(job, output=None)
    assert pilot.input.path == tmp_path / "colleghi.xlsx"
    assert pilot.output == tmp_path / "out" / "results.pilot.csv"
    # Both in the folder of the job's target, apart from each other.
    folder = journal_location(job).path.parent
    assert folder.parent == tmp_path / "state"
    assert journal_location(pilot).path == folder / "job.pilot.journal.sqlite"
    assert journal_location(job).path == folder / "job.journal.sqlite"
    assert pilot.shard_count is None and not pilot.profile.uses_feed
    assert message_digest(pilot) == message_digest(job)  # the campaign's own message
    assert pilot_job(job, output=tmp_path / "p.csv").output == tmp_path / "p.csv"
    with pytest.raises(ConfigError, match="a pilot never touches it"):
        pilot_job(job, output=tmp_path / "out" / ".." / "out" / "results.csv")


def test_a_workbook_pilot_with_the_campaigns_columns_passes(job: Job, tmp_path: Path) -> None:
    # Spelled as a spreadsheet would: the names match by the header rule.
    write_xlsx(tmp_path / "colleghi.xlsx", [["Codice Fiscale", "Nome"], [CODES[2], "Eva"]])
    check_same_columns(job, pilot_job(job, output=None))


def test_a_pilot_with_other_columns_is_refused(job: Job, tmp_path: Path) -> None:
    write_xlsx(tmp_path / "colleghi.xlsx", [["Codice Fiscale", "Cognome"], [CODES[2], "Eva"]])
    with pytest.raises(InputError) as refused:
        check_same_columns(job, pilot_job(job, output=None))
    assert "it lacks 'nome'" in str(refused.value)
    assert "the campaign has no 'Cognome'" in str(refused.value)
    (tmp_path / "input.csv").unlink()
    with pytest.raises(InputError, match="checked against the campaign's input"):
        check_same_columns(job, pilot_job(job, output=None))


def test_the_pilot_record_round_trips_and_a_damaged_one_is_no_pilot(job: Job) -> None:
    path = pilot_record_path(job)
    record = PilotRecord("job", "d" * 64, IO, "2026-12-07T10:00Z", "r1", "out.csv", {"sent": 2})
    write_pilot_record(path, record)
    assert read_pilot_record(path) == record
    path.write_text("{", encoding="utf-8")
    assert read_pilot_record(path) is None


def test_approve_records_the_dry_run_and_the_pilot(
    job: Job, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["approve", str(job.source), "--by", "Alice"]) == ExitCode.OK
    approval = json.loads((tmp_path / "state" / "job.approval.json").read_text(encoding="utf-8"))
    assert approval["counts"] == {
        "rows": 5,
        "to_send": 2,
        "invalid": 1,
        "excluded": 1,
        "duplicates": 1,
    }
    assert approval["target"] == "io:https://api.io.pagopa.it"
    assert approval["message_digest"] == message_digest(job)
    assert approval["pilot_digest"] == ""
    assert "no pilot was sent" in capsys.readouterr().err

    stale = PilotRecord("job", "0" * 64, IO, "2026-12-07T10:00:00.000Z", "r1", "out.csv")
    write_pilot_record(pilot_record_path(job), stale)
    assert cli.main(["approve", str(job.source), "--by", "Alice"]) == ExitCode.OK
    assert "the last pilot went out with other templates" in capsys.readouterr().err
    elsewhere = PilotRecord("job", message_digest(job), "sandbox:embedded", "11:00", "r2", "o.csv")
    write_pilot_record(pilot_record_path(job), elsewhere)
    assert cli.main(["approve", str(job.source), "--by", "Alice"]) == ExitCode.OK
    assert f"the last pilot went to sandbox:embedded, not to {IO}" in capsys.readouterr().err
    fresh = PilotRecord("job", message_digest(job), IO, "2026-12-07T11:00:00.000Z", "r2", "o.csv")
    write_pilot_record(pilot_record_path(job), fresh)
    assert cli.main(["approve", str(job.source), "--by", "Alice"]) == ExitCode.OK
    assert "warning" not in capsys.readouterr().err
    approval = json.loads((tmp_path / "state" / "job.approval.json").read_text(encoding="utf-8"))
    assert approval["pilot_digest"] == message_digest(job)


def test_approve_says_when_the_job_would_not_check_it(
    job: Job, capsys: pytest.CaptureFixture[str]
) -> None:
    job.source.write_text(JOB.replace("require_approval = true", ""), encoding="utf-8")
    assert cli.main(["approve", str(job.source), "--by", "Alice"]) == ExitCode.OK
    assert "send will not check it" in capsys.readouterr().err


def test_approve_needs_a_name_and_a_readable_input(job: Job, tmp_path: Path) -> None:
    assert cli.main(["approve", str(job.source), "--by", "  "]) == ExitCode.CONFIG_ERROR
    (tmp_path / "input.csv").unlink()
    assert cli.main(["approve", str(job.source), "--by", "Alice"]) == ExitCode.INPUT_ERROR
    assert not (tmp_path / "state" / "job.approval.json").exists()


def test_pilot_without_a_pilot_file_is_a_config_error(job: Job) -> None:
    job.source.write_text(JOB.replace('[pilot]\ninput = "colleghi.xlsx"\n', ""), encoding="utf-8")
    with pytest.raises(ConfigError, match="has no pilot file"):
        pilot_job(load_job(job.source), output=None)
