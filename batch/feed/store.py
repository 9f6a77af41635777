"""The subscriber list kept from the subscriptions feed: one SQLite file per job and service.

``days`` says which days were fetched; ``entries`` keeps what each day said of each
digest (32 bytes), and ``citizens`` the current state: per digest, the latest day the
feed named it and whether it subscribed or unsubscribed then. A day only ever moves a
digest forward in time, so days may be applied in any order (a resumed or widened sync)
and give the same list. IO rewrites past days (late writes: docs/io-sources.md,
"Subscriptions feed"), so a day can be read again (``reread_day``): what it adds,
changes or no longer says is applied, a digest it no longer names falling back to its
previous day's entry. A day's rows and its ``days`` entry commit together: a crash loses
at most the day in progress, which the next sync fetches again."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS days (
    day TEXT PRIMARY KEY,
    subscriptions INTEGER NOT NULL,
    unsubscriptions INTEGER NOT NULL,
    fetched_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS citizens (
    digest BLOB PRIMARY KEY,
    day TEXT NOT NULL,
    subscribed INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entries (
    day TEXT NOT NULL,
    digest BLOB NOT NULL,
    subscribed INTEGER NOT NULL,
    PRIMARY KEY (day, digest)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_by_digest ON entries (digest, day);
CREATE TABLE IF NOT EXISTS partial_days (
    day TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS syncs (
    yesterday TEXT PRIMARY KEY,
    finished_at TEXT NOT NULL
);
"""
#: 1: ``entries`` (each day's own entries, for re-reads). A list made before it gets
#: them from ``citizens``: a digest's latest entry, the one a re-read can change; its
#: days are ``partial_days`` until re-read (their other entries are not known).
SCHEMA_VERSION = 1
ADD_ENTRIES = (
    "INSERT OR IGNORE INTO entries (day, digest, subscribed) "
    "SELECT day, digest, subscribed FROM citizens"
)
ENTRY = "INSERT OR REPLACE INTO entries (day, digest, subscribed) VALUES (?, ?, ?)"
LATEST_ENTRY = "SELECT day, subscribed FROM entries WHERE digest = ? ORDER BY day DESC LIMIT 1"
# Only a later (or the same) day overrides what an earlier one said.
UPSERT = (
    "INSERT INTO citizens (digest, day, subscribed) VALUES (?, ?, ?) "
    "ON CONFLICT (digest) DO UPDATE SET day = excluded.day, subscribed = excluded.subscribed "
    "WHERE excluded.day >= citizens.day"
)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def utc_yesterday() -> date:
    return datetime.now(UTC).date() - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Reread:
    """What reading a stored day again changed."""

    changed: int  # entries added, changed or gone
    added: int  # digests that are subscribers now and were not
    removed: int  # digests that were subscribers and are not any more


@dataclass(frozen=True, slots=True)
class StoreStatus:
    path: str
    start: str
    yesterday: str
    synced_through: str | None  # every day from start to this one is stored
    days_stored: int
    days_missing: int  # from start to yesterday
    subscribers: int

    @property
    def up_to_date(self) -> bool:
        return self.days_missing == 0


class SubscriberStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(SCHEMA)
        self._migrate()

    def close(self) -> None:
        self._db.close()

    def _migrate(self) -> None:
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        if version >= SCHEMA_VERSION:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(ADD_ENTRIES)
            self._db.execute("INSERT OR IGNORE INTO partial_days SELECT day FROM days")
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def __enter__(self) -> SubscriberStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def stored_days(self, first: date, last: date) -> set[date]:
        rows = self._db.execute(
            "SELECT day FROM days WHERE day BETWEEN ? AND ?", (first.isoformat(), last.isoformat())
        )
        return {date.fromisoformat(day) for (day,) in rows}

    def missing_days(self, first: date, last: date) -> list[date]:
        stored = self.stored_days(first, last)
        return [day for day in days_between(first, last) if day not in stored]

    def apply_day(
        self, day: date, subscriptions: Iterable[str], unsubscriptions: Iterable[str]
    ) -> None:
        """Store one day of the feed; an unsubscription wins over a subscription of the
        same digest on the same day (a list must not message someone who left)."""
        text = day.isoformat()
        subscribed = [(bytes.fromhex(h), text, 1) for h in subscriptions]
        unsubscribed = [(bytes.fromhex(h), text, 0) for h in unsubscriptions]
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany(UPSERT, subscribed)
            self._db.executemany(UPSERT, unsubscribed)
            self._db.executemany(ENTRY, [(text, digest, 1) for digest, _, _ in subscribed])
            self._db.executemany(ENTRY, [(text, digest, 0) for digest, _, _ in unsubscribed])
            self._record_day(text, len(subscribed), len(unsubscribed), now)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def reread_day(
        self, day: date, subscriptions: Iterable[str], unsubscriptions: Iterable[str]
    ) -> Reread:
        """Store a day again as IO serves it now, applying what changed since it was read:
        an entry added or changed, and one IO no longer gives (the digest falls back to
        its previous day's entry, or leaves the list if it has none)."""
        text = day.isoformat()
        new = {bytes.fromhex(h): 1 for h in subscriptions}
        new.update({bytes.fromhex(h): 0 for h in unsubscriptions})  # unsubscribing wins
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self._db.execute("BEGIN IMMEDIATE")
        try:
            rows = self._db.execute("SELECT digest, subscribed FROM entries WHERE day = ?", (text,))
            old = {bytes(digest): int(subscribed) for digest, subscribed in rows}
            partial = self._db.execute(
                "SELECT 1 FROM partial_days WHERE day = ?", (text,)
            ).fetchone()
            changed = [d for d in old.keys() | new.keys() if old.get(d) != new.get(d)]
            added = removed = reported = 0
            for digest in changed:
                before = self._subscribed(digest)
                if digest in new:
                    self._db.execute(ENTRY, (text, digest, new[digest]))
                else:
                    self._db.execute(
                        "DELETE FROM entries WHERE day = ? AND digest = ?", (text, digest)
                    )
                after = self._settle(digest)
                added += after and not before
                removed += before and not after
                # A day stored before the entries table: an entry it did not know is no
                # change of IO's, unless the list changes.
                reported += digest in old or not partial or after != before
            subscribed = sum(1 for value in new.values() if value)
            self._record_day(text, subscribed, len(new) - subscribed, now)
            self._db.execute("DELETE FROM partial_days WHERE day = ?", (text,))
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return Reread(changed=reported, added=added, removed=removed)

    def _record_day(self, text: str, subscriptions: int, unsubscriptions: int, now: str) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO days VALUES (?, ?, ?, ?)",
            (text, subscriptions, unsubscriptions, now),
        )

    def _subscribed(self, digest: bytes) -> bool:
        row = self._db.execute(
            "SELECT subscribed FROM citizens WHERE digest = ?", (digest,)
        ).fetchone()
        return bool(row and row[0])

    def _settle(self, digest: bytes) -> bool:
        """Set a digest's current state from its latest entry; whether it subscribes."""
        latest = self._db.execute(LATEST_ENTRY, (digest,)).fetchone()
        if latest is None:
            self._db.execute("DELETE FROM citizens WHERE digest = ?", (digest,))
            return False
        day, subscribed = latest
        self._db.execute(
            "INSERT OR REPLACE INTO citizens (digest, day, subscribed) VALUES (?, ?, ?)",
            (digest, day, subscribed),
        )
        return bool(subscribed)

    def record_complete_sync(self, yesterday: date) -> None:
        """A sync brought the list through ``yesterday``, its re-reads done (the shards
        of one job reuse it: ``shared_sync.py``)."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self._db.execute("INSERT OR REPLACE INTO syncs VALUES (?, ?)", (yesterday.isoformat(), now))

    def synced_for(self, yesterday: date) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM syncs WHERE yesterday = ?", (yesterday.isoformat(),)
        ).fetchone()
        return row is not None

    def is_subscriber(self, digest: str) -> bool:
        row = self._db.execute(
            "SELECT subscribed FROM citizens WHERE digest = ?", (bytes.fromhex(digest),)
        ).fetchone()
        return bool(row and row[0])

    def subscriber_count(self) -> int:
        (count,) = self._db.execute("SELECT COUNT(*) FROM citizens WHERE subscribed = 1").fetchone()
        return int(count)

    def status(self, start: date, yesterday: date | None = None) -> StoreStatus:
        last = yesterday or utc_yesterday()
        stored = self.stored_days(start, last) if start <= last else set()
        through = None
        for day in days_between(start, last) if start <= last else []:
            if day not in stored:
                break
            through = day
        return StoreStatus(
            path=str(self.path),
            start=start.isoformat(),
            yesterday=last.isoformat(),
            synced_through=through.isoformat() if through else None,
            days_stored=len(stored),
            days_missing=max(0, (last - start).days + 1 - len(stored)),
            subscribers=self.subscriber_count(),
        )
