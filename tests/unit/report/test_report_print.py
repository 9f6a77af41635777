"""The report printed to PDF by a headless chromium, read back page by page with
pdftotext: a table longer than a page goes on under its repeated header and no row is
cut in two; a short table and a chart stay whole. Slow; skipped without the tools,
except under CI."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from batch.config.job import load_job
from batch.i18n import use_language
from batch.identifiers.fiscal_code import generate
from batch.report.command import write_report
from tests.helpers.printing import printed_pages
from tests.helpers.report_campaign import JOB_TOML, write_results

#: A row of the invalid-reasons table as pdftotext lays it out: the code, its count and
#: the first example line (the chart and the outcomes table name codes too).
ROW = r"column_(\d\d)\.bad\s+6\s+.*reason \d\d case 0"
REASONS = 30  # each with 5 example lines of different texts: several A4 pages of table


def _long_campaign_printed(folder: Path) -> list[str]:
    """A campaign of 30 invalid reasons with 6 rows each, reported in the process's
    language and printed: its pages' text."""
    plan = [("sent", "submit.accepted", "accepted", second) for second in range(8)]
    for reason in range(REASONS):
        plan += [
            ("invalid", f"column_{reason:02d}.bad", f"reason {reason:02d} case {case}", None)
            for case in range(6)
        ]
    (folder / "job.toml").write_text(JOB_TOML, encoding="utf-8")
    codes = [generate(random.Random(seed)) for seed in range(len(plan))]
    results = folder / "results.csv"
    write_results(results, codes, "20260302T100000Z-abcdef", plan)
    output = write_report(load_job(folder / "job.toml"), [results])
    return printed_pages(output)


@pytest.mark.slow
def test_a_long_table_prints_under_its_header_on_every_page_and_no_row_is_cut(
    tmp_path: Path,
) -> None:
    pages = _long_campaign_printed(tmp_path)
    assert len(pages) >= 3
    carrying = [page for page in pages if re.search(ROW, page)]
    assert len(carrying) >= 2, "the table should run over more than one page"
    for page in carrying:  # the header repeated above the rows of every page
        assert re.search(r"reason code\s+rows\s+first lines", page), page[:400]
    for reason in range(REASONS):  # a row whole on one page: its code and all 5 lines
        code = f"column_{reason:02d}.bad"
        holding = [page for page in pages if re.search(ROW.replace(r"\d\d", f"{reason:02d}"), page)]
        assert len(holding) == 1, code
        assert all(f"reason {reason:02d} case {case}" in holding[0] for case in range(5))
    # the short tables whole: every fact of the runs table on one page
    runs = [page for page in pages if "input digest" in page]
    assert len(runs) == 1 and "approved by" in runs[0] and "results file" in runs[0]


@pytest.mark.slow
def test_in_italian_the_longer_labels_print_and_no_table_is_cut(tmp_path: Path) -> None:
    use_language("it")
    pages = _long_campaign_printed(tmp_path)
    text = "\n".join(pages)
    for words in (
        "Report della campagna: tari",
        "Percorso delle righe",
        "Righe non valide per motivo",
        "Invii nel tempo",
        "Esecuzioni",
        "non carica nulla dalla rete",
    ):
        assert words in text, words
    carrying = [page for page in pages if re.search(ROW, page)]
    assert len(carrying) >= 2, "the table should run over more than one page"
    for page in carrying:  # the Italian header repeated above the rows of every page
        header = r"codice motivo\s+righe\s+prime righe \(codici fiscali mascherati\)"
        assert re.search(header, page), page[:400]  # and on one line
    for reason in range(REASONS):  # a row whole on one page: its code and all 5 lines
        holding = [page for page in pages if re.search(ROW.replace(r"\d\d", f"{reason:02d}"), page)]
        assert len(holding) == 1, reason
        assert all(f"riga {line}" in holding[0] for line in _lines_of(reason))
    # the short tables whole: every fact of the runs and throughput tables on one page
    runs = [page for page in pages if "impronta del file (SHA-256)" in page]
    assert len(runs) == 1 and "approvata da" in runs[0] and "file dei risultati" in runs[0]
    facts = [page for page in pages if "messaggi con un orario di invio" in page]
    assert len(facts) == 1 and "risposte 429 (limite di chiamate superato)" in facts[0]
    # the funnel's row names each on one line (not "raggiungibili" over "su IO")
    assert any(re.search(r"raggiungibili su IO\s+8", page) for page in pages)


def _lines_of(reason: int) -> list[int]:
    """The input lines of a reason's first 5 rows: 8 sent rows, then 6 rows per reason,
    from line 2."""
    first = 2 + 8 + 6 * reason
    return list(range(first, first + 5))
