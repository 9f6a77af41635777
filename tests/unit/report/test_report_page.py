"""``io-batch report`` on a campaign written by hand: every number of the page against
the results, summary and verification files; no fiscal code in clear; nothing loaded
from anywhere; owner-only; charts or, without the extra, tables and a notice."""

from __future__ import annotations

import stat
from collections import Counter
from html import escape

import pytest

from batch.errors import InputError
from batch.report.command import default_output
from batch.report.sources import follow_chain
from tests.helpers.html_report import number
from tests.helpers.report_campaign import (
    DIGEST,
    NAME,
    PLAN,
    UNKNOWN,
    Campaign,
    write_results,
    write_summary,
)


def test_the_funnel_counts_every_step_from_the_results_and_the_verification(
    campaign: Campaign,
) -> None:
    _, page = campaign.report(verify=campaign.verify)
    funnel = page.by("funnel", "data-step")
    counts = Counter(row["status"] for row in campaign.rows)
    rows = len(campaign.rows)
    valid = rows - counts["invalid"]
    not_excluded = valid - counts["excluded"]
    # reachable: sent, already_sent, and the failed row whose submit was tried
    reachable = counts["sent"] + counts["already_sent"] + 1
    sent = counts["sent"] + counts["already_sent"]
    expected = {
        "rows in the file": rows,
        "valid": valid,
        "not excluded": not_excluded,
        "reachable on IO": reachable,
        "sent to IO": sent,
        "PROCESSED by IO": 5,
        "read": 3,
        "paid": 2,
    }
    assert list(funnel) == list(expected)
    assert {step: number(cells[1]) for step, cells in funnel.items()} == expected
    assert "invalid 3" in funnel["valid"][-1]
    assert "excluded 1" in funnel["not excluded"][-1]
    lost_before_reach = funnel["reachable on IO"][-1]
    for part in ("not_registered 2", "not_allowed 1", "duplicate 1", "failed 1"):
        assert part in lost_before_reach
    assert "failed 1" in funnel["sent to IO"][-1]
    assert "REJECTED 1" in funnel["PROCESSED by IO"][-1]
    assert "throttled 1" in funnel["PROCESSED by IO"][-1]
    assert funnel["read"][3] == "60.0% of PROCESSED by IO"
    assert page.cards == {
        "rows in the file": str(rows),
        "sent to IO": str(sent),
        "PROCESSED by IO": "5",
        # the rows by status, and the message IO REJECTED (its row says sent)
        "need attention": str(counts["invalid"] + counts["failed"] + 1),
    }


def test_outcomes_by_status_match_the_results(campaign: Campaign) -> None:
    _, page = campaign.report()
    outcomes = page.by("outcomes", "data-status")
    counts = Counter(row["status"] for row in campaign.rows)
    assert {status: number(cells[1]) for status, cells in outcomes.items()} == dict(counts)
    assert outcomes["not_registered"][2] == f"{100 * 2 / len(campaign.rows):.1f}%"
    assert "profile.not_found 2" in outcomes["not_registered"][4]
    total = page.table("outcomes")[-1].cells
    assert total[0] == "total" and number(total[1]) == len(campaign.rows)
    # Without a verification file: no IO step, no verify section.
    assert "PROCESSED by IO" not in page.by("funnel", "data-step")
    assert "verify-section" not in page.elements_with_id


def test_invalid_rows_by_reason_with_their_first_lines_and_no_code_in_clear(
    campaign: Campaign,
) -> None:
    _, page = campaign.report()
    reasons = page.by("invalid-reasons", "data-reason")
    invalid = [row for row in campaign.rows if row["status"] == "invalid"]
    expected = Counter(row["reason_code"] for row in invalid)
    assert {code: number(cells[1]) for code, cells in reasons.items()} == dict(expected)
    assert list(reasons) == ["fiscal_code.check_char", "due_date.invalid"]  # most first
    check_char_lines = [
        row["line"] for row in invalid if row["reason_code"] == "fiscal_code.check_char"
    ]
    for line in check_char_lines:
        assert f"line {line} " in reasons["fiscal_code.check_char"][3]
    own = invalid[0]["fiscal_code"]
    masked = own[:3].upper() + "*" * 12 + own[-1].upper()
    assert masked in reasons["fiscal_code.check_char"][3]


def test_no_fiscal_code_and_no_input_cell_appears_in_clear(campaign: Campaign) -> None:
    output, _ = campaign.report(verify=campaign.verify)
    html = output.read_text(encoding="utf-8").upper()
    for code in campaign.codes:
        assert code.upper() not in html
    assert NAME.upper() not in html


def test_nothing_is_loaded_from_anywhere(campaign: Campaign) -> None:
    output, page = campaign.report(verify=campaign.verify)
    html = output.read_text(encoding="utf-8")
    assert all(load.startswith(("#", "data:")) for load in page.loads), page.loads
    assert not [load for load in page.loads if "http://" in load or "https://" in load]
    assert not page.tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert "@import" not in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def test_the_file_is_owner_only_and_beside_the_results_by_default(campaign: Campaign) -> None:
    output, _ = campaign.report()
    assert output == campaign.folder / "results.report.html"
    assert output == default_output(campaign.results)
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    output.chmod(0o644)
    campaign.report()  # written again: owner-only again
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert not list(campaign.folder.glob(".*.tmp"))


def test_throughput_and_run_metadata_match_the_summary_and_the_journal(campaign: Campaign) -> None:
    _, page = campaign.report()
    facts = {row.attrs["data-fact"]: row.cells[1] for row in page.table("throughput")}
    assert number(facts["messages with a send time"]) == 6  # the sent rows (already_sent: none)
    assert facts["chart period"] == "2 s"  # 129 s of sending in at most 90 buckets
    # Counted, never scaled: seconds 1, 2 and 3 are 3 messages in the minute 10:00 (the
    # old page said "peak 60.0 per minute" from the 2 messages of one 2 s bucket).
    assert facts["busiest calendar minute"] == "3 messages (10:00 UTC)"
    assert facts["sending took"] == "2 min 10 s (2026-03-02 10:00:01 to 10:02:10 UTC)"
    assert facts["average rate"] == "2.8 messages per minute"  # 6 in 130 s
    assert number(facts["429 answers (rate limited)"]) == campaign.summary["throttled"]
    assert number(facts["429 pauses"]) == 2
    assert facts["time paused by 429"] == "4 s"
    assert facts["longest pause"] == "3 s from 10:01:01 UTC"
    pauses = page.by("pauses", "data-pause")
    assert list(pauses) == ["2026-03-02T10:01:01", "2026-03-02T10:02:00"]
    assert pauses["2026-03-02T10:01:01"] == ["2026-03-02 10:01:01", "10:01:04", "3 s", "2"]
    runs = {fact: cells[1:] for fact, cells in page.by("runs", "data-fact").items()}
    assert runs["run id"] == [campaign.run_id]
    assert runs["input digest (SHA-256)"] == [DIGEST]  # from the journal
    assert runs["rate budget"] == ["150/5s"]
    assert runs["elapsed"] == ["2 min 32 s"]
    assert runs["API calls"] == ["23"]
    assert runs["calls by operation"] == ["profile 14, submit 9"]
    assert runs["429 answers"] == ["3"]
    assert runs["exit code"] == ["1"]
    assert runs["rows"] == [str(len(PLAN))]
    assert runs["started (UTC)"][0].startswith("20") and runs["finished (UTC)"][0]


def test_verify_statuses_match_the_verification_file(campaign: Campaign) -> None:
    _, page = campaign.report(verify=campaign.verify)
    statuses = page.by("verify-message-status", "data-status")
    assert {name: number(cells[1]) for name, cells in statuses.items()} == {
        "PROCESSED": 5,
        "REJECTED": 1,
        "throttled": 1,
    }
    assert {k: number(v[1]) for k, v in page.by("verify-read-status", "data-status").items()} == {
        "READ": 3,
        "UNREAD": 2,
        "no status": 2,
    }
    paid = page.by("verify-payment-status", "data-status")
    assert {k: number(v[1]) for k, v in paid.items()} == {"NOT_PAID": 3, "PAID": 2, "no status": 2}
    assert "8 call(s), 1 answered 429" in page.text()


def test_every_chart_is_inline_svg_that_says_in_words_what_it_shows(campaign: Campaign) -> None:
    output, page = campaign.report(verify=campaign.verify)
    html = output.read_text(encoding="utf-8")
    # funnel, outcomes, invalid reasons, throughput, verify: with the default install
    assert html.count("<svg") == 5
    assert html.count('role="img"') == 5
    captions = page.captions
    assert len(captions) == 5
    assert captions[0] == (
        "Funnel: rows at each step: rows in the file 17, valid 14, not excluded 13, "
        "reachable on IO 8, sent to IO 7, PROCESSED by IO 5, read 3, paid 2."
    )
    assert captions[3] == (
        "Messages sent per 2 s, from 2026-03-02 10:00:01 to 10:02:10 UTC: 6 in all; the "
        "busiest 2 s 2 at 10:00:02, the median 1 (over the 2 s periods with a send). 429 "
        "pauses took 3 of the 2 s periods for half their time or more (red) and 0 for a quarter "
        "to half (amber)."
    )
    for chart_id, caption in zip(
        ("funnel-chart", "status-chart", "invalid-chart", "throughput-chart", "verify-chart"),
        captions,
        strict=True,
    ):
        # the SVG's own text alternative: its title, and the caption's words
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in html
        assert f'<desc id="{chart_id}-desc">{escape(caption)}</desc>' in html
    assert "no-charts" not in page.elements_with_id


def test_every_header_cell_has_a_scope(campaign: Campaign) -> None:
    _, page = campaign.report(verify=campaign.verify)
    assert page.header_scopes  # the parser saw them
    assert set(page.header_scopes) == {"col", "row"}, page.header_scopes


def test_a_rerun_chain_is_one_campaign(campaign: Campaign) -> None:
    rerun = campaign.folder / "results-rerun.csv"
    plan = list(PLAN)
    plan[14] = ("sent", "submit.accepted", "accepted", 200)  # the failed submit went through
    rows = write_results(rerun, campaign.codes, "20260303T100000Z-abcdef", plan)
    write_summary(rerun, "20260303T100000Z-abcdef", campaign.folder / "none.sqlite", calls=2)
    assert follow_chain(campaign.results) == [campaign.results, rerun]
    output, page = campaign.report(chain=follow_chain(campaign.results))
    assert output == campaign.folder / "results-rerun.report.html"
    runs = {fact: cells[1:] for fact, cells in page.by("runs", "data-fact").items()}
    assert runs["run id"] == [campaign.run_id, "20260303T100000Z-abcdef"]
    assert runs["API calls"] == ["23", "2"]
    assert runs["input digest (SHA-256)"] == [DIGEST, UNKNOWN]  # the second run's journal is gone
    outcomes = page.by("outcomes", "data-status")
    assert number(outcomes["sent"][1]) == Counter(row["status"] for row in rows)["sent"] == 7
    facts = {row.attrs["data-fact"]: row.cells[1] for row in page.table("throughput")}
    assert number(facts["429 answers (rate limited)"]) == 6  # 3 per run's summary
    assert "rerun chain" in page.text()


def test_a_chain_of_files_of_different_campaigns_is_refused(campaign: Campaign) -> None:
    other = campaign.folder / "other.csv"
    write_results(other, campaign.codes[:3], "x", PLAN[:3])
    with pytest.raises(InputError, match="not one rerun chain"):
        campaign.report(chain=[campaign.results, other])


def test_a_file_that_is_not_a_results_file_is_refused(campaign: Campaign) -> None:
    with pytest.raises(InputError, match="not an io-batch results file"):
        campaign.report(chain=[campaign.folder / "job.toml"])
    with pytest.raises(InputError, match="not an io-batch verification file"):
        campaign.report(verify=campaign.results)


def test_without_summary_or_journal_the_report_still_has_every_count(campaign: Campaign) -> None:
    campaign.results.with_name("results.summary.json").unlink()
    _, page = campaign.report()
    runs = {fact: cells[1:] for fact, cells in page.by("runs", "data-fact").items()}
    assert runs["run id"] == [UNKNOWN] and runs["API calls"] == [UNKNOWN]
    facts = {row.attrs["data-fact"]: row.cells[1] for row in page.table("throughput")}
    assert facts["429 answers (rate limited)"] == UNKNOWN
    assert number(page.by("funnel", "data-step")["sent to IO"][1]) == 7
