"""Issue 24, point 2: no test mode on today's accounts.

A service created through IO's Area Riservata writes to every citizen from day one, and a
message to ``AAAAAA00A00A000A`` is accepted (201) and reaches nobody. So the dry run
warns, with the lines, about rows addressed to it; the send still sends them (IO
accepts them), as it sends any warned row.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from batch.sandbox import SandboxConfig
from tests.helpers.e2e import population, read_rows, run_io_batch, write_csv, write_job

pytestmark = pytest.mark.e2e


def test_the_dry_run_warns_about_the_test_citizen_with_its_lines(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(SandboxConfig(rate_calls=None, registered_ratio=1.0))
    citizens = population(2, seed=2420)
    rows = [[citizens[0], "Ada"], ["AAAAAA00A00A000A", "Prova"], [citizens[1], "Bea"]]
    rows.append(["aaaaaa00a00a000a", "Prova"])  # the same code, as a spreadsheet may hold it
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], rows)
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None)

    validated = run_io_batch(["--log-format", "console", "validate", str(job)])
    assert validated.code == 0, validated.stderr  # a warning, not a problem
    out = validated.stdout
    assert "fiscal_code.test_citizen: 2 row(s): AAAAAA00A00A000A is IO's test citizen" in out
    assert "line 3 (codice_fiscale), line 5 (codice_fiscale)" in out
    assert sandbox.app.calls.count() == 0

    sent = run_io_batch(["send", str(job)])
    assert sent.code == 0, sent.stderr
    statuses = [row["status"] for row in read_rows(tmp_path / "results.csv")]
    assert statuses == ["sent", "sent", "sent", "duplicate"]
