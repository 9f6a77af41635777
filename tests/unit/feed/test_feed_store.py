"""The subscriber store: days in any order give the same list; a day is kept once."""

from __future__ import annotations

import stat
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from batch.feed.store import SubscriberStore
from batch.rules.code_digest import code_digest

DAY = date(2026, 3, 1)
A, B, C = (
    code_digest(code) for code in ("AAAAAA00A00A000A", "BBBBBB00B00B000B", "CCCCCC00C00C000C")
)

# day offset -> (subscriptions, unsubscriptions)
DAYS = {
    0: ((A, B), ()),
    1: ((C,), (A,)),
    2: ((A,), (B,)),
    3: ((), (C,)),
}


@given(order=st.permutations(sorted(DAYS)))
def test_days_applied_in_any_order_give_the_same_subscribers(tmp_path_factory, order) -> None:
    path: Path = tmp_path_factory.mktemp("store") / "feed.sqlite"
    with SubscriberStore(path) as store:
        for offset in order:
            store.apply_day(DAY + timedelta(days=offset), *DAYS[offset])
        assert [store.is_subscriber(h) for h in (A, B, C)] == [True, False, False]
        assert store.subscriber_count() == 1


def test_an_unsubscription_wins_over_a_subscription_on_the_same_day(tmp_path: Path) -> None:
    with SubscriberStore(tmp_path / "feed.sqlite") as store:
        store.apply_day(DAY, (A,), (A,))
        assert not store.is_subscriber(A)


def test_status_says_how_far_the_days_go_without_a_gap(tmp_path: Path) -> None:
    path = tmp_path / "state" / "feed.sqlite"
    with SubscriberStore(path) as store:
        for offset in (0, 1, 3):
            store.apply_day(DAY + timedelta(days=offset), *DAYS[offset])
        status = store.status(DAY, DAY + timedelta(days=4))
        assert store.missing_days(DAY, DAY + timedelta(days=4)) == [
            DAY + timedelta(days=2),
            DAY + timedelta(days=4),
        ]
    assert status.synced_through == "2026-03-02"
    assert (status.days_stored, status.days_missing, status.subscribers) == (3, 2, 1)
    assert not status.up_to_date
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with SubscriberStore(path) as reopened:  # what was stored survives a new process
        assert reopened.status(DAY, DAY + timedelta(days=1)).up_to_date
