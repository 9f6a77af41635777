"""The column-name rule: case, blanks, ``_``, ``-`` and accents never tell names apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch.config.job_sections import InputSpec
from batch.errors import InputError
from batch.input.names import normalise_name
from batch.input.read import open_input


@pytest.mark.parametrize(
    "spelling",
    ["codice_fiscale", "Codice Fiscale", "CODICE-FISCALE", "codicefiscale", " Codice\t_Fiscale "],
)
def test_the_issue_s_spellings_are_one_name(spelling: str) -> None:
    assert normalise_name(spelling) == "codicefiscale"


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Città", "CITTA"),  # accents
        ("Citta\u0300", "città"),  # decomposed and composed accents
        ("Straße", "STRASSE"),  # Unicode case folding: ß is ss, on purpose
        ("\ufeffnome", "Nome"),  # Excel's byte-order mark on the first name
        ("\uff2e\uff2f\uff2d\uff25", "nome"),  # full-width letters (NFKD)
        ("Ragione\u00a0Sociale", "ragione_sociale"),  # no-break space is a blank
    ],
)
def test_names_that_match(left: str, right: str) -> None:
    assert normalise_name(left) == normalise_name(right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("importo.1", "importo1"),
        ("importo\u20131", "importo1"),
        ("anno 1", "anno 2"),
        ("cf", "c f x"),
    ],
)
def test_names_that_stay_apart(left: str, right: str) -> None:
    assert normalise_name(left) != normalise_name(right)


@given(st.text(max_size=30))
def test_the_rule_is_idempotent_and_ignores_decoration(name: str) -> None:
    key = normalise_name(name)
    assert normalise_name(key) == key
    assert normalise_name(f" _-{name.upper()}-_ ") == normalise_name(name.upper())
    assert not any(char.isspace() or char in "_-" for char in key)


def _header(tmp_path: Path, header: str) -> Path:
    path = tmp_path / "in.csv"
    path.write_text(f"{header}\nRSSMRA85T10A562S;Mario;x\n", encoding="utf-8")
    return path


def test_a_job_column_resolves_to_the_file_s_own_spelling(tmp_path: Path) -> None:
    path = _header(tmp_path, "CODICE-FISCALE;Nóme;x")
    with open_input(InputSpec(path), ["codice_fiscale", "nome"]) as source:
        assert source.resolve("codice_fiscale") == "CODICE-FISCALE"
        assert source.resolve("Nome") == "Nóme"


def test_two_matching_columns_are_an_error_naming_both(tmp_path: Path) -> None:
    # One of them is spelled exactly as the job does: still ambiguous, never a guess.
    path = _header(tmp_path, "codice_fiscale;Codice Fiscale;x")
    with pytest.raises(InputError) as raised:
        open_input(InputSpec(path), ["codice_fiscale"])
    assert "'codice_fiscale' and 'Codice Fiscale' both match it" in str(raised.value)


def test_two_matching_columns_the_job_does_not_use_are_harmless(tmp_path: Path) -> None:
    path = _header(tmp_path, "cf;Note;NOTE")
    with open_input(InputSpec(path), ["cf"]) as source:
        assert source.header == ["cf", "Note", "NOTE"]
