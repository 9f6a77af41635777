"""The e-mail copy's preview and warnings through the command line: ``validate`` and
``send --dry-run`` show the same, and neither makes a call or writes results."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.e2e import MARKDOWN, run_io_batch, write_csv, write_job

CODE = "RSSMRA85T10A562S"
# TOML escapes: the greeting, then an address long enough to fill the copy's 134 characters.
GREETING_ONLY = (
    "Gentile {nome},\\n\\nhttps://www.comune.esempio.it/servizi/tributi/tari/2026/avvisi/"
    "rata-unica-con-scadenza-a-marzo-e-modalita-di-pagamento\\n\\nLa rata scade il 31 marzo."
)


@pytest.mark.parametrize("command", [["validate"], ["send", "--dry-run"]])
def test_the_dry_run_shows_the_copy_and_warns(tmp_path: Path, command: list[str]) -> None:
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], [[CODE, "Mario"]])
    job = write_job(tmp_path, base_url=None)
    job.write_text(job.read_text("utf-8").replace(MARKDOWN, GREETING_ONLY), encoding="utf-8")
    ran = run_io_batch([*command, str(job)])
    assert ran.code == 0, ran.stderr  # a warning: the row is valid and would be sent
    assert "  email_copy.greeting_only: IO's e-mail copy shows only the greeting\n" in ran.stdout
    assert "    line 2\n" in ran.stdout
    assert "  e-mail:   Gentile Mario,\n            [link rimosso]\n" in ran.stdout
    assert not (tmp_path / "results.csv").exists()
