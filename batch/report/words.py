"""The report's English texts that are also data, shown in the page's language.

A funnel step's name, a verification table's title, a card's name are keys as well as
words: the page's ``data-*`` attributes and the tests read them in English, whatever the
language, and the reader sees them translated. They (and the chart and section
templates kept as module constants) are marked with ``N_`` where written, so that the
catalogs hold them, and translated here where shown.
"""

from __future__ import annotations

from batch import i18n


def shown(text: str) -> str:
    """``text`` (English, marked with ``N_`` where it is written) in the page's language;
    a text the catalogs do not hold (a status code of IO, a reason code) as it is."""
    return i18n._(text)
