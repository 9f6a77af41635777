"""The report printed to PDF by a headless chromium, read back page by page with
pdftotext: a table longer than a page goes on under its repeated header and no row is
cut in two; a short table and a chart stay whole. Slow; skipped without the tools,
except under CI."""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from batch.config.job import load_job
from batch.identifiers.fiscal_code import generate
from batch.report.command import write_report
from tests.helpers.report_campaign import JOB_TOML, write_results

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: A row of the invalid-reasons table as pdftotext lays it out: the code, its count and
#: the first example line (the chart and the outcomes table name codes too).
ROW = r"column_(\d\d)\.bad\s+6\s+.*reason \d\d case 0"
REASONS = 30  # each with 5 example lines of different texts: several A4 pages of table


def tool(*names: str) -> str:
    found = next((path for name in names if (path := shutil.which(name))), None)
    if found is None:
        message = f"{names[0]} is not installed (Debian: chromium, poppler-utils)"
        if os.environ.get("CI"):
            pytest.fail(message)  # .ci/run installs both: there the test must run
        pytest.skip(message)
    return found


def printed_pages(html: Path) -> list[str]:
    pdf = html.with_suffix(".pdf")
    subprocess.run(
        [
            tool(*BROWSERS),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    text = subprocess.run(
        [tool("pdftotext"), "-layout", str(pdf), "-"],
        capture_output=True,
        timeout=60,
        check=True,
        text=True,
    ).stdout
    return text.split("\f")[:-1]  # a form feed ends every page


@pytest.mark.slow
def test_a_long_table_prints_under_its_header_on_every_page_and_no_row_is_cut(
    tmp_path: Path,
) -> None:
    plan = [("sent", "submit.accepted", "accepted", second) for second in range(8)]
    for reason in range(REASONS):
        plan += [
            ("invalid", f"column_{reason:02d}.bad", f"reason {reason:02d} case {case}", None)
            for case in range(6)
        ]
    (tmp_path / "job.toml").write_text(JOB_TOML, encoding="utf-8")
    codes = [generate(random.Random(seed)) for seed in range(len(plan))]
    results = tmp_path / "results.csv"
    write_results(results, codes, "20260302T100000Z-abcdef", plan)
    output = write_report(load_job(tmp_path / "job.toml"), [results])
    pages = printed_pages(output)
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
