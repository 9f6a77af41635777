"""Which language a process speaks, and that it speaks it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import batch.i18n as i18n


@pytest.fixture(autouse=True)
def _english_again() -> Iterator[None]:
    yield
    i18n.use_language("en")


@pytest.mark.parametrize(
    ("command_line", "job_file", "environ", "expected"),
    [
        ("it", "en", {"LANG": "en_GB.UTF-8"}, "it"),  # --lang wins over everything
        (None, "it", {"LANG": "en_GB.UTF-8"}, "it"),  # then the job's [output] language
        (None, None, {"LANG": "it_IT.UTF-8"}, "it"),  # then the locale
        (None, None, {"LANG": "it_IT.UTF-8", "LC_ALL": "C"}, "en"),  # LC_ALL first
        (None, None, {"LANG": "en_US.UTF-8", "LC_MESSAGES": "it_IT"}, "it"),
        (None, None, {"LANG": "it_CH@euro"}, "it"),
        (None, None, {"LANG": "de_DE.UTF-8"}, "en"),  # a language io-batch does not speak
        (None, None, {"LANG": "C.UTF-8"}, "en"),
        (None, None, {}, "en"),  # nothing at all: English
        (None, None, {"LANG": "", "LC_ALL": ""}, "en"),  # set but empty: as unset
    ],
)
def test_the_language_is_chosen_in_this_order(
    command_line: str | None, job_file: str | None, environ: dict[str, str], expected: str
) -> None:
    assert i18n.choose_language(command_line, job_file, environ) == expected


def test_english_is_the_text_as_written_and_italian_comes_from_the_catalog() -> None:
    i18n.use_language("en")
    assert i18n._("Wanted") == "Wanted"
    assert i18n.current_language() == "en"
    i18n.use_language("it")
    assert i18n.current_language() == "it"
    # A text that no catalog holds is shown as written, in every language.
    assert i18n._("a text nobody translated {x}") == "a text nobody translated {x}"


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported language 'de'"):
        i18n.use_language("de")


def test_a_missing_compiled_catalog_is_a_broken_install_not_english(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    with pytest.raises(i18n.CatalogMissingError) as caught:
        i18n.use_language("it")
    assert int(caught.value.exit_code) == 70
    assert "reinstall io-batch" in str(caught.value)


@pytest.mark.parametrize(
    ("language", "value", "decimals", "expected"),
    [
        ("en", 1234567, 0, "1,234,567"),
        ("it", 1234567, 0, "1.234.567"),
        ("en", 1234.5, 2, "1,234.50"),
        ("it", 1234.5, 2, "1.234,50"),
        ("it", 0.5, 2, "0,50"),
        ("it", -12.5, 1, "-12,5"),
        ("en", 999, 0, "999"),
    ],
)
def test_numbers_are_written_as_the_language_writes_them(
    language: str, value: float, decimals: int, expected: str
) -> None:
    i18n.use_language(language)
    assert i18n.format_number(value, decimals) == expected


def test_percentages_follow_the_language() -> None:
    i18n.use_language("it")
    assert i18n.format_percent(0.975) == "97,5%"
    i18n.use_language("en")
    assert i18n.format_percent(0.975, 0) == "98%"
