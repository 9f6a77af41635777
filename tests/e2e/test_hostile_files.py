"""Hostile input files, end to end: ``io-batch send`` against the sandbox on 127.0.0.1.

For each case of ``tests/helpers/hostile_files.py``: the exact results row (status, reason code)
of every physical data line; the exact messages the sandbox stored (so no message holds
another row's data, and none goes to a code that is not in the file as written); every
CSV io-batch wrote is formula-safe, header included; a file error stops the job before
any call with a message an office worker understands.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from batch.common.csv_safety import FORMULA_STARTS
from batch.models import Message
from batch.sandbox import SandboxConfig
from tests.helpers.e2e import read_rows, run_io_batch
from tests.helpers.hostile_files import CASES, MARKDOWN, SUBJECT, HostileCase

pytestmark = pytest.mark.e2e
csv.field_size_limit(1 << 30)  # so that a results file holding a huge value can be read

# Every code of the cases has an IO profile that accepts the service: a row's status
# says what io-batch made of the file, not what the population is.
EVERYONE_ALLOWED = SandboxConfig(
    registered_ratio=1.0, blocked_ratio=0.0, processing_delay=0.2, rate_calls=None
)


def write_hostile_job(folder: Path, case: HostileCase, base_url: str) -> Path:
    (folder / "input.csv").write_bytes(case.data)
    markdown = MARKDOWN.replace('"', '\\"')
    job = folder / "job.toml"
    job.write_text(
        f"""[job]
name = "hostile-{case.name}"
[input]
path = "input.csv"
{case.input_options}
[output]
path = "out/results.csv"
[columns]
fiscal_code = "codice_fiscale"
[message]
subject = "{SUBJECT}"
markdown = "{markdown}"
[target]
kind = "sandbox"
base_url = "{base_url}"
[rate]
unlimited = true
""",
        encoding="utf-8",
    )
    return job


def unsafe_cells(folder: Path) -> list[tuple[str, int, str]]:
    """(file, row, cell) of every cell a spreadsheet would run as a formula."""
    found = []
    for path in sorted(folder.rglob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.reader(handle)):
                found += [
                    (path.name, number, cell) for cell in row if cell.startswith(FORMULA_STARTS)
                ]
    return found


@pytest.mark.parametrize("make", CASES, ids=[make.__name__ for make in CASES])
def test_hostile_file(make, tmp_path: Path, sandbox_factory) -> None:
    case = make()
    sandbox = sandbox_factory(EVERYONE_ALLOWED)
    job = write_hostile_job(tmp_path, case, sandbox.base_url)

    checked = run_io_batch(["validate", str(job)])
    ran = run_io_batch(["send", str(job)])

    output = ran.stdout + ran.stderr
    assert "Traceback" not in checked.stdout + checked.stderr
    assert "Traceback" not in output
    assert "universal-newline" not in output
    ledger = sandbox.app.ledger.entries()
    if case.file_error is not None:
        assert (ran.code, checked.code) == (3, 3), output
        assert case.file_error in output
        assert ledger == []
        return
    assert ran.code in (0, 1), output
    # The dry run reads the file as the send does: same verdict, same exit code.
    assert checked.code == ran.code, checked.stdout + checked.stderr
    results = read_rows(tmp_path / "out" / "results.csv")
    got = {int(row["line"]): (row["status"], row["reason_code"]) for row in results}
    want = {line: (row.status, row.reason_code) for line, row in case.rows.items()}
    assert got == want
    assert len(results) == len(got)  # one results row per line, never two

    expected = Counter(
        (code, Message(code, subject, markdown).content_hash())
        for code, subject, markdown in case.messages()
    )
    stored = Counter((entry.fiscal_code, entry.payload_hash) for entry in ledger)
    assert stored == expected
    for entry in ledger:
        assert entry.fiscal_code.encode() in case.data  # a code written in the file, as is
    assert unsafe_cells(tmp_path / "out") == []
