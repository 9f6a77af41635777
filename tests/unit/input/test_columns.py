"""The one column lookup: ``input/names.py``'s rule; never a guess, even for an exact name."""

from __future__ import annotations

import pytest

from batch.errors import InputError
from batch.input.columns import HeaderColumns
from batch.input.names import normalise_name


def test_names_compare_without_case_blanks_or_a_byte_order_mark() -> None:
    assert normalise_name("\ufeff  Codice   Fiscale ") == normalise_name("codice fiscale")
    columns = HeaderColumns(["\ufeffCodice  Fiscale", "Nome"])
    assert columns.resolve("codice fiscale") == "\ufeffCodice  Fiscale"
    assert "NOME" in columns and "cognome" not in columns


def test_two_matches_are_an_error_naming_both_even_for_an_exact_name() -> None:
    columns = HeaderColumns(["Codice Fiscale", "codice_fiscale", "Nome"], "in.csv")
    assert columns.resolve("NOME") == "Nome"
    for name in ("codice_fiscale", "CODICE-FISCALE"):
        with pytest.raises(InputError) as caught:
            columns.resolve(name)
        assert caught.value.message == (
            f"column {name!r} is ambiguous in in.csv: the columns 'Codice Fiscale' and "
            "'codice_fiscale' both match it"
        )


def test_a_missing_name_lists_the_header() -> None:
    with pytest.raises(InputError) as caught:
        HeaderColumns(["cf", "nome"], "in.csv").resolve("importo")
    assert caught.value.message == "in.csv has no column 'importo'; its columns are: 'cf', 'nome'"
