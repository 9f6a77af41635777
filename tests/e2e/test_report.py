"""``io-batch report`` as a subprocess, after a real send and verify against the sandbox
on 127.0.0.1; the ``[output] report = true`` hook; the page rendered by a headless
chromium to a PNG (slow, skipped when no browser is installed)."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from batch.models import NEEDS_ATTENTION
from batch.sandbox import SandboxConfig
from tests.helpers.e2e import population, read_rows, run_io_batch, write_csv, write_job
from tests.helpers.html_report import number, parse_report

pytestmark = pytest.mark.e2e

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def campaign_with_reports(sandbox_factory: Any, folder: Path) -> tuple[Path, Path]:
    """A send throttled by a gateway stricter than the job's budget, then a verify, both
    with ``[output] report = true`` (IO fails a fifth of the messages); returns the job
    and the results file."""
    sandbox = sandbox_factory(
        SandboxConfig(rate_calls=20, rate_window=1.0, processing_delay=0.1, failed_ratio=0.2)
    )
    codes = population(40, seed=18)
    rows = [[code, f"Nome{index}"] for index, code in enumerate(codes)]
    rows.append(["RSSMRA85T10A562X", "Sbagliato"])  # a wrong check character: invalid
    write_csv(folder / "input.csv", ["codice_fiscale", "nome"], rows)
    job = write_job(folder, base_url=sandbox.base_url, calls=40, window=1.0)
    text = job.read_text(encoding="utf-8").replace(
        'path = "results.csv"', 'path = "results.csv"\nreport = true'
    )
    job.write_text(text, encoding="utf-8")
    sent = run_io_batch(["send", str(job)])
    assert sent.code == 1, sent.stderr  # the invalid row needs attention
    return job, folder / "results.csv"


def test_send_and_verify_write_the_report_when_the_job_asks(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    job, results = campaign_with_reports(sandbox_factory, tmp_path)
    report = tmp_path / "results.report.html"
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    summary = json.loads((tmp_path / "results.summary.json").read_text())
    assert summary["throttled"] > 0, "the stricter gateway should have answered 429"
    assert sum(pause["answers"] for pause in summary["pauses"]) == summary["throttled"]
    assert (
        summary["calls_by_operation"]["profile"] + summary["calls_by_operation"]["submit"]
        == summary["calls"]
    )
    page = parse_report(report)
    outcomes = page.by("outcomes", "data-status")
    counts = Counter(row["status"] for row in read_rows(results))
    assert {status: number(cells[1]) for status, cells in outcomes.items()} == dict(counts)
    assert "verify-section" not in page.elements_with_id

    verified = run_io_batch(["verify", str(results), "--job", str(job), "--wait"])
    assert verified.code in (0, 1), verified.stderr
    page = parse_report(report)  # written again by verify, now with IO's statuses
    verify_rows = read_rows(tmp_path / "results.verify.csv")
    statuses = Counter(row["message_status"] or row["note_code"] for row in verify_rows)
    shown = page.by("verify-message-status", "data-status")
    assert {name: number(cells[1]) for name, cells in shown.items()} == dict(statuses)
    funnel = page.by("funnel", "data-step")
    assert number(funnel["PROCESSED by IO"][1]) == statuses["PROCESSED"]
    # the rows that need attention by their status, and the messages IO failed
    assert statuses["FAILED"] > 0, "the sandbox should have failed some messages"
    attention = sum(counts[status.value] for status in NEEDS_ATTENTION)
    attention += statuses["FAILED"] + statuses["REJECTED"]
    assert number(page.cards["need attention"]) == attention
    runs = page.by("runs", "data-fact")
    assert runs["run id"][1:] == [summary["run_id"]]
    assert runs["429 answers"][1:] == [str(summary["throttled"])]
    throughput = page.by("throughput", "data-fact")
    assert number(throughput["429 pauses"][1]) == len(summary["pauses"])
    assert number(throughput["messages with a send time"][1]) == counts["sent"]


def test_the_report_command_writes_where_asked_and_says_where(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    job, results = campaign_with_reports(sandbox_factory, tmp_path)
    output = tmp_path / "elsewhere" / "campaign.html"
    ran = run_io_batch(["report", str(results), "--job", str(job), "--output", str(output)])
    assert ran.code == 0, ran.stderr
    assert f"io-batch: report {output}" in ran.stdout
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    html = output.read_text(encoding="utf-8")
    for row in read_rows(results):
        assert row["fiscal_code"] not in html
    missing = run_io_batch(["report", str(tmp_path / "nope.csv"), "--job", str(job)])
    assert missing.code == 3
    assert "results file not found" in missing.stderr


@pytest.mark.slow
def test_a_headless_browser_renders_the_report_to_a_png(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    browser = next((found for name in BROWSERS if (found := shutil.which(name))), None)
    if browser is None:
        pytest.skip("no chromium on this machine (Debian: apt-get install chromium)")
    campaign_with_reports(sandbox_factory, tmp_path)  # the job's hook writes the report
    report = tmp_path / "results.report.html"
    picture = tmp_path / "report.png"
    done = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            f"--screenshot={picture}",
            "--window-size=1200,2400",
            report.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    data = picture.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    assert (width, height) == (1200, 2400)
    assert len(data) > 50_000  # a page with charts and tables, not a blank one
