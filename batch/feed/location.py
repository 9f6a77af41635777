"""Where a job's subscriber list lives: beside its journal, one file per service.

``<state dir>/<job name>.feed-<tag>.sqlite``; the tag is a digest of the API key (one
key, one service), so two services of one job never share a list and the key itself
never appears in a file name.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from batch.config.job import Job
from batch.config.state_dir import journal_location


def service_tag(api_key: str) -> str:
    return hashlib.sha256(f"io-batch feed store:{api_key.strip()}".encode()).hexdigest()[:12]


def store_path(job: Job, api_key: str) -> Path:
    # The state dir itself, not the target's folder: the key already tells services and
    # environments apart, and a list synced before journals were kept per target stays found.
    folder = journal_location(job).state_dir
    return folder / f"{job.name}.feed-{service_tag(api_key)}.sqlite"
