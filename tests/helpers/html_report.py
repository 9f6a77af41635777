"""Reading an io-batch HTML report back with the standard library's html.parser:
its tables (by id, row by row, with each row's data-* attributes), every text, and
every place a browser could load something from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

URL_IN_CSS = re.compile(r"url\(\s*['\"]?([^'\")]*)", re.IGNORECASE)
LOADING_ATTRIBUTES = {"src", "href", "xlink:href", "srcset", "poster", "data", "action"}


@dataclass
class Row:
    attrs: dict[str, str]
    cells: list[str] = field(default_factory=list)


@dataclass
class ParsedReport:
    tables: dict[str, list[Row]] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    loads: list[str] = field(default_factory=list)  # src/href values and CSS url(...)
    tags: set[str] = field(default_factory=set)
    cards: dict[str, str] = field(default_factory=dict)
    elements_with_id: set[str] = field(default_factory=set)
    captions: list[str] = field(default_factory=list)  # each figure's caption, in order
    header_scopes: list[str] = field(default_factory=list)  # each <th>'s scope ("" if none)

    def table(self, name: str) -> list[Row]:
        return self.tables[name]

    def by(self, name: str, key: str) -> dict[str, list[str]]:
        """Rows of a table keyed by one of their data-* attributes."""
        return {row.attrs[key]: row.cells for row in self.tables[name] if key in row.attrs}

    def text(self) -> str:
        return " ".join(self.texts)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.report = ParsedReport()
        self._table: str | None = None
        self._row: Row | None = None
        self._cell: list[str] | None = None
        self._card: str | None = None
        self._in_style = False
        self._caption: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.report.tags.add(tag)
        if "id" in values:
            self.report.elements_with_id.add(values["id"])
        for name, value in values.items():
            if name in LOADING_ATTRIBUTES:
                self.report.loads.append(value)
            if name == "style":
                self.report.loads.extend(URL_IN_CSS.findall(value))
        if tag == "style":
            self._in_style = True
        if tag == "th":
            self.report.header_scopes.append(values.get("scope", ""))
        if tag == "figcaption":
            self._caption = []
        if tag == "table":
            self._table = values.get("id", "")
            self.report.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = Row({k: v for k, v in values.items() if k.startswith("data-")})
            self.report.tables[self._table].append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        if "data-card" in values:
            self._card = values["data-card"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False
        if tag == "figcaption" and self._caption is not None:
            self.report.captions.append(" ".join("".join(self._caption).split()))
            self._caption = None
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.cells.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.report.loads.extend(URL_IN_CSS.findall(data))
            return
        self.report.texts.append(data)
        if self._caption is not None:
            self._caption.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._card is not None and data.strip():
            self.report.cards[self._card] = data.strip()
            self._card = None


def parse_report(path: Path) -> ParsedReport:
    parser = _Parser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.report


def number(cell: str) -> int:
    """``"1,234"`` -> 1234."""
    return int(cell.replace(",", ""))
