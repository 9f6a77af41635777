"""Issue 24 point 3: ``io-batch pilot`` sends the campaign's message to colleagues first.

io-batch runs as a subprocess against a sandbox started apart on 127.0.0.1, used as a
second, real target (``kind = "io"`` with its URL and key): the pilot's journal and
results are its own, a rerun with the same templates sends nothing, a changed template
goes out anew, and the campaign later still messages a colleague who is in it.
"""

from __future__ import annotations

import json
import sqlite3
import stat
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from batch.config.job import load_job
from batch.config.message_digest import message_digest
from batch.sandbox import DEFAULT_API_KEY, SandboxConfig
from batch.sandbox.population import preferred_languages
from tests.helpers.e2e import population, read_rows, run_io_batch, write_csv, write_job

pytestmark = pytest.mark.e2e

ALL_IN = SandboxConfig(registered_ratio=1.0, blocked_ratio=0.0, processing_delay=0.2)
KEY = {"IO_API_KEY": DEFAULT_API_KEY}
HEADER = ["codice_fiscale", "nome", "importo", "avviso"]
PAYMENT = 'amount = "importo"\nnotice_number = "avviso"'
GERMAN = """
[message.de_DE]
subject = "Mitteilung für {nome}: Frist"
markdown = "Sehr geehrte/r {nome}, dies ist eine Testnachricht von io-batch, für den ganzen Weg."
[pilot]
input = "pilot.csv"
"""


def colleagues(first_language: str, count: int, seed: int) -> list[str]:
    """Fiscal codes whose sandbox profile prefers ``first_language`` first."""
    found = [
        code
        for code in population(400, seed)
        if preferred_languages(code, ALL_IN)[:1] == (first_language,)
    ]
    return found[:count]


def campaign(tmp_path: Path, sandbox: Any, codes: list[str], extra: str = GERMAN) -> Path:
    write_csv(
        tmp_path / "input.csv",
        HEADER,
        [[code, f"Cittadino{i}", "1250", f"30200010000000{i:04d}"] for i, code in enumerate(codes)],
    )
    return write_job(tmp_path, base_url=sandbox.base_url, kind="io", columns=PAYMENT, extra=extra)


def pilot_file(tmp_path: Path, codes: list[str], header: list[str] = HEADER) -> None:
    rows = [[code, f"Collega{i}", "999", f"30200010000009{i:04d}"] for i, code in enumerate(codes)]
    write_csv(tmp_path / "pilot.csv", header, [row[: len(header)] for row in rows])


def test_pilot_sends_the_campaign_message_once_per_template_and_never_touches_the_campaign(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(ALL_IN)
    german, italian = colleagues("de_DE", 1, seed=241), colleagues("it_IT", 1, seed=242)
    pilot_codes = german + italian
    citizens = population(3, seed=243)
    job = campaign(tmp_path, sandbox, [*citizens, italian[0]])  # a colleague is a citizen too
    pilot_file(tmp_path, pilot_codes)

    ran = run_io_batch(["pilot", str(job)], env=KEY)

    assert ran.code == 0, ran.stderr
    rows = read_rows(tmp_path / "results.pilot.csv")
    assert [(r["status"], r["language"]) for r in rows] == [("sent", "de_DE"), ("sent", "it_IT")]
    assert "no colleague got the pilot" not in ran.stderr
    by_code = {entry.fiscal_code: entry for entry in sandbox.app.ledger.entries()}
    assert set(by_code) == set(pilot_codes)
    assert by_code[german[0]].subject == "Mitteilung für Collega0: Frist"
    assert by_code[italian[0]].subject == "Avviso per Collega1: scadenza"
    stored = sandbox.app.backend.store.find(german[0], rows[0]["message_id"])
    assert stored is not None
    payment = stored.content()["payment_data"]
    assert (payment["amount"], payment["notice_number"]) == (999, "302000100000090000")
    # Its own journal and record; the campaign's journal does not even exist.
    state = tmp_path / "state"
    # (each in the folder of the target it went to)
    assert len(list(state.glob("*/e2e.pilot.journal.sqlite"))) == 1
    assert not list(state.glob("*/e2e.journal.sqlite"))
    record_path = state / "e2e.pilot.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    digest = message_digest(load_job(job))
    assert record["message_digest"] == digest
    assert record["languages_sent"] == ["de_DE", "it_IT"]
    assert stat.S_IMODE(record_path.stat().st_mode) == 0o600

    # The same templates again: nobody is messaged twice. The same pilot file, job and
    # output make it the finished run itself, given back with no call (issue 26.2).
    calls_before = len(sandbox.app.calls.entries())
    again = run_io_batch(["pilot", str(job)], env=KEY)
    assert again.code == 0, again.stderr
    assert [r["status"] for r in read_rows(tmp_path / "results.pilot.csv")] == ["sent", "sent"]
    assert sandbox.app.ledger.count() == 2
    assert len(sandbox.app.calls.entries()) == calls_before
    # Another --output is another run: the journal answers already_sent, still no submit.
    again = run_io_batch(
        ["pilot", str(job), "--output", str(tmp_path / "again.pilot.csv")], env=KEY
    )
    assert again.code == 0, again.stderr
    assert {r["status"] for r in read_rows(tmp_path / "again.pilot.csv")} == {"already_sent"}
    assert sandbox.app.ledger.count() == 2
    assert "no colleague got the pilot" not in again.stderr  # the record keeps the languages

    # A correction in one language: everyone gets the corrected message.
    job.write_text(
        job.read_text(encoding="utf-8").replace("für den ganzen Weg", "für den ganzen langen Weg"),
        encoding="utf-8",
    )
    corrected = run_io_batch(["pilot", str(job)], env=KEY)
    assert corrected.code == 0, corrected.stderr
    assert [r["status"] for r in read_rows(tmp_path / "results.pilot.csv")] == ["sent", "sent"]
    assert sandbox.app.ledger.count() == 4
    new_digest = json.loads(record_path.read_text(encoding="utf-8"))["message_digest"]
    assert new_digest == message_digest(load_job(job)) != digest

    # Another target: what the colleagues received elsewhere does not count there.
    other = sandbox_factory(ALL_IN)
    job.write_text(
        job.read_text(encoding="utf-8").replace(sandbox.base_url, other.base_url), "utf-8"
    )
    elsewhere = run_io_batch(["pilot", str(job)], env=KEY)
    assert elsewhere.code == 0, elsewhere.stderr
    assert [r["status"] for r in read_rows(tmp_path / "results.pilot.csv")] == ["sent", "sent"]
    assert other.app.ledger.count() == 2
    record = json.loads(record_path.read_text(encoding="utf-8"))
    assert record["target"] == f"io:{other.base_url}"
    job.write_text(
        job.read_text(encoding="utf-8").replace(other.base_url, sandbox.base_url), "utf-8"
    )

    # The campaign: the colleague who is also a citizen gets the campaign's message.
    sent = run_io_batch(["send", str(job)], env=KEY)
    assert sent.code == 0, sent.stderr
    results = read_rows(tmp_path / "results.csv")
    assert [r["status"] for r in results] == ["sent"] * 4
    to_colleague = [e for e in sandbox.app.ledger.entries() if e.fiscal_code == italian[0]]
    assert [e.subject for e in to_colleague] == [
        "Avviso per Collega1: scadenza",
        "Avviso per Collega1: scadenza",
        "Avviso per Cittadino3: scadenza",
    ]
    # 2 colleagues x (2 digests on the first target + 1 on the other), each target's in
    # its own journal.
    sent_rows = []
    for journal in sorted(state.glob("*/e2e.pilot.journal.sqlite")):
        with closing(sqlite3.connect(journal)) as db:
            sent_rows.append(db.execute("SELECT count(*) FROM sent").fetchone()[0])
    assert sorted(sent_rows) == [2, 4]


def test_a_language_no_colleague_received_is_named(tmp_path: Path, sandbox_factory: Any) -> None:
    sandbox = sandbox_factory(ALL_IN)
    job = campaign(tmp_path, sandbox, population(2, seed=244))
    pilot_file(tmp_path, colleagues("it_IT", 2, seed=245))

    ran = run_io_batch(["pilot", str(job)], env=KEY)

    assert ran.code == 0, ran.stderr
    assert "no colleague got the pilot in de_DE" in ran.stderr
    assert {e.subject[:10] for e in sandbox.app.ledger.entries()} == {"Avviso per"}
    warnings = [e for e in ran.json_lines() if e.get("event") == "pilot.languages_not_covered"]
    assert [w["languages"] for w in warnings] == [["de_DE"]]


def test_a_pilot_without_the_campaigns_columns_is_refused_before_any_call(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(ALL_IN)
    job = campaign(tmp_path, sandbox, population(2, seed=246))
    # No notice number column (so the job cannot read it) and a column the campaign lacks.
    write_csv(
        tmp_path / "pilot.csv",
        ["codice_fiscale", "nome", "importo", "note"],
        [[code, "Collega", "100", "x"] for code in colleagues("it_IT", 1, seed=247)],
    )
    ran = run_io_batch(["pilot", str(job)], env=KEY)
    assert ran.code == 3, ran.stderr
    assert "does not have the campaign's columns" in ran.stderr
    assert "it lacks 'avviso'" in ran.stderr
    assert "the campaign has no 'note'" in ran.stderr
    assert sandbox.app.calls.count() == 0

    # Every column the job reads, but one of the campaign's own columns left out.
    pilot_file(tmp_path, colleagues("it_IT", 1, seed=247))
    text = (tmp_path / "input.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "input.csv").write_text(
        "\n".join(f"{line},x" for line in text) + "\n", encoding="utf-8"
    )
    ran = run_io_batch(["pilot", str(job)], env=KEY)
    assert ran.code == 3, ran.stderr
    assert "it lacks 'x'" in ran.stderr
    assert sandbox.app.calls.count() == 0


def test_invalid_pilot_rows_follow_the_campaigns_rules(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(ALL_IN)
    job = campaign(tmp_path, sandbox, population(2, seed=248))
    code = colleagues("it_IT", 1, seed=249)[0]
    write_csv(
        tmp_path / "pilot.csv",
        HEADER,
        [[code, "Collega", "999", "302000100000090000"], [code, "Collega", "12,50", "1"]],
    )
    ran = run_io_batch(["pilot", str(job)], env=KEY)
    assert ran.code == 1, ran.stderr
    rows = read_rows(tmp_path / "results.pilot.csv")
    assert [r["status"] for r in rows] == ["sent", "invalid"]
    assert rows[1]["reason_code"].startswith("amount.")
    assert sandbox.app.ledger.count() == 1


def test_a_job_without_a_pilot_file_says_how_to_add_one(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(ALL_IN)
    job = campaign(tmp_path, sandbox, population(1, seed=250), extra="")
    ran = run_io_batch(["pilot", str(job)], env=KEY)
    assert ran.code == 2, ran.stderr
    assert "has no pilot file" in ran.stderr
    assert '[pilot] input = "pilot.csv"' in ran.stderr
    assert sandbox.app.calls.count() == 0
