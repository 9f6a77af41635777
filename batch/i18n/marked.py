"""Texts marked with ``N_`` where they are defined, translated where they are shown.

A constant (``PAST_MESSAGE = N_("...")``) is made at import time, before the process
knows its language; the catalogs hold it because ``N_`` marks it, and :func:`translated`
gives it in the process's language at the moment it is shown. ``_()`` itself takes only
literals (a test holds it to that), so that nothing unmarked is passed off as translated.
"""

from __future__ import annotations

from batch import i18n


def translated(marked: str) -> str:
    """``marked`` (a text marked with ``N_``) in the process's language."""
    return i18n._(marked)
