"""A campaign written by hand for the report's tests: a job, its journal, a results file
with every status, its summary, and a verification file (``Campaign``)."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

from batch.config.job import load_job
from batch.identifiers.fiscal_code import generate
from batch.journal.journal import Journal
from batch.output.results_layout import results_header
from batch.output.verification import VERIFY_COLUMNS
from batch.report.command import write_report
from tests.helpers.html_report import ParsedReport, parse_report

UNKNOWN = "\N{EN DASH}"  # how the page writes a value it does not know
NAME = "Mariangela Esposito"  # an input cell: personal data that no report may show
DIGEST = "ab" * 32
JOB_TOML = """
[job]
name = "tari"
[input]
path = "input.csv"
[output]
path = "results.csv"
state_dir = "state"
[columns]
fiscal_code = "codice_fiscale"
[message]
subject = "Avviso per {nome}: scadenza"
markdown = "Gentile {nome}, questo è un messaggio di prova inviato da io-batch per te."
[target]
kind = "sandbox"
"""

# (status, reason_code, reason, sent second or None); line numbers follow from 2.
PLAN: list[tuple[str, str, str, int | None]] = [
    *[("sent", "submit.accepted", "accepted", second) for second in (1, 2, 3, 61, 62, 130)],
    ("already_sent", "row.already_sent", "sent by run X (line 3)", None),
    ("not_registered", "profile.not_found", "no IO profile", None),
    ("not_registered", "profile.not_found", "no IO profile", None),
    ("not_allowed", "profile.sender_not_allowed", "not allowed", None),
    ("invalid", "fiscal_code.check_char", "codice_fiscale {own}: check character", None),
    ("invalid", "fiscal_code.check_char", "codice_fiscale {own}: check character", None),
    ("invalid", "due_date.invalid", "scadenza: no such date, see {other}", None),
    ("duplicate", "row.duplicate", "same recipient and content as line 2", None),
    ("failed", "submit.server_error", "IO answered 500 five times", None),
    ("failed", "profile.server_error", "IO answered 500 five times", None),
    ("excluded", "row.excluded", "on the exclusion list", None),
]
# message_status, read_status, payment_status, note_code for the 7 sent/already_sent rows
VERIFY_PLAN = [
    ("PROCESSED", "READ", "PAID", ""),
    ("PROCESSED", "READ", "NOT_PAID", ""),
    ("PROCESSED", "READ", "NOT_PAID", ""),
    ("PROCESSED", "UNREAD", "PAID", ""),
    ("PROCESSED", "UNREAD", "NOT_PAID", ""),
    ("REJECTED", "", "", ""),
    ("", "", "", "throttled"),
]


def write_results(
    path: Path, codes: list[str], run_id: str, plan: list[Any]
) -> list[dict[str, str]]:
    rows = []
    for index, ((status, code, reason, second), fiscal) in enumerate(zip(plan, codes, strict=True)):
        sent_at = (
            "" if second is None else f"2026-03-02T10:{second // 60:02d}:{second % 60:02d}.250Z"
        )
        rows.append(
            {
                "line": str(index + 2),
                "fiscal_code": fiscal.lower() if status == "invalid" else fiscal,
                "status": status,
                "reason_code": code,
                "reason": reason.format(own=fiscal.lower(), other=codes[0]),
                "message_id": f"01HZ{index:022d}" if status in ("sent", "already_sent") else "",
                "http_status": "",
                "attempts": "1",
                "sent_at": sent_at,
                "run_id": run_id,
                "input.nome": NAME,
            }
        )
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=results_header(["nome"]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return rows


def write_summary(results: Path, run_id: str, journal: Path, **extra: Any) -> dict[str, Any]:
    summary = {
        "job": "tari",
        "run_id": run_id,
        "output": str(results),
        "rows": len(PLAN),
        "elapsed_s": 151.5,
        "calls": 23,
        "calls_by_operation": {"profile": 14, "submit": 9},
        "throttled": 3,
        "budget": "150/5s",
        "journal": str(journal),
        "exit_code": 1,
        "pauses": [
            {"start": "2026-03-02T10:01:01.000Z", "end": "2026-03-02T10:01:04.000Z", "answers": 2},
            {"start": "2026-03-02T10:02:00.000Z", "end": "2026-03-02T10:02:01.000Z", "answers": 1},
        ],
        **extra,
    }
    results.with_name(f"{results.stem}.summary.json").write_text(json.dumps(summary))
    return summary


def write_verify(path: Path, results_rows: list[dict[str, str]]) -> None:
    sent = [row for row in results_rows if row["status"] in ("sent", "already_sent")]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(VERIFY_COLUMNS)
        for row, (status, read, paid, note) in zip(sent, VERIFY_PLAN, strict=True):
            writer.writerow(
                [
                    row["line"],
                    row["fiscal_code"],
                    row["message_id"],
                    status,
                    read,
                    paid,
                    "2026-03-02T11:00:00.000Z",
                    "1",
                    note,
                    "IO did not answer" if note else "",
                ]
            )


class Campaign:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        (folder / "job.toml").write_text(JOB_TOML, encoding="utf-8")
        self.job = load_job(folder / "job.toml")
        self.codes = [generate(random.Random(seed)) for seed in range(len(PLAN))]
        journal_path = folder / "state" / "tari.journal.sqlite"
        journal = Journal(journal_path)
        self.results = folder / "results.csv"
        self.run_id = journal.start_run(self.results, DIGEST).run_id
        journal.finish_run(self.run_id, interrupted=False)
        journal.close()
        self.rows = write_results(self.results, self.codes, self.run_id, PLAN)
        self.summary = write_summary(self.results, self.run_id, journal_path)
        self.verify = folder / "results.verify.csv"
        write_verify(self.verify, self.rows)
        (folder / "results.verify.summary.json").write_text(
            json.dumps({"calls": 8, "throttled": 1, "elapsed_s": 4.0, "exit_code": 1})
        )

    def report(self, **kwargs: Any) -> tuple[Path, ParsedReport]:
        chain = kwargs.pop("chain", [self.results])
        output = write_report(self.job, chain, **kwargs)
        return output, parse_report(output)
