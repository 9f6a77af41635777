"""No personal data in the subject: ``[message]`` / ``[guard] subject_placeholders``.

Against a sandbox started apart on 127.0.0.1: a warning names the undeclared subject
placeholders of every language and the messages go out; ``refuse`` stops validate,
send, rerun and errata with exit 2 before any call (the sandbox's call log stays empty).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from batch.identifiers.fiscal_code import generate
from batch.sandbox import SandboxConfig
from tests.helpers.e2e import read_rows, run_io_batch, write_csv, write_job

pytestmark = pytest.mark.e2e

# write_job's subject is "Avviso per {nome}: scadenza"; the German one adds two more.
GERMAN = """
[message.de_DE]
subject = "Hinweis {anno} für {cognome}"
markdown = "Sehr geehrte/r {nome}, dies ist eine Testnachricht von io-batch über den ganzen Weg."
"""


def job_file(
    directory: Path, base_url: str, *, declared: list[str] | None, guard: str = ""
) -> Path:
    """``declared``: [message] subject_placeholders (None: not set)."""
    directory.mkdir(exist_ok=True)
    rng = random.Random(8)
    rows = [[generate(rng), "Ada", "Rossi", "2026"] for _ in range(4)]
    write_csv(directory / "input.csv", ["codice_fiscale", "nome", "cognome", "anno"], rows)
    message = {} if declared is None else {"subject_placeholders": declared}
    return write_job(
        directory,
        base_url=base_url,
        calls=None,
        sections={"message": message},
        extra=f"{guard}\n{GERMAN}",
    )


def test_undeclared_subject_placeholders_are_named_then_sent_or_refused(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(SandboxConfig(rate_calls=None, registered_ratio=1.0, blocked_ratio=0))
    warned = job_file(tmp_path / "warn", sandbox.base_url, declared=["anno"])
    named = "the subject uses {nome} (message.subject), {cognome} (message.de_DE.subject)"

    dry = run_io_batch(["validate", str(warned)])
    assert dry.code == 0, dry.stderr  # a warning does not change the exit code
    assert f"Warning (subject.personal_data): {named}, which may be personal data" in dry.stdout
    assert '[message] subject_placeholders = ["nome", "cognome"]' in dry.stdout
    assert "{anno}" not in dry.stdout.split("Warning (subject.personal_data)")[1].split("\n")[0]

    sent = run_io_batch(["send", str(warned)])
    assert sent.code == 0, sent.stderr
    events = [line for line in sent.json_lines() if line.get("event") == "subject.personal_data"]
    assert [event["placeholders"] for event in events] == [["nome", "cognome"]]
    assert sandbox.app.ledger.count() == 4  # warned, and sent all the same
    results = warned.parent / "results.csv"

    refused = job_file(
        tmp_path / "refuse",
        sandbox.base_url,
        declared=["anno"],
        guard='[guard]\nsubject_placeholders = "refuse"',
    )
    calls = sandbox.app.calls.count()
    errata = refused.parent / "errata.toml"
    errata.write_text(
        refused.read_text(encoding="utf-8")
        .replace('name = "e2e"', 'name = "e2e-errata"')
        .replace("Avviso per {nome}", "Errata corrige: avviso per {nome}"),
        encoding="utf-8",
    )
    for command in (
        ["validate", str(refused)],
        ["send", str(refused)],
        ["rerun", str(results), "--job", str(refused), "--output", str(tmp_path / "r.csv")],
        ["errata", str(results), "--job", str(errata), "--output", str(tmp_path / "e.csv")],
        ["errata", str(results), "--job", str(errata), "--dry-run"],
    ):
        ran = run_io_batch(command)
        assert ran.code == 2, (command, ran.stderr)
        assert named in ran.stderr and 'subject_placeholders = "refuse"' in ran.stderr, command
    assert sandbox.app.calls.count() == calls  # not one call
    assert not (refused.parent / "results.csv").exists()
    assert not (tmp_path / "r.csv").exists() and not (tmp_path / "e.csv").exists()

    # Every placeholder declared: no warning, and "refuse" lets the run go.
    declared = job_file(
        tmp_path / "declared",
        sandbox.base_url,
        declared=["anno", "nome", "cognome"],
        guard='[guard]\nsubject_placeholders = "refuse"',
    )
    quiet = run_io_batch(["send", str(declared)])
    assert quiet.code == 0, quiet.stderr
    assert not [line for line in quiet.json_lines() if line.get("event") == "subject.personal_data"]
    assert {row["status"] for row in read_rows(declared.parent / "results.csv")} == {"sent"}


def test_a_declared_name_no_subject_uses_is_a_job_file_error(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory()
    job = job_file(tmp_path, sandbox.base_url, declared=["anni"])
    ran = run_io_batch(["validate", str(job)])
    assert ran.code == 2
    assert "message.subject_placeholders names 'anni', which no subject uses" in ran.stderr
    assert "{nome}, {anno}, {cognome}" in ran.stderr
    bad = job_file(
        tmp_path / "bad",
        sandbox.base_url,
        declared=None,
        guard='[guard]\nsubject_placeholders = "no"',
    )
    ran = run_io_batch(["validate", str(bad)])
    assert ran.code == 2 and "guard.subject_placeholders must be one of warn, refuse" in ran.stderr
