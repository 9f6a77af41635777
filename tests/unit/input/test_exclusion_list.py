"""``[input] exclude``: plain lists, CSVs, digests; a bad entry refuses the whole list."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import polars as pl
import pytest

from batch.config.job import parse_job
from batch.errors import InputError
from batch.input.exclusions import ExclusionList, digest, load_exclusions

CODE = "RSSMRA85T10A562S"
OTHER = "BNCGLI70A41H501A"
THIRD = "AAAAAA00A00A000A"


def job_with(tmp_path: Path, exclude: str, fiscal_code: str = "codice_fiscale"):
    raw = {
        "input": {"path": "in.csv", "exclude": exclude},
        "output": {"path": "out.csv"},
        "columns": {"fiscal_code": fiscal_code},
        "message": {"subject": "Subject {nome}", "markdown": "Body {nome}"},
        "target": {"kind": "sandbox"},
    }
    return parse_job(raw, source=tmp_path / "job.toml")


def load(tmp_path: Path, text: str, name: str = "exclude.txt", **kw: str) -> ExclusionList:
    (tmp_path / name).write_text(text, encoding="utf-8")
    excluded = load_exclusions(job_with(tmp_path, name, **kw))
    assert excluded is not None
    return excluded


def test_no_list_is_none(tmp_path: Path) -> None:
    job = job_with(tmp_path, "x")
    assert (
        load_exclusions(
            dataclasses.replace(job, input=dataclasses.replace(job.input, exclude=None))
        )
        is None
    )


def test_a_plain_list_of_codes_and_digests(tmp_path: Path) -> None:
    upper_digest = digest(OTHER).upper()  # an upper-case digest is taken as the same hash
    text = f'# opt-outs, 2026\n {CODE.lower()} \n\n{upper_digest}\n"{THIRD}"\n'
    excluded = load(tmp_path, text)
    assert excluded.codes == {CODE, THIRD}
    assert excluded.digests == {digest(OTHER)}


def test_a_csv_with_a_header_uses_its_only_column(tmp_path: Path) -> None:
    excluded = load(tmp_path, f"Codice Fiscale\n{CODE}\n", name="optout.csv")
    assert excluded.codes == {CODE}


def test_a_csv_with_several_columns_uses_the_job_s_fiscal_code_column(tmp_path: Path) -> None:
    text = f"motivo;CODICE-FISCALE\ndecesso;{CODE}\nopt-out;{OTHER}\n"
    excluded = load(tmp_path, text, name="holds.csv")
    assert excluded.codes == {CODE, OTHER}


def test_a_csv_without_the_column_is_refused_with_its_columns(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"none matches 'codice_fiscale': 'motivo', 'cf'"):
        load(tmp_path, f"motivo;cf\ndecesso;{CODE}\n", name="holds.csv")


def test_a_bad_entry_refuses_the_list_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"line 3: .* is neither a fiscal code nor a SHA-256"):
        load(tmp_path, f"{CODE}\n{OTHER}\nRSSMRA85T10A562X\n")


def test_a_missing_list_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_exclusions(job_with(tmp_path, "missing.txt"))


def test_listed_matches_codes_and_digests() -> None:
    excluded = ExclusionList(Path("x"), frozenset({CODE}), frozenset({digest(OTHER)}))
    codes = pl.Series([CODE, OTHER, THIRD, None], dtype=pl.String)
    assert excluded.listed(codes).to_list() == [True, True, False, False]
    # The subscriptions feed's hash: SHA-256 of the upper-case code, lower-case hex.
    assert digest(CODE) == hashlib.sha256(b"RSSMRA85T10A562S").hexdigest()


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_a_workbook_list_follows_the_csv_rule_on_its_header(tmp_path: Path, suffix: str) -> None:
    from tests.helpers.workbooks import write_ods, write_xlsx  # noqa: PLC0415

    write = write_xlsx if suffix == ".xlsx" else write_ods
    write(tmp_path / f"none{suffix}", [[CODE], [digest(OTHER)]])  # no header: A1 is a code
    excluded = load_exclusions(job_with(tmp_path, f"none{suffix}"))
    assert excluded is not None
    assert (excluded.codes, excluded.digests) == ({CODE}, {digest(OTHER)})
    write(tmp_path / f"named{suffix}", [["Codice Fiscale"], [CODE]])  # a header: a name
    named = load_exclusions(job_with(tmp_path, f"named{suffix}"))
    assert named is not None
    assert named.codes == {CODE}
    write(tmp_path / f"two{suffix}", [[CODE, "decesso"], [OTHER, "opt-out"]])
    with pytest.raises(InputError, match="has several columns and none matches"):
        load_exclusions(job_with(tmp_path, f"two{suffix}"))  # as a CSV "code;note" first line
