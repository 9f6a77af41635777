"""Benchmark of the dry run of an ``.ods``: rows per second and peak memory, 200k and 1M rows.

    .venv/bin/python -m tests.benchmarks.ods_bench                        # 200k and 1M rows
    .venv/bin/python -m tests.benchmarks.ods_bench --rows 200000 --repeat 1
    .venv/bin/python -m tests.benchmarks.ods_bench --keep /tmp/bench   # keep the workbooks

It turns ``validate_bench``'s realistic recipients (Italian names, 0.5% typos, 0.1%
repeated rows) into an ``.ods`` laid out as LibreOffice Calc 7.4 saves one (compare
tests/fixtures/ods, which LibreOffice made): text fiscal codes, names and notice
numbers; the year and the amount as number cells (the amount formatted with two
decimals, shown ``12,50``); the due date as a date cell shown ``16/12/2026``; each cell
with its shown text, and below the data the formatted empty rows LibreOffice writes as
one row repeated to the sheet's end (1,048,576 rows). Writing it directly is much faster
than LibreOffice's own save of a million rows, and the reader sees the same XML.

Then it times ``dryrun.run_validate`` on it, each run in a fresh process (``validate_bench``'s
``run``: a measuring process reads the child's peak RSS from ``RUSAGE_CHILDREN``), and
prints both against the 500 MB target.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import polars as pl

from tests.benchmarks.validate_bench import generate, run

TARGET_MB = 500
SHEET_ROWS = 1_048_576
_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
    'office:version="1.3"><office:automatic-styles>'
    '<style:style style:name="ta1" style:family="table" style:master-page-name="Default">'
    '<style:table-properties table:display="true" style:writing-mode="lr-tb"/></style:style>'
    '<number:number-style style:name="N2"><number:number number:decimal-places="2" '
    'number:min-integer-digits="1"/></number:number-style>'
    '<number:date-style style:name="N37"><number:day number:style="long"/><number:text>/'
    '</number:text><number:month number:style="long"/><number:text>/</number:text>'
    '<number:year number:style="long"/></number:date-style>'
    '<style:style style:name="ce1" style:family="table-cell" style:parent-style-name="Default" '
    'style:data-style-name="N2"/><style:style style:name="ce2" style:family="table-cell" '
    'style:parent-style-name="Default" style:data-style-name="N37"/>'
    '<style:style style:name="ro1" style:family="table-row"><style:table-row-properties '
    'style:row-height="0.452cm" fo:break-before="auto" style:use-optimal-row-height="true" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"/></style:style>'
    "</office:automatic-styles><office:body><office:spreadsheet>"
    '<table:table table:name="Destinatari" table:style-name="ta1">'
    '<table:table-column table:number-columns-repeated="6" '
    'table:default-cell-style-name="Default"/>'
)


def _text(value: str) -> str:
    return (
        '<table:table-cell office:value-type="string" calcext:value-type="string">'
        f"<text:p>{escape(value)}</text:p></table:table-cell>"
    )


def write_ods(csv: Path, target: Path) -> int:
    """The recipients as an .ods; returns the number of data rows."""
    frame = pl.read_csv(csv, separator=";", infer_schema=False)
    rows = 0
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        with archive.open("content.xml", "w", force_zip64=True) as raw:
            raw.write(_HEAD.encode())
            raw.write(("<table:table-row>" + "".join(map(_text, frame.columns))).encode())
            raw.write(b"</table:table-row>")
            for batch in frame.iter_slices(50_000):
                parts = []
                for code, name, year, amount, _due, notice in batch.iter_rows():
                    euros = amount.replace(",", ".")
                    parts.append(
                        '<table:table-row table:style-name="ro1">'
                        f"{_text(code)}{_text(name)}"
                        f'<table:table-cell office:value-type="float" office:value="{year}" '
                        f'calcext:value-type="float"><text:p>{year}</text:p></table:table-cell>'
                        '<table:table-cell table:style-name="ce1" office:value-type="float" '
                        f'office:value="{float(euros)!r}" calcext:value-type="float">'
                        f"<text:p>{amount}</text:p></table:table-cell>"
                        '<table:table-cell table:style-name="ce2" office:value-type="date" '
                        'office:date-value="2026-12-16" calcext:value-type="date">'
                        "<text:p>16/12/2026</text:p></table:table-cell>"
                        f"{_text(notice)}</table:table-row>"
                    )
                rows += batch.height
                raw.write("".join(parts).encode())
            rest = SHEET_ROWS - rows - 1
            raw.write(
                f'<table:table-row table:style-name="ro1" table:number-rows-repeated="{rest}">'
                '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
                "</table:table></office:spreadsheet></office:body></office:document-content>"
                "".encode()
            )
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
            '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type='
            '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
            'manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size (median reported)")
    parser.add_argument("--keep", type=Path, help="a folder to write the workbooks to and keep")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="io-batch-ods-bench-") as folder:
        where = args.keep or Path(folder)
        where.mkdir(parents=True, exist_ok=True)
        for rows in args.rows:
            path = where / f"recipients-{rows}.ods"
            if not path.exists():
                csv = Path(folder) / "recipients.csv"
                started = time.perf_counter()
                generate(csv, rows)
                write_ods(csv, path)
                took = time.perf_counter() - started
                size = path.stat().st_size / 1e6
                print(f"{rows:,} rows: wrote {path.name} ({size:,.0f} MB) in {took:.0f} s")
            runs = [run(path) for _ in range(args.repeat)]
            rates = [r["rows"] / r["elapsed"] for r in runs]
            peaks = [r["peak_rss_mb"] for r in runs]
            verdict = "within" if max(peaks) <= TARGET_MB else "ABOVE"
            print(
                f"  .ods {rows:,} rows: rows/s median {statistics.median(rates):,.0f} "
                f"(runs: {', '.join(f'{rate:,.0f}' for rate in rates)}); peak RSS max "
                f"{max(peaks):,.0f} MB (runs: {', '.join(f'{p:,.0f}' for p in peaks)}), "
                f"{verdict} the {TARGET_MB} MB target; rows {runs[0]['rows']:,}, invalid "
                f"{runs[0]['invalid']:,}, duplicates {runs[0]['duplicates']:,}"
            )


if __name__ == "__main__":
    main()
