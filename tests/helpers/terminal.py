"""A terminal for tests: a pseudo-terminal to run io-batch on, and a model of the screen.

``Screen`` replays what a program wrote the way a terminal shows it: auto-wrap at the
last column (deferred, as xterm and the VT100 do), ``\\r``, ``\\n`` and
erase-to-end-of-line; other escapes (colours) take no room.
"""

from __future__ import annotations

import errno
import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).parents[2]
CSI = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])")


def set_size(fd: int, *, columns: int, rows: int = 24) -> None:
    """What a terminal emulator does when its window is resized."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def segments(written: str) -> list[str]:
    """What was drawn between carriage returns and line feeds, escapes removed."""
    return [CSI.sub("", part) for part in re.split(r"[\r\n]", written)]


CSI = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])")


@dataclass
class Screen:
    """A terminal of ``width`` columns and endless rows, fed what a program writes."""

    width: int
    rows: list[list[str]] = field(default_factory=lambda: [[]])
    row: int = 0
    col: int = 0

    def feed(self, text: str) -> None:
        index = 0
        while index < len(text):
            escape = CSI.match(text, index)
            if escape is not None:
                if escape.group(2) == "K":  # erase from the cursor to the end of the row
                    del self.rows[self.row][self.col :]
                index = escape.end()  # colours and the like: nothing to place
                continue
            self._put(text[index])
            index += 1

    def _put(self, char: str) -> None:
        if char == "\r":
            self.col = 0
        elif char == "\n":
            self._next_row()
        elif char.isprintable():
            if self.col == self.width:  # deferred auto-wrap, as xterm and the VT100 do
                self._next_row()
            line = self.rows[self.row]
            line.extend(" " * (self.col + 1 - len(line)))
            line[self.col] = char
            self.col += 1

    def _next_row(self) -> None:
        self.row += 1
        self.col = 0
        if self.row == len(self.rows):
            self.rows.append([])

    def lines(self) -> list[str]:
        return ["".join(row).rstrip() for row in self.rows]


def run_on_pty(args: list[str], *, columns: int, rows: int = 24, timeout: float = 90) -> str:
    """Run ``python -m batch ARGS`` with stdin, stdout and stderr on a new pty of the
    given size; everything it wrote, as text."""
    master, slave = pty.openpty()
    set_size(slave, columns=columns, rows=rows)
    env = {k: v for k, v in os.environ.items() if not k.startswith("IO_")}
    env.pop("COLUMNS", None)  # the size must come from the terminal itself
    env.pop("LINES", None)
    env["TERM"] = "xterm"
    process = subprocess.Popen(
        [sys.executable, "-m", "batch", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=REPO,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                chunk = os.read(master, 65536)
            except OSError as error:  # EIO: the child closed its side of the pty
                if error.errno != errno.EIO:
                    raise
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    return b"".join(chunks).decode("utf-8", errors="replace")
