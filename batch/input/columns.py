"""The job's column names looked up in one file's header: the one lookup, used everywhere.

Names match by ``input/names.py``'s rule (case, accents, blanks, ``_`` and ``-`` do not
matter: ``Codice Fiscale`` finds ``codice_fiscale``), but a name
that matches two header names is an error, never a guess: taking either could put one
citizen's data into another's message.
"""

from __future__ import annotations

from collections.abc import Sequence

from batch.errors import InputError
from batch.i18n import _
from batch.input.names import normalise_name


class HeaderColumns:
    """A file's header names, looked up by the job's column names."""

    def __init__(self, header: Sequence[str], source: str = "the input") -> None:
        """``source`` names the file in errors."""
        self.header = list(header)
        self._source = source
        self._by_name: dict[str, list[str]] = {}
        for name in self.header:
            self._by_name.setdefault(normalise_name(name), []).append(name)

    def __contains__(self, name: object) -> bool:
        """Does some header name match ``name`` (ambiguously or not)?"""
        return isinstance(name, str) and normalise_name(name) in self._by_name

    def resolve(self, name: str) -> str:
        """The file's own header name for the job's column ``name``.

        The one match by ``names``' rule. Raises ``InputError`` when there is none, or
        more than one.
        """
        matches = self._by_name.get(normalise_name(name), [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            # Even when one of them is spelled exactly as the job does: an office that
            # has both "Codice Fiscale" and "codice_fiscale" must say which one is meant.
            listed = repr(matches[0])
            for other in matches[1:]:
                listed = _("{left} and {right}").format(left=listed, right=repr(other))
            raise InputError(
                _(
                    "column {name} is ambiguous in {source}: the columns {columns} both match it"
                ).format(name=repr(name), source=self._source, columns=listed),
                hint=_("rename or remove one of them in the file"),
            )
        raise InputError(
            _("{source} has no column {name}; its columns are: {columns}").format(
                source=self._source, name=repr(name), columns=self.listing()
            ),
            hint=_("rename the column in the CSV, or change [columns] / the templates in the job"),
        )

    def listing(self) -> str:
        """The header names, quoted, for a message."""
        return ", ".join(repr(name) for name in self.header)
