"""``io-batch errata``: an "Errata corrige" to exactly the citizens the campaign reached.

Against a sandbox started apart on 127.0.0.1 (jobs with ``base_url``), the ledger of what
it stored is the proof: who got an errata, and its text, row by row.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from batch.identifiers.fiscal_code import generate
from batch.sandbox import Faults, OperationFaults, SandboxConfig
from batch.sandbox.ledger import LedgerEntry
from tests.helpers.e2e import REPO, read_rows, run_io_batch, write_csv, write_job

pytestmark = pytest.mark.e2e

ERRATA_SUBJECT = "Errata corrige: avviso di pagamento"
ERRATA_MARKDOWN = (
    "Gentile {nome}, nel messaggio che ti abbiamo inviato l'importo era sbagliato: "
    "quello giusto è {importo} euro. Ci scusiamo per l'errore."
)


def errata_text(row: dict[str, str]) -> str:
    """The errata markdown a reached results row must have produced."""
    return ERRATA_MARKDOWN.format(nome=row["input.nome"], importo=row["input.importo"])


def campaign(tmp_path: Path, count: int, seed: int = 5) -> list[list[str]]:
    """The original input: ``count`` citizens, the first of them twice (another amount),
    and two rows with a broken fiscal code."""
    rng = random.Random(seed)
    rows = [[generate(rng), f"Nome{index}", f"{10 + index},50"] for index in range(count)]
    rows.insert(3, [rows[0][0], "Nome0bis", "99,00"])  # same citizen, another notice
    rows += [["NOTAFISCALCODE00", "Rotto", "1,00"], ["", "Vuoto", "2,00"]]
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome", "importo"], rows)
    return rows


def errata_job(
    directory: Path,
    base_url: str,
    *,
    subject: str = ERRATA_SUBJECT,
    concurrency: int = 8,
    extra: str = "",
) -> Path:
    directory.mkdir(exist_ok=True)
    job = directory / "errata.toml"
    job.write_text(
        f"""
[job]
name = "e2e-errata"
[input]
path = "../input.csv"
[output]
path = "../errata-results.csv"
state_dir = "../state"
[columns]
fiscal_code = "codice_fiscale"
[message]
subject = "{subject}"
markdown = "{ERRATA_MARKDOWN}"
[target]
kind = "sandbox"
base_url = "{base_url}"
[rate]
unlimited = true
concurrency = {concurrency}
[retry]
backoff_base = 0.05
backoff_max = 0.5
{extra}
""",
        encoding="utf-8",
    )
    return job


def errata_entries(entries: list[LedgerEntry]) -> list[LedgerEntry]:
    return [entry for entry in entries if entry.subject.startswith("Errata corrige")]


def reached(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [r for r in rows if r["status"] in ("sent", "already_sent") and r["message_id"]]


def test_errata_reaches_exactly_the_citizens_the_rerun_chain_reached(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(
        SandboxConfig(
            rate_calls=None,
            registered_ratio=0.8,
            blocked_ratio=0.1,
            seed=3,
            processing_delay=0.1,
            faults=Faults(
                submit=OperationFaults(error_ratio=0.3, timeout_ratio=0.1), hang_seconds=3.0
            ),
        )
    )
    campaign(tmp_path, 70)
    job = write_job(
        tmp_path,
        base_url=sandbox.base_url,
        calls=None,
        extra="max_attempts = 1\nmax_failure_ratio = 1.0\n[http]\nread_timeout = 0.5\n",
    )
    assert run_io_batch(["send", str(job)]).code == 1
    sandbox.app.set_faults(Faults())  # the outage is over: the failed rows go out now
    assert run_io_batch(["rerun", str(tmp_path / "results.csv"), "--job", str(job)]).code == 1
    first = read_rows(tmp_path / "results.csv")
    chain = read_rows(tmp_path / "results-rerun.csv")
    statuses = Counter(r["status"] for r in chain)
    assert statuses["unknown"] > 0 and statuses["invalid"] == 2
    assert statuses["not_registered"] > 0 and statuses["not_allowed"] > 0
    # The rerun sent some citizens the first run had not reached, and carried the others.
    assert len(reached(chain)) > len(reached(first))
    to_reach = reached(chain)
    campaign_ledger = sandbox.app.ledger.entries()
    errata = errata_job(tmp_path / "errata", sandbox.base_url)
    results = str(tmp_path / "results-rerun.csv")

    dry = run_io_batch(["errata", results, "--job", str(errata), "--dry-run"])
    assert dry.code == 0, dry.stderr
    assert f"it reaches {len(to_reach)} of its {len(chain)} rows" in dry.stdout
    assert f"  unknown: {statuses['unknown']} (the original may have arrived" in dry.stdout
    assert f"  not_registered: {statuses['not_registered']}\n" in dry.stdout
    assert "  invalid: 2\n" in dry.stdout
    assert "errata.subject" not in dry.stdout and "errata.rerun_chain" not in dry.stdout
    assert sandbox.app.ledger.entries() == campaign_ledger  # a dry run calls nothing

    ran = run_io_batch(["errata", results, "--job", str(errata)])
    assert ran.code == 0, ran.stderr
    out = read_rows(tmp_path / "errata-results.csv")
    # One row per reached row, in input order, with the original line and input cells.
    assert [r["line"] for r in out] == [r["line"] for r in to_reach]
    assert {r["status"] for r in out} == {"sent"}
    assert [r["input.nome"] for r in out] == [r["input.nome"] for r in to_reach]
    # The ledger: exactly the reached rows got an errata, each once, with its own text
    # (the citizen on two lines got two: their two notices had two amounts).
    sent_errata = errata_entries(sandbox.app.ledger.entries())
    assert Counter((e.fiscal_code, e.subject, e.markdown) for e in sent_errata) == Counter(
        (r["fiscal_code"], ERRATA_SUBJECT, errata_text(r)) for r in to_reach
    )
    assert {r["message_id"] for r in out} == {e.message_id for e in sent_errata}
    twice = Counter(r["fiscal_code"] for r in to_reach)
    assert max(twice.values()) == 2  # the citizen on two lines, reached on both

    # The errata's results are an ordinary results file: verify asks about each errata.
    verified = run_io_batch(
        ["verify", str(tmp_path / "errata-results.csv"), "--job", str(errata), "--wait"]
    )
    assert verified.code == 0, verified.stderr
    checks = read_rows(tmp_path / "errata-results.verify.csv")
    assert {r["message_status"] for r in checks} == {"PROCESSED"}
    assert [r["message_id"] for r in checks] == [r["message_id"] for r in out]

    # Again, and on the first file of the chain, with another --output: nothing twice.
    ledger = sandbox.app.ledger.count()
    again = run_io_batch(["errata", results, "--job", str(errata)])
    assert again.code == 0, again.stderr
    # The same command over the same file is the finished run, given back with no call
    # (issue 26.2): its results are as they were.
    assert {r["status"] for r in read_rows(tmp_path / "errata-results.csv")} == {"sent"}
    assert sandbox.app.ledger.count() == ledger
    elsewhere = tmp_path / "elsewhere" / "errata-first.csv"
    elsewhere.parent.mkdir()
    on_first = run_io_batch(
        ["errata", str(tmp_path / "results.csv"), "--job", str(errata), "--output", str(elsewhere)]
    )
    assert on_first.code == 0, on_first.stderr
    chained = [line for line in on_first.json_lines() if line["event"] == "errata.rerun_chain"]
    assert [line["later"] for line in chained] == [results]  # it names the chain's last file
    assert [r["line"] for r in read_rows(elsewhere)] == [r["line"] for r in reached(first)]
    assert {r["status"] for r in read_rows(elsewhere)} == {"already_sent"}
    assert sandbox.app.ledger.count() == ledger


def test_errata_killed_mid_run_resumes_and_sends_nothing_twice(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(SandboxConfig(rate_calls=None, registered_ratio=1.0, blocked_ratio=0))
    campaign(tmp_path, 30)
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None)
    assert run_io_batch(["send", str(job)]).code == 1  # the two broken rows
    to_reach = reached(read_rows(tmp_path / "results.csv"))
    assert len(to_reach) == 31
    sandbox.app.set_faults(Faults(submit=OperationFaults(latency_ms=150)))
    errata = errata_job(tmp_path / "errata", sandbox.base_url, concurrency=2)
    before = sandbox.app.ledger.count()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IO_")}
    command = ["errata", str(tmp_path / "results.csv"), "--job", str(errata)]
    process = subprocess.Popen(
        [sys.executable, "-m", "batch", "--log-format", "json", *command],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while sandbox.app.ledger.count() < before + 4:
        assert process.poll() is None and time.monotonic() < deadline, "errata ended too soon"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    killed_with = sandbox.app.ledger.count() - before

    sandbox.app.set_faults(Faults())
    resumed = run_io_batch(command)
    assert resumed.code in (0, 1), resumed.stderr  # 1: a submit in flight at the kill
    summary = next(line for line in resumed.json_lines() if line.get("event") == "run.summary")
    assert summary["resumed"] is True
    out = read_rows(tmp_path / "errata-results.csv")
    assert [r["line"] for r in out] == [r["line"] for r in to_reach]
    statuses = Counter(r["status"] for r in out)
    assert set(statuses) <= {"sent", "unknown"} and statuses["unknown"] <= 2
    sent_errata = errata_entries(sandbox.app.ledger.entries())
    once = Counter((e.fiscal_code, e.markdown) for e in sent_errata)
    assert max(once.values()) == 1  # killed and run again: no errata twice
    expected = Counter((r["fiscal_code"], errata_text(r)) for r in to_reach)
    assert set(once) <= set(expected) and len(once) >= statuses["sent"]
    assert killed_with >= 4 and statuses["sent"] >= len(to_reach) - 2


def test_errata_of_a_sharded_campaigns_merged_results(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(SandboxConfig(rate_calls=None, registered_ratio=0.7, seed=9))
    campaign(tmp_path, 20)
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None, extra="[shards]\ncount = 2\n")
    assert run_io_batch(["send", str(job)]).code == 1  # every shard in turn, then merged
    merged = read_rows(tmp_path / "results.csv")
    to_reach = reached(merged)
    assert 0 < len(to_reach) < len(merged)
    errata = errata_job(tmp_path / "errata", sandbox.base_url)
    ran = run_io_batch(["errata", str(tmp_path / "results.csv"), "--job", str(errata)])
    assert ran.code == 0, ran.stderr
    sent_errata = errata_entries(sandbox.app.ledger.entries())
    assert Counter((e.fiscal_code, e.markdown) for e in sent_errata) == Counter(
        (r["fiscal_code"], errata_text(r)) for r in to_reach
    )

    # A sharded errata job is refused before any call: an errata runs unsharded.
    sharded = errata_job(tmp_path / "sharded", sandbox.base_url, extra="[shards]\ncount = 2\n")
    calls = sandbox.app.calls.count()
    refused = run_io_batch(["errata", str(tmp_path / "results.csv"), "--job", str(sharded)])
    assert refused.code == 2 and "runs unsharded" in refused.stderr
    assert sandbox.app.calls.count() == calls


def test_errata_warns_about_its_subject_and_refuses_wrong_files(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(SandboxConfig(rate_calls=None, registered_ratio=1.0, blocked_ratio=0))
    campaign(tmp_path, 4)
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None)
    assert run_io_batch(["send", str(job)]).code == 1
    results = str(tmp_path / "results.csv")

    plain = errata_job(tmp_path / "plain", sandbox.base_url, subject="Correzione: avviso TARI")
    dry = run_io_batch(["errata", results, "--job", str(plain), "--dry-run"])
    assert dry.code == 0, dry.stderr
    assert "Warning (errata.subject): message.subject does not start with 'Errata corrige'" in (
        dry.stdout
    )
    ran = run_io_batch(["errata", results, "--job", str(plain)])
    assert ran.code == 0, ran.stderr
    warnings = [line for line in ran.json_lines() if line.get("event") == "errata.subject"]
    assert [w["subjects"] for w in warnings] == [["message.subject"]]
    start = next(line for line in ran.json_lines() if line.get("event") == "errata.start")
    assert (start["rows"], start["to_reach"], start["left_out"]) == (7, 5, {"invalid": 2})
    assert sandbox.app.ledger.count() == 5 + 5  # the campaign's 5, then one errata each

    calls = sandbox.app.calls.count()
    not_results = run_io_batch(["errata", str(tmp_path / "input.csv"), "--job", str(plain)])
    assert not_results.code == 3 and "not an io-batch results file" in not_results.stderr
    missing = run_io_batch(["errata", str(tmp_path / "nothing.csv"), "--job", str(plain)])
    assert missing.code == 3 and "results file not found" in missing.stderr
    same_name = run_io_batch(["errata", results, "--job", str(job), "--dry-run"])
    assert same_name.code == 2 and "the errata job has the same [job] name" in same_name.stderr
    over = run_io_batch(["errata", results, "--job", str(plain), "--output", results])
    assert over.code == 2 and "must not overwrite" in over.stderr
    assert sandbox.app.calls.count() == calls
