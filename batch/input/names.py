"""How the job's column names meet the file's header names: forgiving, and explicit.

Two names are the same column when they agree after these steps, in this order:

1. a byte-order mark anywhere in the name is dropped (Excel leaves one on the first name);
2. compatibility decomposition (NFKD), then ``str.casefold()``: case does not matter, and
   case folding is Unicode's, so the German ``ß`` matches ``ss`` (``STRASSE`` is how
   ``Straße`` is written in capitals), and ligatures and full-width letters are letters;
3. NFKD again, then every combining mark is dropped: accents do not matter
   (``Città`` = ``citta``);
4. every blank (any Unicode white space), ``_`` and ``-`` is dropped: ``codice_fiscale`` =
   ``Codice Fiscale`` = ``CODICE-FISCALE`` = ``codicefiscale``.

Nothing else is ignored: a dot, a digit or another dash (U+2013) still tells names apart.
The rule only ever compares column *names*; cell values (fiscal codes above all) are
never folded this way. When two header columns match one name the job uses, the input is
refused with both names (``read.InputFile.resolve``): guessing could send the wrong data.
"""

from __future__ import annotations

import unicodedata

#: Characters that never tell two column names apart, besides white space.
_IGNORED = frozenset("_-\ufeff")


def normalise_name(name: str) -> str:
    """The comparison key of a column name (see the module's rule)."""
    # NFKD on both sides of the folding: a compatibility letter (full-width, mathematical)
    # may decompose into a capital, and a folded letter may decompose further.
    decomposed = unicodedata.normalize("NFKD", name.replace("\ufeff", ""))
    folded = unicodedata.normalize("NFKD", decomposed.casefold())
    return "".join(
        char
        for char in folded
        if not unicodedata.combining(char) and not char.isspace() and char not in _IGNORED
    )
