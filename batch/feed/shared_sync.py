"""One sync of the subscriber list for a job, however many of its shards run ``--sync``.

The N shards of a job share its list (``location.py``: one file per job and service).
Each taking its own sync would multiply the feed calls by N (and the re-reads with
them). So a sync holds the list's lock (``<list>.lock``, ``flock``): the first shard
syncs, the others wait for it and then find the list synced through yesterday, re-reads
included, and reuse it with no call. A shard that starts after that (a retried pod)
reuses it too; the next day's runs sync again. A sync that did not bring the list
through yesterday (a day not published yet, an error) records nothing, so a shard that
waited for it syncs itself and meets the same answer.

Without shards a ``--sync`` (and ``subscribers sync``) always syncs, re-reads included:
it only takes the lock (``sync_lock.py``), so that two syncs of one list never run at
once.
"""

from __future__ import annotations

from pathlib import Path

from batch.api.limiter import Limiter
from batch.common import logs
from batch.config.job import Job
from batch.feed.command import sync_feed
from batch.feed.location import store_path
from batch.feed.report import SyncReport
from batch.feed.store import SubscriberStore, utc_yesterday
from batch.feed.sync_lock import sync_lock


async def sync_for_job(
    job: Job, api_key: str, base_url: str, limiter: Limiter, *, show_progress: bool
) -> SyncReport | None:
    """``send --sync``: the list synced through yesterday; None when a shard found it
    already synced (re-reads included) for the same yesterday and made no call."""
    path = store_path(job, api_key)
    async with sync_lock(path):
        if job.shard is not None and _synced_for_yesterday(path):
            logs.get_logger().info(
                "feed.sync.reused",
                store=str(path),
                shard=job.shard.label,
                detail="the list is synced through yesterday: no feed call",
            )
            return None
        return await sync_feed(job, api_key, base_url, limiter, show_progress=show_progress)


def _synced_for_yesterday(path: Path) -> bool:
    with SubscriberStore(path) as store:
        return store.synced_for(utc_yesterday())
