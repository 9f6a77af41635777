"""The plain baseline: a minimal sequential httpx loop doing io-batch's two calls per row.

    .venv/bin/python tests/benchmarks/baseline.py BASE_URL JOB_TOML [CALLS_PER_S]

For every row of a benchmark input (``harness.write_recipients``): ``POST
/api/v1/profiles``, then ``POST /api/v1/messages`` with the same content io-batch would
send (the templates are read from the job file), on one keep-alive connection, one
call at a time. No journal, no limiter, no validation beyond what it takes to build
the body. Imports only httpx and the standard library. Prints ``{"messages", "calls"}``.

With ``CALLS_PER_S`` the calls are spaced evenly at that pace (a ``time.sleep`` before
each), as a budget paces io-batch: the plain loop's CPU per call where users see it. A
paced client pays for every call's wake-up (its own, and on loopback the kernel's work
of waking the idle server, charged to the sender's ``send``), which an unpaced loop
that keeps both sides busy does not.
"""

from __future__ import annotations

import csv
import json
import sys
import time
import tomllib
from pathlib import Path

import httpx

KEY = "sandbox-key"
DUE_DATE = "2026-12-16T22:59:59Z"  # 16/12/2026, the end of the day in Rome
TIMEOUT = 30.0


def main(base_url: str, job_path: Path, calls_per_s: float | None = None) -> int:
    job = tomllib.loads(job_path.read_text(encoding="utf-8"))
    subject, markdown = job["message"]["subject"], job["message"]["markdown"]
    input_path = job_path.parent / job["input"]["path"]
    messages = calls = 0
    interval = 0.0 if calls_per_s is None else 1 / calls_per_s
    next_call = time.monotonic()

    def wait_turn() -> None:
        nonlocal next_call
        if interval:
            delay = next_call - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            next_call = max(next_call, time.monotonic() - interval) + interval

    headers = {"Ocp-Apim-Subscription-Key": KEY}
    with (
        input_path.open(encoding="utf-8", newline="") as handle,
        httpx.Client(base_url=base_url, headers=headers, timeout=TIMEOUT) as client,
    ):
        for row in csv.DictReader(handle, delimiter=";"):
            code = row["codice_fiscale"].strip().upper()
            calls += 1
            wait_turn()
            profile = client.post("/api/v1/profiles", json={"fiscal_code": code})
            if profile.status_code != 200 or not profile.json().get("sender_allowed"):
                continue
            body = {
                "fiscal_code": code,
                "feature_level_type": "STANDARD",
                "content": {
                    "subject": subject.format(**row),
                    "markdown": markdown.format(**row),
                    "due_date": DUE_DATE,
                    "payment_data": {
                        "amount": int(row["importo"].replace(",", "")),
                        "notice_number": row["codice_avviso"],
                    },
                },
            }
            calls += 1
            wait_turn()
            if client.post("/api/v1/messages", json=body).status_code == 201:
                messages += 1
    print(json.dumps({"messages": messages, "calls": calls}))
    return 0


if __name__ == "__main__":
    pace = float(sys.argv[3]) if len(sys.argv) > 3 else None
    sys.exit(main(sys.argv[1], Path(sys.argv[2]), pace))
