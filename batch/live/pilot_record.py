"""What the last pilot sent: ``<state dir>/<job name>.pilot.json`` (0600, atomic).

It names the template digest the colleagues received (``config.message_digest``), the
languages it went out in, and the counts. ``approve`` records its digest, so that the
approval says which templates the colleagues checked.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO

from batch.common.files import write_atomically
from batch.config.job import Job
from batch.send.approval_record import state_folder

PILOT_SUFFIX = ".pilot"
FORMAT = 1


@dataclass(frozen=True, slots=True)
class PilotRecord:
    job: str
    message_digest: str  # the templates (and the rest of the message part) it sent
    target: str  # where it sent them (target_identity)
    finished_at: str  # UTC, ISO-8601
    run_id: str
    results: str
    counts: dict[str, int] = field(default_factory=dict)
    languages_sent: list[str] = field(default_factory=list)  # with these templates, so far
    format: int = FORMAT


def pilot_record_path(job: Job) -> Path:
    """``<state dir>/<job name>.pilot.json``, beside the campaign's journal."""
    return state_folder(job) / f"{job.name}{PILOT_SUFFIX}.json"


def read_pilot_record(path: Path) -> PilotRecord | None:
    """The last pilot's record; None when no pilot ran, or its record is unreadable (the
    pilot runs again and writes a new one)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            return None
        return PilotRecord(**raw)
    except (OSError, UnicodeDecodeError, ValueError, TypeError):
        return None


def write_pilot_record(path: Path, record: PilotRecord) -> None:
    def dump(handle: IO[str]) -> None:
        json.dump(asdict(record), handle, indent=2, sort_keys=True)
        handle.write("\n")

    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, dump)
