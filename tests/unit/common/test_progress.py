"""The one progress display: the line fitted to a width, width changes on a real pty,
log lines printed over the bar, and the log events off a terminal."""

from __future__ import annotations

import io
import os
import pty
import select

import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st

from batch.common import logs
from batch.common.progress import Progress, send_ticks, terminal_columns, verify_ticks
from batch.common.progress_line import Snapshot, fit_line
from tests.helpers.terminal import Screen, segments, set_size

CAMPAIGN = Snapshot(
    label="",
    done=1234,
    total=1_000_000,
    rate=15.2,
    eta_s=65_000.0,
    counts={"not_registered": 12, "sent": 1200, "unknown": 22},
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


class Events:
    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, object]]] = []

    def info(self, event: str, **fields: object) -> None:
        self.seen.append((event, fields))


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (
            120,  # everything
            "[------------------------] 1234/1000000   0% 15.2 rows/s ETA 18h03m20s "
            "not_registered=12 sent=1200 unknown=22",
        ),
        (
            100,  # the counts shortened first: the largest ones that fit
            "[------------------------] 1234/1000000   0% 15.2 rows/s ETA 18h03m20s "
            "sent=1200 unknown=22 ...",
        ),
        (80, "[------------------------] 1234/1000000   0% 15.2 rows/s ETA 18h03m20s ..."),
        (60, "[-------------] 1234/1000000   0% 15.2 rows/s ETA 18h03m20s"),  # then the bar
        (45, "1234/1000000   0% 15.2 rows/s ETA 18h03m20s"),
        (40, "1234/1000000   0% ETA 18h03m20s"),  # then the rate
        (30, "1234/1000000   0%"),  # then the ETA
        (12, "1234/100000"),  # and at last it is cut
    ],
)
def test_the_line_gives_up_counts_then_bar_then_rate_then_eta(columns: int, expected: str) -> None:
    assert fit_line(CAMPAIGN, "rows", columns) == expected


def test_a_count_of_unknown_total_has_no_bar_and_no_eta() -> None:
    snapshot = Snapshot("validating", 1_234_567, None, 51_234.5, None, {})
    assert fit_line(snapshot, "rows", 80) == "validating 1,234,567 rows 51,234 rows/s"
    assert fit_line(snapshot, "rows", 30) == "validating 1,234,567 rows"


@given(
    done=st.integers(0, 10**8),
    extra=st.integers(0, 10**8),
    rate=st.floats(0, 1e6, allow_nan=False),
    eta=st.none() | st.floats(0, 1e7, allow_nan=False),
    counts=st.dictionaries(st.sampled_from(["sent", "failed", "not_registered"]), st.integers(0)),
    label=st.sampled_from(["", "check", "wait", "validating"]),
    columns=st.integers(1, 240),
)
def test_the_line_never_takes_the_last_column(
    done: int,
    extra: int,
    rate: float,
    eta: float | None,
    counts: dict[str, int],
    label: str,
    columns: int,
) -> None:
    for total in (done + extra, None):
        line = fit_line(Snapshot(label, done, total, rate, eta, counts), "rows", columns)
        assert len(line) <= max(columns - 1, 1)
        assert "\n" not in line and "\r" not in line


def _read_all(fd: int) -> bytes:
    """Everything written to the pty so far: one read may return only part of it."""
    chunks = []
    while select.select([fd], [], [], 0.2)[0]:
        data = os.read(fd, 65536)
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def test_the_width_is_asked_of_the_terminal_at_every_redraw() -> None:
    master, slave = pty.openpty()
    try:
        set_size(slave, columns=90)
        stream = os.fdopen(slave, "w", encoding="utf-8", closefd=False)
        assert terminal_columns(stream) == 90
        clock = FakeClock()
        progress = Progress(1_000_000, draw=True, stream=stream, clock=clock)
        for status in ["sent"] * 1200 + ["not_registered"] * 12:
            progress.add(status)
        clock.now += 80.0
        progress.report()
        set_size(slave, columns=40)  # the window is made narrower
        progress.report()
        progress.close()
        drawn = [part for part in segments(_read_all(master).decode()) if part]
    finally:
        os.close(master)
        os.close(slave)
    *_, wide, narrow, closing = drawn
    assert wide.endswith("ETA 18h18m47s sent=1200 ...")
    assert len(wide) <= 89
    assert narrow == closing == "1212/1000000   0% ETA 18h18m47s"


def test_a_stream_that_is_not_a_terminal_counts_as_80_columns() -> None:
    assert terminal_columns(io.StringIO()) == 80


def test_a_log_line_never_leaves_a_half_drawn_bar_behind() -> None:
    screen_text = io.StringIO()
    logs.configure(json=False, stream=screen_text)
    try:
        progress = Progress(10, draw=True, stream=screen_text)
        for _ in range(3):
            progress.add("sent")
        progress.report()
        logs.get_logger().warning("rate.throttled", retry_after_s=1.0)
        progress.add("failed")
        progress.report()
        progress.close()
    finally:
        structlog.reset_defaults()
    written = screen_text.getvalue()
    screen = Screen(120)
    screen.feed(written)
    lines = [line for line in screen.lines() if line]
    assert len(lines) == 2, lines
    stamp, rest = lines[0].split(" ", 1)  # the log line on a row of its own
    assert stamp[:4].isdigit() and stamp.endswith("Z")
    assert rest.startswith("[warning  ] rate.throttled")
    assert lines[1].startswith("[#########---------------] 4/10  40%")
    # The bar is wiped ("\r" + erase) before the log line and drawn again after it.
    before, after = written.split("rate.throttled", 1)
    assert before.rsplit("sent=3", 1)[1].startswith("\x1b[K\r\x1b[K")
    assert "\r[#######" in after


def test_off_a_terminal_the_send_logs_its_progress_event_every_interval() -> None:
    clock, events = FakeClock(), Events()
    progress = Progress(
        10,
        already_done=2,
        draw=False,
        on_tick=send_ticks(events),
        interval=10.0,
        stream=io.StringIO(),
        clock=clock,
    )
    clock.now += 2.0
    progress.add("sent")  # the first one at once: the log shows the run is alive
    clock.now += 2.0
    progress.add("sent")
    progress.add("not_registered")  # within the interval: nothing
    clock.now += 8.0
    progress.add("sent")
    assert events.seen == [
        (
            "progress",
            {"done": 3, "total": 10, "rows_per_s": 0.5, "eta_s": 14, "counts": {"sent": 1}},
        ),
        (
            "progress",
            {
                "done": 6,
                "total": 10,
                "rows_per_s": 0.33,
                "eta_s": 12,
                "counts": {"not_registered": 1, "sent": 3},
            },
        ),
    ]
    progress.close()  # nothing drawn off a terminal
    assert len(events.seen) == 2


def test_verify_rounds_restart_the_count_and_log_their_label() -> None:
    clock, events = FakeClock(), Events()
    progress = Progress(0, draw=False, on_tick=verify_ticks(events), interval=0.0, clock=clock)
    progress.restart("check", 3)
    clock.now += 1.0
    progress.add("PROCESSED")
    progress.restart("wait", 1)
    clock.now += 0.5
    progress.add("ACCEPTED")
    assert events.seen[-1] == (
        "verify.progress",
        {"round": "wait", "done": 1, "total": 1, "checks_per_s": 2.0, "counts": {"ACCEPTED": 1}},
    )
