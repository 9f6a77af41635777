"""What every benchmark needs: a sandbox process, a measured subprocess, inputs and jobs.

The sandbox always runs as its own process (``python -m batch sandbox``) so that its CPU
is never counted as io-batch's; io-batch runs as another process, started by a small
fresh launcher (``alone.py``) that measures it with ``os.wait4``: its own user + system
CPU and peak RSS, nothing else (not this suite's memory). Network only to 127.0.0.1;
every wait is bounded in time.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from batch.identifiers import fiscal_code
from batch.sandbox import DEFAULT_API_KEY, CallRecord, fetch_calls

REPO = Path(__file__).resolve().parents[2]
#: The launcher every measured command is started from (see ``alone``).
ALONE = Path(__file__).resolve().with_name("alone.py")
PYTHON = sys.executable
SANDBOX_KEY = DEFAULT_API_KEY  # "sandbox-key"
STARTUP_TIMEOUT = 30.0
POLL_SECONDS = 0.01

NAMES = ["Mario", "Giulia", "Luca", "Francesca", "Niccolò", "Chiara", "Sara", "Anna", "Loïc"]
SUBJECT = "TARI {anno}: rata in scadenza il {scadenza}"
MARKDOWN = (
    "Gentile {nome},\n\nti ricordiamo che la rata della **TARI {anno}** di {importo} euro "
    "scade il {scadenza}.\n\nPuoi pagarla direttamente in app con pagoPA, usando il codice "
    "avviso qui sotto.\n\n*Comune di Esempio - Ufficio Tributi*\n"
)
HEADER = ("codice_fiscale", "nome", "anno", "importo", "scadenza", "codice_avviso")


# -- inputs and jobs -------------------------------------------------------------------


def recipient_rows(count: int, seed: int) -> Iterator[tuple[str, ...]]:
    """Realistic, valid recipient rows (seeded): one fiscal code each, Italian amounts."""
    rng = random.Random(seed)
    for _ in range(count):
        euros, cents = rng.randint(40, 939), rng.randint(0, 99)
        notice = "3" + f"{rng.randrange(10**17):017d}"
        yield (
            fiscal_code.generate(rng),
            rng.choice(NAMES),
            "2026",
            f"{euros},{cents:02d}",
            "16/12/2026",
            notice,
        )


def write_recipients(path: Path, count: int, seed: int = 2026) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(recipient_rows(count, seed))
    return path


def write_job(
    folder: Path,
    *,
    base_url: str,
    input_path: Path,
    calls: int | None = 150,
    window: float = 5.0,
    name: str = "bench",
) -> Path:
    """A job file like the demo's, pointed at a sandbox running apart. ``calls=None``:
    no budget. Output and journal go into ``folder``."""
    rate = "unlimited = true" if calls is None else f"calls = {calls}\nwindow_seconds = {window}"
    markdown = MARKDOWN.replace("\\", "\\\\").replace('"', '\\"')
    job = folder / "job.toml"
    job.write_text(
        f"""[job]
name = "{name}"
[input]
path = "{input_path}"
separator = ";"
[output]
path = "{folder / "results.csv"}"
[columns]
fiscal_code = "codice_fiscale"
due_date = "scadenza"
amount = "importo"
notice_number = "codice_avviso"
[message]
subject = "{SUBJECT}"
markdown = \"\"\"{markdown}\"\"\"
amount_unit = "euro"
[target]
kind = "sandbox"
base_url = "{base_url}"
[rate]
{rate}
""",
        encoding="utf-8",
    )
    return job


# -- the sandbox -----------------------------------------------------------------------


@dataclass
class Sandbox:
    base_url: str
    process: subprocess.Popen[bytes]

    def reset(self) -> None:
        httpx.post(f"{self.base_url}/__sandbox/reset", timeout=10).raise_for_status()

    def calls(self) -> list[CallRecord]:
        return fetch_calls(self.base_url)

    def call_count(self) -> int:
        response = httpx.get(f"{self.base_url}/__sandbox/calls", timeout=10)
        response.raise_for_status()
        return len(response.json()["calls"])


@contextmanager
def sandbox(folder: Path, *options: str) -> Iterator[Sandbox]:
    """``python -m batch sandbox --port 0 OPTIONS`` for the ``with`` block."""
    log = folder / f"sandbox-{time.monotonic_ns()}.log"
    command = [PYTHON, "-m", "batch", "sandbox", "--host", "127.0.0.1", "--port", "0", *options]
    with log.open("wb") as err:
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=err)
    try:
        base_url = _wait_for_url(log, process)
        yield Sandbox(base_url, process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_for_url(log: Path, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        match = re.search(r"http://127\.0\.0\.1:\d+", log.read_text(errors="replace"))
        if match:
            url = match.group(0)
            if _healthy(url):
                return url
        if process.poll() is not None:
            raise RuntimeError(f"the sandbox exited: {log.read_text(errors='replace')}")
        time.sleep(0.05)
    raise RuntimeError(f"the sandbox did not start within {STARTUP_TIMEOUT:.0f} s")


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/__sandbox/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


# -- measured processes ----------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    """One finished child process: its exit code, wall time and its own CPU time."""

    returncode: int
    started: float  # time.monotonic() just before the process was started
    wall: float  # seconds from start to exit
    cpu: float  # user + system seconds of the process itself
    peak_rss_mb: float = 0.0  # the process's peak resident memory (ru_maxrss)


def run_measured(
    command: Sequence[str],
    *,
    timeout: float,
    stdout: Path,
    env: dict[str, str] | None = None,
    cwd: Path = REPO,
) -> Measured:
    """Run ``command`` to its end (killed after ``timeout`` s), started by ``alone.py``:
    a small fresh process, so that the figures (``os.wait4``: its own CPU and peak RSS)
    are the command's alone, never this suite's memory (see ``alone``)."""
    report = stdout.with_name(f"{stdout.name}.measured.json")
    report.unlink(missing_ok=True)
    launcher = [PYTHON, str(ALONE), str(report), *command]
    with stdout.open("wb") as out:
        process = subprocess.Popen(
            launcher, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env,
            start_new_session=True,
        )  # fmt: skip
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the launcher and the command
        process.wait()
        raise TimeoutError(f"{list(command)[2:4]} still running after {timeout:.0f} s") from None
    figures = json.loads(report.read_text(encoding="utf-8"))
    report.unlink()
    return Measured(
        returncode=int(figures["returncode"]),
        started=float(figures["started"]),
        wall=float(figures["wall"]),
        cpu=float(figures["cpu"]),
        peak_rss_mb=float(figures["peak_rss_mb"]),
    )


def io_batch(*args: str) -> list[str]:
    """The command line of ``io-batch ARGS`` (JSON logs: no terminal here)."""
    return [PYTHON, "-m", "batch", "--log-format", "json", *args]


def quiet_env(*, unbuffered: bool = False) -> dict[str, str]:
    """The environment for io-batch runs: no API key of the caller's leaks in.
    ``unbuffered``: log lines reach the file even if the run is killed."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("IO_")}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    return env
