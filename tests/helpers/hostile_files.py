"""Hostile input files, each with exactly what io-batch must make of it.

Every case is a file as real offices export them when something went wrong (a stray
quote, lone CRs, a NUL byte, two encodings, invisible control characters, Excel's
``sep=;`` line, a huge cell) plus the verdict: the results row (status, reason code) of
every physical data line, the messages the sandbox must have stored (fiscal code and
the row's own values), or the file error that stops the job before any call.

The end-to-end test (``tests/e2e/test_hostile_files.py``) runs ``io-batch send`` over
each case against the sandbox. To add a case, write a function that returns a
``HostileCase`` and append it to ``CASES``: the ``Rows`` builder numbers the physical
lines, so an expectation is written next to the line it is about.

    .venv/bin/python -m tests.helpers.hostile_files OUT_DIR     # write the files, to look at them
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from batch.identifiers.fiscal_code import generate
from batch.identifiers.text import trim

SUBJECT = "Avviso per {nome}: scadenza"
MARKDOWN = (
    "Gentile {nome}, questo è un messaggio di prova inviato da io-batch "
    "per verificare il percorso completo di invio. {note}"
)
HEADER = ("codice_fiscale", "nome", "note")

SENT = "sent"
INVALID = "invalid"
ACCEPTED = "submit.accepted"


@dataclass(frozen=True)
class Expected:
    """What one physical data line must become."""

    status: str
    reason_code: str = ""  # a sent row's is submit.accepted
    # For a sent row: the values its message is built from (nome, note), as written.
    values: dict[str, str] = field(default_factory=dict)
    fiscal_code: str = ""


@dataclass(frozen=True)
class HostileCase:
    name: str
    data: bytes  # the file exactly as written
    rows: dict[int, Expected]  # physical line -> its results row (every data line but blanks)
    file_error: str | None = None  # a phrase of the file error (exit 3, nothing sent)
    input_options: str = ""  # extra lines of the job's [input] section

    def messages(self) -> list[tuple[str, str, str]]:
        """(fiscal code, subject, markdown) of every message the sandbox must store."""
        out = []
        for expected in self.rows.values():
            if expected.status == SENT:
                values = {"nome": "", "note": "", **expected.values}
                values = {name: trim(value) for name, value in values.items()}
                out.append(
                    (expected.fiscal_code, SUBJECT.format(**values), MARKDOWN.format(**values))
                )
        return out


def sent(code: str, nome: str, note: str = "") -> Expected:
    """A row that must be sent, built from these values of its own."""
    return Expected(SENT, ACCEPTED, {"nome": nome, "note": note}, code)


class Rows:
    """Builds a file line by line, numbering physical lines as an editor (LF) does."""

    def __init__(self, seed: int, separator: str = ";", encoding: str = "utf-8") -> None:
        self._rng = random.Random(seed)
        self.separator = separator
        self.encoding = encoding
        self.data = bytearray()
        self.line = 1  # the physical line the next byte starts
        self.rows: dict[int, Expected] = {}
        self.width = len(HEADER)

    def code(self) -> str:
        return generate(self._rng, omocode_ratio=0.0)

    def raw(self, text: str | bytes, encoding: str | None = None) -> int:
        """Append text as is; returns the physical line it starts on."""
        start = self.line
        data = text if isinstance(text, bytes) else text.encode(encoding or self.encoding)
        self.data += data
        self.line += data.count(b"\n")
        return start

    def header(self, names: tuple[str, ...] = HEADER) -> None:
        self.width = len(names)
        self.raw(self.separator.join(names) + "\n")

    def sent(self, nome: str, note: str = "", *, code: str | None = None) -> str:
        """A well-formed row that must be sent with its own values; returns its code."""
        code = code or self.code()
        cells = (code, nome, note) + ("",) * (self.width - 3)
        line = self.raw(self.separator.join(cells) + "\n")
        self.rows[line] = sent(code, nome, note)
        return code

    def expect(self, line: int, status: str, reason_code: str = "") -> None:
        self.rows[line] = Expected(status, reason_code)

    def case(self, name: str, **options: str) -> HostileCase:
        return HostileCase(name, bytes(self.data), dict(self.rows), **options)


# -- the cases ---------------------------------------------------------------------------


def stray_quotes_span_lines() -> HostileCase:
    """A quote opening a value on one line and one closing it three lines down: one valid
    record for RFC 4180, which would send the first citizen the next ones' data."""
    rows = Rows(seed=1)
    rows.header()
    rows.sent("Anna")
    opened = rows.raw(f'{rows.code()};"Rossi;primo\n')
    rows.expect(opened, INVALID, "csv.multiline_record")  # the lines it took are records
    rows.sent("Verdi")
    rows.sent("Neri")
    closing = rows.code()
    line = rows.raw(f'{closing};Bianchi";ultimo\n')
    rows.rows[line] = sent(closing, 'Bianchi"', "ultimo")
    rows.sent("Gialli")
    return rows.case("stray_quotes_span_lines")


def multiline_note_allowed() -> HostileCase:
    """A line break inside a quoted value of a column the job names: one record, two lines;
    the same in a column it does not name: refused, and the next line read on its own."""
    rows = Rows(seed=2)
    rows.header()
    code = rows.code()
    line = rows.raw(f'{code};Rosa;"prima riga\nseconda riga"\n')
    rows.rows[line] = sent(code, "Rosa", "prima riga\nseconda riga")
    broken = rows.raw(f'{rows.code()};"Carlo\n')
    rows.expect(broken, INVALID, "csv.multiline_record")
    swallowed = rows.code()
    line = rows.raw(f'{swallowed};Lina";fine\n')
    rows.rows[line] = sent(swallowed, 'Lina"', "fine")
    rows.sent("Ugo")
    return rows.case("multiline_note_allowed", input_options='multiline_columns = ["note"]')


def multiline_crlf_file() -> HostileCase:
    """A CRLF file (Excel) whose stray quote spans lines in a column that may not."""
    rows = Rows(seed=3)
    rows.raw(";".join(HEADER) + "\r\n")
    first = rows.code()
    rows.raw(f"{first};Primo;\r\n")
    rows.rows[2] = sent(first, "Primo")
    opened = rows.raw(f'{rows.code()};"Secondo;x\r\n')
    rows.expect(opened, INVALID, "csv.multiline_record")
    third = rows.code()
    line = rows.raw(f'{third};Terzo";y\r\n')
    rows.rows[line] = sent(third, 'Terzo"', "y")
    return rows.case("multiline_crlf_file")


def lone_cr_records() -> HostileCase:
    """Records separated by a lone CR inside an LF file: a file error, nothing sent."""
    rows = Rows(seed=4)
    rows.header()
    rows.sent("Uno")
    rows.raw("\r".join(f"{rows.code()};Nome{i};" for i in range(8)) + "\n")
    rows.sent("Dopo")
    return rows.case("lone_cr_records", file_error="carriage return")


def nul_byte_late() -> HostileCase:
    """A NUL byte at an offset past 100 KiB, well after the first 64 KiB: a file error."""
    rows = Rows(seed=5)
    rows.header(("codice_fiscale", "nome", "note", "riferimento"))
    while len(rows.data) < 104_931:
        rows.raw(f"{rows.code()};Riempitivo;;{'x' * 4000}\n")
    rows.raw(f"{rows.code()};Nu\x00ll;;\n")
    return rows.case("nul_byte_late", file_error="NUL")


def mixed_cp1252_then_utf8() -> HostileCase:
    """Windows-1252 lines first, UTF-8 lines after: no mojibake is ever sent."""
    rows = Rows(seed=6)
    rows.header()
    rows.raw(f"{rows.code()};Niccolò;\n", "cp1252")
    rows.raw(f"{rows.code()};Niccolò;\n", "utf-8")
    return rows.case("mixed_cp1252_then_utf8", file_error="mixes encodings")


def mixed_utf8_then_cp1252() -> HostileCase:
    rows = Rows(seed=7)
    rows.header()
    rows.raw(f"{rows.code()};Niccolò;\n", "utf-8")
    rows.raw(f"{rows.code()};Niccolò;\n", "cp1252")
    return rows.case("mixed_utf8_then_cp1252", file_error="mixes encodings")


def control_characters() -> HostileCase:
    """Invisible characters in values that reach a message: each row refused with a reason;
    a tab is ordinary blank space and goes through."""
    rows = Rows(seed=8)
    rows.header()
    rows.sent("Prima")
    for name, code in (
        ("Be\x07ll", "text.control"),  # C0: BEL
        ("Ve\x0bt", "text.control"),  # C0: vertical tab (a line break for some programs)
        ("De\x7fl", "text.control"),  # DEL
        ("Ne\x85l", "text.control"),  # C1: NEXT LINE
        ("Cs\x9bi", "text.control"),  # C1: CSI, starts terminal escape sequences
        ("Ls\u2028ep", "text.control"),  # LINE SEPARATOR: a line break in a one-line value
        ("Evil\u202etxt.exe", "text.bidi"),  # RIGHT-TO-LEFT OVERRIDE
        ("Iso\u2066late\u2069", "text.bidi"),  # LEFT-TO-RIGHT ISOLATE ... POP
        ("Emb\u202aed", "text.bidi"),  # LEFT-TO-RIGHT EMBEDDING
    ):
        line = rows.raw(f"{rows.code()};{name};\n")
        rows.expect(line, INVALID, code)
    note_line = rows.raw(f"{rows.code()};Nota;testo\x1bnascosto\n")  # ESC in the note
    rows.expect(note_line, INVALID, "text.control")
    rows.sent("Con\ttab")
    rows.sent("Ultima")
    return rows.case("control_characters")


def comma_header_semicolon_file() -> HostileCase:
    """A ';' file whose header has more commas (inside a name) than semicolons."""
    rows = Rows(seed=9)
    rows.header(("codice_fiscale", "nome", "note", "Indirizzo, CAP, Città, Provincia, Stato"))
    for name in ("Aldo", "Bice", "Caio"):
        code = rows.code()
        line = rows.raw(f"{code};{name};;Via Roma 1 00100 Roma RM IT\n")
        rows.rows[line] = sent(code, name)
    return rows.case("comma_header_semicolon_file")


def excel_sep_line() -> HostileCase:
    """Excel's ``sep=;`` first line: the header is line 2 and line numbers stay physical."""
    rows = Rows(seed=10)
    rows.raw("sep=;\n")
    rows.header(("codice_fiscale", "nome", "note", "Indirizzo, CAP, Città, Provincia, Stato"))
    rows.sent("Dario")
    bad = rows.raw(f"{rows.code()};Elio;;a;b\n")
    rows.expect(bad, INVALID, "csv.field_count")
    rows.sent("Fabio")
    return rows.case("excel_sep_line")


def huge_value() -> HostileCase:
    """A 9 MB value (longer than a read chunk) in a 4-row file: refused early; the
    other rows are sent, each with its own values."""
    rows = Rows(seed=11)
    rows.header()
    rows.sent("Gino")
    line = rows.raw(f"{rows.code()};Huge;{'y' * 9_000_000}\n")
    rows.expect(line, INVALID, "csv.too_long")
    rows.sent("Ivo")
    line = rows.raw(f'{rows.code()};Lungo;"{"z" * 40_000}"\n')
    rows.expect(line, INVALID, "csv.too_long")
    rows.sent("Leo")
    return rows.case("huge_value")


def look_alike_codes() -> HostileCase:
    """Fiscal codes with characters that upper-case into ASCII letters (U+017F -> ``S``,
    U+0131 -> ``I``, U+FB00 -> ``FF``): each would reach another citizen; refused as written."""
    rows = Rows(seed=12)
    rows.header()
    rows.sent("Prima")
    for real, fake in (("S", "\u017f"), ("I", "\u0131"), ("FF", "\ufb00")):
        code = rows.code()
        while real not in code[:6]:
            code = rows.code()
        line = rows.raw(f"{code[:6].replace(real, fake, 1)}{code[6:]};Sosia;\n")
        rows.expect(line, INVALID, "fiscal_code.format")
    line = rows.raw(f"{rows.code()[:15]}\uff21;Largo;\n")  # a fullwidth A as check letter
    rows.expect(line, INVALID, "fiscal_code.format")
    rows.sent("Ultima")
    return rows.case("look_alike_codes")


def formula_header() -> HostileCase:
    """Column names that a spreadsheet would run as formulas: the results header is safe."""
    rows = Rows(seed=13)
    rows.header(("codice_fiscale", "nome", "note", '=HYPERLINK("x")', "+1", "-1", "@SUM(A1)"))
    rows.sent("Zeno")
    code = rows.code()
    line = rows.raw(f"{code};Yuri;;=cmd|' /C calc'!A0;+2;-3;@x\n")
    rows.rows[line] = sent(code, "Yuri")
    return rows.case("formula_header")


def stray_quotes_in_an_allowed_column() -> HostileCase:
    """Issue 25: ``multiline_columns = ["nome"]`` and a stray quote on line 5 and one on
    line 9. Read as RFC 4180 says, line 5's citizen would get lines 6-9's codes and names;
    the value is refused because its lines are records, and each is read on its own."""
    rows = Rows(seed=14)
    rows.header()
    for name in ("Anna", "Bruno", "Carla"):
        rows.sent(name)
    opened = rows.raw(f'{rows.code()};"Dario;quinta\n')
    rows.expect(opened, INVALID, "csv.multiline_record")
    for name in ("Elena", "Fabio", "Gino"):
        rows.sent(name)
    closing = rows.code()
    line = rows.raw(f'{closing};Ivo";nona\n')
    rows.rows[line] = sent(closing, 'Ivo"', "nona")
    rows.sent("Lia")
    return rows.case(
        "stray_quotes_in_an_allowed_column", input_options='multiline_columns = ["nome"]'
    )


def prose_in_a_column_that_allows_no_line_break() -> HostileCase:
    """A name over two lines whose second line is no record: ``csv.multiline`` (it names
    ``multiline_columns``), and the second line read on its own (too few fields)."""
    rows = Rows(seed=15)
    rows.header()
    rows.sent("Prima")
    opened = rows.raw(f'{rows.code()};"Anna\nMaria";nota\n')
    rows.expect(opened, INVALID, "csv.multiline")
    rows.expect(opened + 1, INVALID, "csv.field_count")
    rows.sent("Ultima")
    return rows.case("prose_in_a_column_that_allows_no_line_break")


def multiline_column_no_template_uses() -> HostileCase:
    """``multiline_columns`` names a header column the templates do not use: accepted (the
    dry run said "has no column" before issue 25), and its value may span lines."""
    rows = Rows(seed=16)
    rows.header(("codice_fiscale", "nome", "note", "riferimento"))
    rows.sent("Piero")
    code = rows.code()
    line = rows.raw(f'{code};Rita;;"Via Roma 1\nPiano 2"\n')
    rows.rows[line] = sent(code, "Rita")
    rows.sent("Sara")
    return rows.case(
        "multiline_column_no_template_uses", input_options='multiline_columns = ["riferimento"]'
    )


def long_value_closed() -> HostileCase:
    """A properly closed note of 250 lines: one refused row for its length (before issue 25
    it was "never closed" and each of its lines a row), and the rows after it are sent."""
    rows = Rows(seed=17)
    rows.header()
    rows.sent("Prima")
    body = "".join(f"riga {n} della nota\n" for n in range(249)) + "ultima riga"
    line = rows.raw(f'{rows.code()};Lunga;"{body}"\n')
    rows.expect(line, INVALID, "csv.too_many_lines")
    rows.sent("Dopo")
    return rows.case("long_value_closed", input_options='multiline_columns = ["note"]')


def long_value_runs_into_records() -> HostileCase:
    """A quote opened in an allowed column, 210 lines of prose, then records and a stray
    quote: refused as soon as a record is met past the bound, every line read again."""
    rows = Rows(seed=18)
    rows.header()
    opened = rows.raw(f'{rows.code()};Aperta;"inizio\n')
    rows.expect(opened, INVALID, "csv.multiline_record")
    for n in range(210):
        line = rows.raw(f"testo {n}\n")
        rows.expect(line, INVALID, "csv.field_count")
    rows.sent("Carlo")
    closing = rows.code()
    line = rows.raw(f'{closing};Dora;fine"\n')
    rows.rows[line] = sent(closing, "Dora", 'fine"')
    return rows.case("long_value_runs_into_records", input_options='multiline_columns = ["note"]')


CASES: list[Callable[[], HostileCase]] = [
    stray_quotes_span_lines,
    multiline_note_allowed,
    multiline_crlf_file,
    lone_cr_records,
    nul_byte_late,
    mixed_cp1252_then_utf8,
    mixed_utf8_then_cp1252,
    control_characters,
    comma_header_semicolon_file,
    excel_sep_line,
    huge_value,
    look_alike_codes,
    formula_header,
    stray_quotes_in_an_allowed_column,
    prose_in_a_column_that_allows_no_line_break,
    multiline_column_no_template_uses,
    long_value_closed,
    long_value_runs_into_records,
]


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path("hostile-files")
    folder.mkdir(parents=True, exist_ok=True)
    for make in CASES:
        case = make()
        (folder / f"{case.name}.csv").write_bytes(case.data)
        print(f"{case.name}.csv: {len(case.data):,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
