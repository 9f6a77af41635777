"""Reading a stored day again (issue 26, point 5): the list ends as if IO's days had
been read only as they are now, whatever was read before."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch.feed.not_published import not_published_error
from batch.feed.store import SubscriberStore
from batch.feed.sync_lock import sync_lock
from batch.rules.code_digest import code_digest

DAY = date(2026, 3, 1)
NEXT = DAY + timedelta(days=1)
DIGESTS = [code_digest(f"AAAAAA00A00A00{n:02d}") for n in range(6)]

# A day: digest index -> subscribed (True) or unsubscribed (False).
days = st.dictionaries(st.integers(0, 5), st.booleans(), max_size=6)
feeds = st.lists(days, min_size=1, max_size=5)


def lists(day: dict[int, bool]) -> tuple[list[str], list[str]]:
    return (
        [DIGESTS[i] for i, subscribed in day.items() if subscribed],
        [DIGESTS[i] for i, subscribed in day.items() if not subscribed],
    )


def subscribers(store: SubscriberStore) -> list[bool]:
    return [store.is_subscriber(digest) for digest in DIGESTS]


@settings(max_examples=25, deadline=None)  # two SQLite files per example
@given(before=feeds, after=feeds)
def test_re_reading_every_day_gives_the_list_of_the_days_as_they_are_now(
    tmp_path_factory: pytest.TempPathFactory,
    before: list[dict[int, bool]],
    after: list[dict[int, bool]],
) -> None:
    count = min(len(before), len(after))
    folder = tmp_path_factory.mktemp("reread")
    with (
        SubscriberStore(folder / "read.sqlite") as read,
        SubscriberStore(folder / "fresh.sqlite") as fresh,
    ):
        for offset in range(count):
            read.apply_day(DAY + timedelta(days=offset), *lists(before[offset]))
        for offset in reversed(range(count)):  # any order
            read.reread_day(DAY + timedelta(days=offset), *lists(after[offset]))
        for offset in range(count):
            fresh.apply_day(DAY + timedelta(days=offset), *lists(after[offset]))
        assert subscribers(read) == subscribers(fresh)
        assert read.subscriber_count() == fresh.subscriber_count()


def test_a_late_unsubscription_and_a_vanished_entry(tmp_path: Path) -> None:
    a, b, c = DIGESTS[:3]
    with SubscriberStore(tmp_path / "feed.sqlite") as store:
        store.apply_day(DAY, [a, b, c], [])
        store.apply_day(DAY + timedelta(days=1), [], [b])
        # Day 2 rewritten: a unsubscribed late, and b's unsubscription is gone.
        change = store.reread_day(DAY + timedelta(days=1), [], [a])
        assert (change.changed, change.added, change.removed) == (2, 1, 1)
        assert subscribers(store)[:3] == [False, True, True]
        # Day 1 rewritten: c was never there: c has no entry left, so leaves the list.
        change = store.reread_day(DAY, [a, b], [])
        assert (change.changed, change.removed) == (1, 1)
        assert subscribers(store)[:3] == [False, True, False]
        same = store.reread_day(DAY, [a, b], [])
        assert (same.changed, same.added, same.removed) == (0, 0, 0)


def test_a_list_made_before_the_entries_table_gets_them_from_its_citizens(
    tmp_path: Path,
) -> None:
    path = tmp_path / "feed.sqlite"
    a, b, c = DIGESTS[:3]
    with sqlite3.connect(path) as db:  # the schema of the previous version
        db.executescript(
            "CREATE TABLE days (day TEXT PRIMARY KEY, subscriptions INTEGER NOT NULL, "
            "unsubscriptions INTEGER NOT NULL, fetched_at TEXT NOT NULL);"
            "CREATE TABLE citizens (digest BLOB PRIMARY KEY, day TEXT NOT NULL, "
            "subscribed INTEGER NOT NULL) WITHOUT ROWID;"
        )
        db.execute("INSERT INTO days VALUES (?, 2, 0, 'x')", (DAY.isoformat(),))
        for digest in (a, b):
            db.execute(
                "INSERT INTO citizens VALUES (?, ?, 1)", (bytes.fromhex(digest), DAY.isoformat())
            )
        db.execute("INSERT INTO days VALUES (?, 1, 0, 'x')", (NEXT.isoformat(),))
        db.execute("INSERT INTO citizens VALUES (?, ?, 1)", (bytes.fromhex(c), NEXT.isoformat()))
    with SubscriberStore(path) as store:
        change = store.reread_day(DAY, [a], [])
        assert (change.changed, change.removed) == (1, 1)
        assert subscribers(store)[:3] == [True, False, True]
        assert store.subscriber_count() == 2
        # NEXT as it was: nothing changed. DAY is whole since its re-read: c appearing
        # in it is a change (the list stays: c's latest entry is NEXT's).
        same = store.reread_day(NEXT, [c], [])
        assert (same.changed, same.added, same.removed) == (0, 0, 0)
        again = store.reread_day(DAY, [a, c], [])
        assert (again.changed, again.added, again.removed) == (1, 0, 0)


def test_a_day_of_the_old_schema_reports_only_what_it_knew_changed(tmp_path: Path) -> None:
    path = tmp_path / "feed.sqlite"
    a, b = DIGESTS[:2]
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE days (day TEXT PRIMARY KEY, subscriptions INTEGER NOT NULL, "
            "unsubscriptions INTEGER NOT NULL, fetched_at TEXT NOT NULL);"
            "CREATE TABLE citizens (digest BLOB PRIMARY KEY, day TEXT NOT NULL, "
            "subscribed INTEGER NOT NULL) WITHOUT ROWID;"
        )
        db.execute("INSERT INTO days VALUES (?, 1, 0, 'x')", (DAY.isoformat(),))
        db.execute("INSERT INTO days VALUES (?, 0, 1, 'x')", (NEXT.isoformat(),))
        db.execute("INSERT INTO citizens VALUES (?, ?, 0)", (bytes.fromhex(b), NEXT.isoformat()))
        db.execute("INSERT INTO citizens VALUES (?, ?, 1)", (bytes.fromhex(a), DAY.isoformat()))
    with SubscriberStore(path) as store:
        # DAY also subscribed b (superseded by NEXT's unsubscription): not kept before, so
        # not reported as IO's change; the list is the same.
        change = store.reread_day(DAY, [a, b], [])
        assert (change.changed, change.added, change.removed) == (0, 0, 0)
        assert subscribers(store)[:2] == [True, False]


def test_the_not_published_message_says_from_when_in_utc_and_rome() -> None:
    day = date(2026, 12, 6)
    early = not_published_error(
        day, "Data not available yet: ...", datetime(2026, 12, 6, 23, 59, tzinfo=UTC)
    )
    assert early.exit_code == 69
    assert str(early).startswith(
        'the subscriptions feed of 2026-12-06 is not published yet (HTTP 404 "Data not '
        'available yet"): IO serves a day from 00:00 UTC of the next day, 2026-12-07 00:00 '
        "UTC (2026-12-07 01:00 in Rome)."
    )
    assert "NTP" not in str(early) and "--sync" not in str(early)
    summer = not_published_error(date(2026, 7, 1), now=datetime(2026, 7, 2, 0, 5, tzinfo=UTC))
    assert "2026-07-02 00:00 UTC (2026-07-02 02:00 in Rome)" in str(summer)
    assert "already says 2026-07-02 00:05:00 UTC" in str(summer) and "NTP" in str(summer)


@pytest.mark.anyio
async def test_two_syncs_of_one_list_never_run_at_once(tmp_path: Path) -> None:
    store = tmp_path / "feed.sqlite"
    inside: list[str] = []
    overlap = False

    async def sync(name: str) -> None:
        nonlocal overlap
        async with sync_lock(store):
            overlap = overlap or bool(inside)
            inside.append(name)
            await anyio.sleep(0.3)
            inside.remove(name)

    async with anyio.create_task_group() as group:
        group.start_soon(sync, "first")
        group.start_soon(sync, "second")
    assert not overlap
