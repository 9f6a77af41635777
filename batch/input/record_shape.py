"""Does a line inside a quoted value look like a record of the file of its own?

A quoted value that runs over line ends is what a stray quote does: it glues the next
lines, other citizens' records, into one value, and a message built from it would send
one citizen the next ones' fiscal codes, names and amounts. A value the office really
wrote over several lines (a note in a column of ``input.multiline_columns``) holds
prose. So a line of such a value is taken for a record, and the value refused
(``csv.multiline_record``), when the line, split on the file's separator, has

- a valid fiscal code as one of its fields (the strongest sign: a citizen's record), or
- exactly as many fields as the header, read as a record of its own (quotes count: an
  address line ``Interno 2","1,234.56",...`` has a separator inside quotes), which is
  a record whose code has a typo, or is blank.

Both err on the side of refusing: a note line that has the header's number of
separators is refused with a reason that says why, and can be rewritten; a swallowed
record can never be taken back once sent.
"""

from __future__ import annotations

from batch.i18n import _, format_number
from batch.identifiers import fiscal_code
from batch.input.quoted import RecordScan

#: A fiscal code is 16 characters: a longer field needs a look only once trimmed.
_CODE_LENGTH = 16


class RecordShape:
    """The shape of one file's records: its separator and its header's field count."""

    def __init__(self, separator: str, columns: int) -> None:
        self._separator = separator
        self._columns = columns

    def why_a_record(self, line: str) -> str | None:
        """Why ``line`` (a physical line, its end included) looks like a record; None if
        it does not."""
        if len(line) < _CODE_LENGTH and line.count(self._separator) + 1 < self._columns:
            return None  # the common short line of prose: too short for a code, too few fields
        text = line.rstrip("\r\n")
        fields = text.split(self._separator)
        # Quotes only ever join fields: fewer separators than the header's is never a match.
        could_match = len(fields) == self._columns or (len(fields) > self._columns and '"' in text)
        if could_match and self._fields_alone(text) == self._columns:
            return _("it has {count} fields, as the header").format(
                count=format_number(self._columns)
            )
        for field in fields:
            if len(field) < _CODE_LENGTH:
                continue
            if fiscal_code.is_valid(fiscal_code.normalise(field.strip().strip('"'))):
                return _("it holds a valid fiscal code")
        return None

    def _fields_alone(self, text: str) -> int | None:
        """How many fields csv reads in ``text`` as a record of its own; None if a quote
        opened in it runs past its end."""
        if '"' not in text:
            return text.count(self._separator) + 1
        scan = RecordScan(self._separator)
        scan.feed(text)
        return len(scan.fields) if scan.ended else None
