"""The one column lookup: exact name first, then case and blanks; never a guess."""

from __future__ import annotations

import pytest

from batch.errors import InputError
from batch.input.columns import HeaderColumns, normalise_name


def test_names_compare_without_case_blanks_or_a_byte_order_mark() -> None:
    assert normalise_name("\ufeff  Codice   Fiscale ") == normalise_name("codice fiscale")
    columns = HeaderColumns(["\ufeffCodice  Fiscale", "Nome"])
    assert columns.resolve("codice fiscale") == "\ufeffCodice  Fiscale"
    assert "NOME" in columns and "cognome" not in columns


def test_an_exact_name_wins_and_two_other_matches_are_an_error() -> None:
    columns = HeaderColumns(["CF", "cf", "Cf "], "in.csv")
    assert columns.resolve("cf") == "cf"
    with pytest.raises(InputError) as caught:
        columns.resolve("cF")
    assert caught.value.message == "column 'cF' is ambiguous in in.csv: 'CF', 'cf', 'Cf '"


def test_a_missing_name_lists_the_header() -> None:
    with pytest.raises(InputError) as caught:
        HeaderColumns(["cf", "nome"], "in.csv").resolve("importo")
    assert caught.value.message == "in.csv has no column 'importo'; its columns are: 'cf', 'nome'"
