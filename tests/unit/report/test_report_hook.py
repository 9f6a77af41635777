"""``[output] report = true``: the hook that send and verify call when they end."""

from __future__ import annotations

from pathlib import Path

import pytest

from batch.config.job import load_job
from batch.report.hook import report_after_run
from tests.helpers.report_campaign import JOB_TOML, Campaign


def test_report_is_off_unless_the_job_says_so(tmp_path: Path, campaign: Campaign) -> None:
    assert campaign.job.report is False
    report_after_run(campaign.job, campaign.results)
    assert not (tmp_path / "results.report.html").exists()


def test_with_report_true_the_hook_writes_it_with_the_verification(
    tmp_path: Path, campaign: Campaign
) -> None:
    (tmp_path / "job.toml").write_text(
        JOB_TOML.replace('state_dir = "state"', 'state_dir = "state"\nreport = true'),
        encoding="utf-8",
    )
    job = load_job(tmp_path / "job.toml")
    assert job.report is True
    report_after_run(job, campaign.results, verify=campaign.verify)
    html = (tmp_path / "results.report.html").read_text(encoding="utf-8")
    assert 'id="verify-section"' in html


@pytest.mark.usefixtures("campaign")
def test_a_report_that_cannot_be_written_is_logged_not_raised(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "job.toml").write_text(
        JOB_TOML.replace('state_dir = "state"', 'state_dir = "state"\nreport = true'),
        encoding="utf-8",
    )
    job = load_job(tmp_path / "job.toml")
    report_after_run(job, tmp_path / "missing.csv")  # no such results: an InputError inside
    captured = capfd.readouterr()  # the report runs in a child process: its file descriptors
    assert "report.failed" in captured.out + captured.err
    assert "results file not found" in captured.out + captured.err
