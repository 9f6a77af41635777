"""``[output] report = true``: the hook the app layer runs once send and verify ended."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from batch import cli
from batch.common.report_requests import ReportRequest, request_report, take_requested
from batch.config.job import load_job
from batch.errors import ConfigError, ExitCode
from batch.report import hook
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


def _parser_running(command: object) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    parser.set_defaults(func=command, log_format="console", log_level="error")
    return parser


@pytest.mark.parametrize("fails", [False, True])
def test_the_cli_makes_the_reports_the_runs_asked_for_once_the_command_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: bool
) -> None:
    """send and verify only ask (they come before report); the app layer makes them, in
    order, when the command returns, and also when a later run (a later shard) failed."""
    made: list[ReportRequest] = []
    monkeypatch.setattr(hook, "make_report", made.append)
    first = ReportRequest(tmp_path / "job.toml", tmp_path / "results.shard-1-of-2.csv")
    second = ReportRequest(tmp_path / "job.toml", tmp_path / "results.csv", tmp_path / "v.csv")

    def command(_: argparse.Namespace) -> int:
        request_report(first)
        if fails:
            raise ConfigError("shard 2 of 2 could not start")
        request_report(second)
        assert made == []  # nothing is made inside the command
        return 0

    monkeypatch.setattr(cli, "build_parser", lambda: _parser_running(command))
    code = cli.main([])
    assert code == (ExitCode.CONFIG_ERROR if fails else ExitCode.OK)
    assert made == ([first] if fails else [first, second])
    assert take_requested() == []  # each made once
