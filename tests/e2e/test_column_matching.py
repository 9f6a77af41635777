"""Issue 15 point 2: header names match ignoring case, blanks, ``_``, ``-`` and accents."""

from __future__ import annotations

from pathlib import Path

import pytest

from batch.sandbox import SandboxConfig
from tests.helpers.e2e import read_rows, run_io_batch, write_csv, write_job

pytestmark = pytest.mark.e2e

REACHABLE = "AAAAAA00A00A000A"  # always registered and allowed in the sandbox


def test_an_office_header_is_matched_and_sent(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(SandboxConfig(processing_delay=0.2))
    # The job says codice_fiscale and {nome}; the office's file says otherwise.
    write_csv(tmp_path / "input.csv", ["CODICE-FISCALE", "Nóme"], [[REACHABLE, "Mario"]], sep=";")
    job = write_job(tmp_path, base_url=sandbox.base_url)

    ran = run_io_batch(["send", str(job)])

    assert ran.code == 0, ran.stderr
    [row] = read_rows(tmp_path / "results.csv")
    assert (row["status"], row["input.CODICE-FISCALE"], row["input.Nóme"]) == (
        "sent",
        REACHABLE,
        "Mario",
    )
    [entry] = sandbox.app.ledger.entries()
    assert entry.fiscal_code == REACHABLE


@pytest.mark.parametrize("command", ["send", "validate"])
def test_two_columns_matching_one_name_stop_before_any_call(
    tmp_path: Path, sandbox_factory, command: str
) -> None:
    sandbox = sandbox_factory(SandboxConfig(processing_delay=0.2))
    write_csv(
        tmp_path / "input.csv",
        ["codice_fiscale", "Codice Fiscale", "nome"],
        [[REACHABLE, REACHABLE, "Mario"]],
    )
    job = write_job(tmp_path, base_url=sandbox.base_url)

    ran = run_io_batch([command, str(job)])

    assert ran.code == 3, ran.stderr
    assert "'codice_fiscale' and 'Codice Fiscale' both match it" in ran.stderr
    assert sandbox.app.calls.entries() == []
    assert not (tmp_path / "results.csv").exists()
