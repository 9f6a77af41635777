"""A real Prometheus Pushgateway (Debian's ``prometheus-pushgateway``) on 127.0.0.1.

Started on a free port with its persistence file in a temporary folder, stopped at the
end; skipped where the binary is missing, except under CI (see ``redis_server``)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers.redis_server import free_port, needed_binary

_START_TIMEOUT = 15.0


@dataclass
class Pushgateway:
    url: str

    def samples(self, name: str) -> dict[tuple[tuple[str, str], ...], float]:
        """Every sample of metric ``name``: its labels (sorted) -> its value."""
        text = httpx.get(f"{self.url}/metrics", timeout=10).text
        found: dict[tuple[tuple[str, str], ...], float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name:
                    labels = tuple(sorted((k, v) for k, v in sample.labels.items()))
                    found[labels] = sample.value
        return found


@contextmanager
def pushgateway(folder: Path) -> Iterator[Pushgateway]:
    binary = needed_binary("prometheus-pushgateway", "prometheus-pushgateway")
    port = free_port()
    process = subprocess.Popen(
        [binary, f"--web.listen-address=127.0.0.1:{port}",
         f"--persistence.file={folder / 'pushgateway.data'}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + _START_TIMEOUT
    while True:
        try:
            if httpx.get(f"{url}/-/ready", timeout=0.5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the Pushgateway did not start on {url}")
        time.sleep(0.05)
    try:
        yield Pushgateway(url)
    finally:
        process.kill()
        process.wait(timeout=10)
