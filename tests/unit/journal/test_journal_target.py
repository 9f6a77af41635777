"""Which journal a run opens for its target: adopted, taken over, new, or a question."""

from __future__ import annotations

from pathlib import Path

import pytest

from batch.config.choices import DuplicatePolicy
from batch.config.state_dir import JournalLocation, target_folder
from batch.errors import ConfigError
from batch.journal.journal import Journal
from batch.journal.target import EnvironmentChoice, prepare_journal

LIVE_A = "io:https://api.io.pagopa.it"
LIVE_B = "io:https://api-mtls.io.pagopa.it"
TRIAL = "sandbox:embedded"
ASK, SAME, NEW = EnvironmentChoice.ASK, EnvironmentChoice.SAME, EnvironmentChoice.NEW


def location(state: Path, target: str, name: str = "tari.journal.sqlite") -> JournalLocation:
    path = state / target_folder(target) / name
    legacy = state / name
    return JournalLocation(path, "test", state, target, legacy if legacy.exists() else None)


def sent_journal(path: Path, target: str | None) -> Path:
    journal = Journal(path, target=target)
    run = journal.start_run(path.parent / "out.csv", "digest")
    journal.claim(run.run_id, 2, "RSSMRA85T10A562S", "h", duplicates=DuplicatePolicy.SEND_ONCE)
    journal.record_intent(run.run_id, 2, "RSSMRA85T10A562S", "h")
    journal.close()
    return path


def test_a_sandbox_journal_never_asks_and_another_live_one_does(tmp_path: Path) -> None:
    sent_journal(location(tmp_path, TRIAL).path, TRIAL)
    prepare_journal(location(tmp_path, LIVE_A), "tari", choice=ASK)  # a trial: no question
    sent_journal(location(tmp_path, LIVE_A).path, LIVE_A)
    with pytest.raises(ConfigError, match=LIVE_A) as raised:
        prepare_journal(location(tmp_path, LIVE_B), "tari", choice=ASK)
    assert LIVE_B in str(raised.value) and "--same-environment" in raised.value.hint
    prepare_journal(location(tmp_path, LIVE_B), "tari", choice=ASK, sends=False)  # a reach
    prepare_journal(location(tmp_path, TRIAL), "tari", choice=ASK)  # a sandbox: never asks


def test_another_shard_layout_on_the_other_target_is_seen_too(tmp_path: Path) -> None:
    shard = "tari.shard-1-of-2.journal.sqlite"
    sent_journal(location(tmp_path, LIVE_A, shard).path, LIVE_A)
    with pytest.raises(ConfigError, match=shard):
        prepare_journal(location(tmp_path, LIVE_B), "tari", choice=ASK)
    with pytest.raises(ConfigError, match="another shard layout"):
        prepare_journal(location(tmp_path, LIVE_B), "tari", choice=SAME)
    # Chosen once for the target: its other shards do not ask again.
    prepare_journal(location(tmp_path, LIVE_B, shard), "tari", choice=NEW)
    sent_journal(location(tmp_path, LIVE_B, shard).path, LIVE_B)
    prepare_journal(
        location(tmp_path, LIVE_B, "tari.shard-2-of-2.journal.sqlite"), "tari", choice=ASK
    )


def test_taking_over_moves_the_journal_and_records_the_new_target(tmp_path: Path) -> None:
    old = sent_journal(location(tmp_path, LIVE_A).path, LIVE_A)
    new = location(tmp_path, LIVE_B)
    prepare_journal(new, "tari", choice=SAME)
    assert new.path.is_file() and not old.exists()
    Journal(new.path, target=LIVE_B).close()  # now B's: opens for B...
    with pytest.raises(ConfigError):
        Journal(new.path, target=LIVE_A)  # ...and no longer for A


def test_a_journal_from_before_targets_is_adopted_for_the_target_named_now(
    tmp_path: Path,
) -> None:
    legacy = sent_journal(tmp_path / "tari.journal.sqlite", None)  # records no target
    (tmp_path / "tari.journal.sqlite-wal").touch()  # a WAL file travels with it
    here = location(tmp_path, LIVE_A)
    assert here.legacy == legacy
    prepare_journal(here, "tari", choice=ASK)
    assert here.path.is_file() and not legacy.exists()
    assert not (tmp_path / "tari.journal.sqlite-wal").exists()
    Journal(here.path, target=LIVE_A).close()
    with pytest.raises(ConfigError):
        Journal(here.path, target=TRIAL)
