"""Which rows of a results file an errata reaches: sent or already_sent, with an id."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from batch.config.job import parse_job
from batch.config.job_sections import InputSpec
from batch.config.shards import Shard
from batch.errata.chain import later_rerun
from batch.errata.subject import subjects_without_prefix
from batch.input.read import open_input
from batch.models import Status
from batch.output.results_layout import result_field, results_header
from batch.send.errata_rows import WITHOUT_ID, count_rows, restrict_rows
from batch.shards.assign import shard_of

ID = "01J9Z3K7M8N9P0Q1R2S3T4V5W6"
CODES = ["AAAAAA00A00A000A", "BBBBBB00A00A000B", "CCCCCC00A00A000C", "DDDDDD00A00A000D"]


def results_file(path: Path, rows: list[tuple[str, str]]) -> Path:
    """A results file: one row per (status, message id), lines from 2, input columns."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        header = results_header(["cf", "nome"])
        writer.writerow(header)
        for index, (status, message_id) in enumerate(rows):
            code = CODES[index % len(CODES)]
            cells = {"line": str(index + 2), "fiscal_code": code, "status": status}
            cells |= {"message_id": message_id, "attempts": "1", "run_id": "run"}
            cells |= {"input.cf": code, "input.nome": "=Ada"}
            writer.writerow([cells.get(name, "") for name in header])
    return path


def kept_lines(path: Path, *, shard: Shard | None = None) -> list[int]:
    errata = parse_job(
        {
            "input": {"path": str(path)},
            "output": {"path": "out.csv"},
            "columns": {"fiscal_code": "cf"},
            "message": {"subject": "Errata corrige: avviso", "markdown": "Testo {nome}"},
            "target": {"kind": "sandbox"},
        },
        source=Path("/jobs/errata.toml"),
    )
    errata = replace(errata, shard=shard)
    with open_input(InputSpec(path, "utf-8", ","), ["cf", "nome"]) as source:
        restrict_rows(source, errata, errata=True)
        column = result_field("line")
        return [int(line) for batch in source.batches() for line in batch[column].to_list()]


def test_only_sent_rows_with_a_message_id_are_reached_and_the_others_are_counted(
    tmp_path: Path,
) -> None:
    rows = [
        ("sent", ID),
        ("already_sent", ID),
        ("sent", ""),  # submit.accepted_without_id
        ("sent", "  "),
        ("unknown", ""),
        ("failed", ""),
        ("not_registered", ""),
        ("invalid", ""),
        ("pending", ""),
    ]
    path = results_file(tmp_path / "results.csv", rows)
    with open_input(InputSpec(path, "utf-8", ","), ["cf"]) as source:
        count = count_rows(source)
    assert count.rows == 9 and count.to_reach == 2
    assert dict(count.reached) == {"sent": 1, "already_sent": 1}
    assert dict(count.left_out) == {
        WITHOUT_ID: 2,
        "unknown": 1,
        "failed": 1,
        "not_registered": 1,
        "invalid": 1,
        "pending": 1,
    }
    assert kept_lines(path) == [2, 3]


def test_a_shards_filter_and_the_errata_filter_compose(tmp_path: Path) -> None:
    path = results_file(tmp_path / "results.csv", [("sent", ID)] * 8)
    shard = Shard(index=1, count=2)
    kept = kept_lines(path, shard=shard)
    expected = [i + 2 for i in range(8) if shard_of(CODES[i % len(CODES)], 2) == 1]
    assert kept == expected and 0 < len(kept) < 8


STATUSES = st.sampled_from([status.value for status in Status])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(STATUSES, st.sampled_from(["", ID, " "])), min_size=1, max_size=12))
def test_reached_rows_are_exactly_the_sent_ones_with_an_id(
    tmp_path_factory: object, rows: list[tuple[str, str]]
) -> None:
    path = results_file(tmp_path_factory.mktemp("r") / "results.csv", rows)  # type: ignore[attr-defined]
    expected = [
        index + 2
        for index, (status, message_id) in enumerate(rows)
        if status in ("sent", "already_sent") and message_id.strip()
    ]
    assert kept_lines(path) == expected
    with open_input(InputSpec(path, "utf-8", ","), ["cf"]) as source:
        count = count_rows(source)
    assert count.to_reach == len(expected)
    assert count.to_reach + sum(count.left_out.values()) == count.rows == len(rows)


def test_the_errata_subject_is_checked_in_every_language_whatever_the_case() -> None:
    raw = {
        "input": {"path": "in.csv"},
        "output": {"path": "out.csv"},
        "message": {
            "subject": "  ERRATA CORRIGE: avviso",
            "markdown": "Testo",
            "de_DE": {"subject": "Berichtigung: Hinweis", "markdown": "Text"},
            "en_GB": {"subject": "errata corrige: notice", "markdown": "Text"},
        },
        "target": {"kind": "sandbox"},
    }
    errata = parse_job(raw, source=Path("/jobs/errata.toml"))
    assert subjects_without_prefix(errata) == ["message.de_DE.subject"]


def test_the_last_rerun_of_a_chain_is_found_beside_a_results_file(tmp_path: Path) -> None:
    first = tmp_path / "results.csv"
    assert later_rerun(first) is None
    for name in ("results.csv", "results-rerun.csv", "results-rerun-rerun.csv"):
        (tmp_path / name).write_text("", encoding="utf-8")
    assert later_rerun(first) == tmp_path / "results-rerun-rerun.csv"
    assert later_rerun(tmp_path / "results-rerun-rerun.csv") is None
