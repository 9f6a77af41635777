"""``--lang`` (before or after the command), ``[output] language`` and the locale, as the
command line chooses among them before the job is loaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import batch.i18n as i18n
from batch import cli
from batch.arguments import build_parser
from batch.config.job import load_job
from batch.errors import ConfigError


@pytest.fixture(autouse=True)
def _clean_language(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for variable in i18n.LOCALE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    yield
    i18n.use_language("en")


def _job(tmp_path: Path, output_extra: str = "") -> Path:
    job = tmp_path / "job.toml"
    job.write_text(
        '[input]\npath = "missing.csv"\n'
        f'[output]\npath = "out.csv"\n{output_extra}\n'
        '[target]\nkind = "sandbox"\n[message]\nsubject = "Avviso di pagamento TARI"\n'
        'markdown = "' + "Gentile cittadino, " * 5 + '"\n',
        encoding="utf-8",
    )
    return job


def _language_after(argv: list[str]) -> str:
    cli.main(argv)  # the input is missing: the command fails, the language stays chosen
    return i18n.current_language()


def test_lang_before_or_after_the_command(tmp_path: Path) -> None:
    job = str(_job(tmp_path))
    assert _language_after(["--lang", "it", "validate", job]) == "it"
    assert _language_after(["validate", job]) == "en"
    assert _language_after(["validate", job, "--lang", "it"]) == "it"
    assert _language_after(["--lang", "it", "validate", job, "--lang", "en"]) == "en"


def test_the_job_files_language_then_the_locale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    italian_job = str(_job(tmp_path, 'language = "it"'))
    assert _language_after(["validate", italian_job]) == "it"
    assert _language_after(["validate", italian_job, "--lang", "en"]) == "en"
    (tmp_path / "plain").mkdir()
    plain_job = str(_job(tmp_path / "plain"))
    monkeypatch.setenv("LANG", "it_IT.UTF-8")
    assert _language_after(["validate", plain_job]) == "it"


def test_a_language_io_batch_does_not_speak_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[output\] language = 'de' is not one"):
        load_job(_job(tmp_path, 'language = "de"'))
    assert load_job(_job(tmp_path, 'language = "it"')).language == "it"
    assert load_job(_job(tmp_path)).language is None


def test_lang_is_an_option_of_every_command_but_the_sandbox(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = build_parser()
    for argv in (["send", "--help"], ["subscribers", "sync", "--help"], ["errata", "--help"]):
        with pytest.raises(SystemExit):
            parser.parse_args(argv)
        assert "--lang {en,it}" in capsys.readouterr().out, argv
    with pytest.raises(SystemExit):
        parser.parse_args(["sandbox", "--help"])
    assert "--lang" not in capsys.readouterr().out
