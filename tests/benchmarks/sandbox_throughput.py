"""How many requests per second the sandbox serves on loopback: one uvicorn process, no latency.

    .venv/bin/python tests/benchmarks/sandbox_throughput.py [--requests 6000] [--clients 2]

Starts ``python -m batch.sandbox --unlimited`` in its own process and drives it with
concurrent httpx clients in ``--clients`` other processes (one httpx process cannot
keep a server busy: it spends ~2 ms of CPU per request). Bounded in count and time.
For each operation it prints every run and the median of the runs: requests per
second of wall time, and requests per second of the server's own CPU time (what it
could serve with a core to itself).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import anyio
import httpx

REPO = Path(__file__).parents[2]
KEY = {"Ocp-Apim-Subscription-Key": "sandbox-key"}
FISCAL_CODE = "AAAAAA00A00A000A"
MESSAGE = {
    "fiscal_code": FISCAL_CODE,
    "content": {
        "subject": "Promemoria scadenza TARI",
        "markdown": "Gentile cittadino, ti ricordiamo che la rata della TARI scade il 31 "
        "dicembre: puoi pagarla in app con pagoPA.",
        "payment_data": {"amount": 12_345, "notice_number": "301011100007347557"},
        "due_date": "2026-12-31T23:59:59Z",
    },
}
REQUESTS = {
    "profile": ("/api/v1/profiles", {"fiscal_code": FISCAL_CODE}),
    "submit": ("/api/v1/messages", MESSAGE),
}
RUN_TIMEOUT = 120.0


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, from /proc (Linux); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _drive(base_url: str, operation: str, total: int, concurrency: int) -> None:
    """Client process: send ``total`` requests; print when it started and ended."""
    path, body = REQUESTS[operation]
    remaining = total
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, headers=KEY, limits=limits) as client:

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                response = await client.post(path, json=body)
                if response.status_code >= 300:
                    raise RuntimeError(f"unexpected {response.status_code}: {response.text}")

        await client.get("/__sandbox/health")  # connect before the clock starts
        started = time.monotonic()  # one clock for every process of the machine
        with anyio.fail_after(RUN_TIMEOUT):
            async with anyio.create_task_group() as group:
                for _ in range(concurrency):
                    group.start_soon(worker)
        print(json.dumps({"started": started, "ended": time.monotonic()}), flush=True)


def _run(
    base_url: str, server_pid: int, operation: str, args: argparse.Namespace
) -> dict[str, float]:
    httpx.post(f"{base_url}/__sandbox/reset", timeout=10).raise_for_status()
    share = args.requests // args.clients
    command = [sys.executable, __file__, "--drive", base_url, "--operation", operation,
               "--requests", str(share), "--concurrency", str(args.concurrency)]  # fmt: skip
    cpu_before = _cpu_seconds(server_pid)
    clients = [
        subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(args.clients)
    ]
    spans = []
    for client in clients:
        out, _ = client.communicate(timeout=RUN_TIMEOUT + 30)
        if client.returncode != 0:
            raise RuntimeError(f"a client failed (exit {client.returncode})")
        spans.append(json.loads(out.strip().splitlines()[-1]))
    cpu_after = _cpu_seconds(server_pid)
    served = share * args.clients
    wall = max(s["ended"] for s in spans) - min(s["started"] for s in spans)
    result = {"wall": served / wall}
    if cpu_before is not None and cpu_after is not None and cpu_after > cpu_before:
        result["cpu"] = served / (cpu_after - cpu_before)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=6000, help="per run (default: 6000)")
    parser.add_argument("--clients", type=int, default=2, help="client processes (default: 2)")
    parser.add_argument("--concurrency", type=int, default=4, help="per client (default: 4)")
    parser.add_argument("--runs", type=int, default=3, help="runs per operation (default: 3)")
    parser.add_argument("--drive", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--operation", default="profile", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        anyio.run(_drive, args.drive, args.operation, args.requests, args.concurrency)
        return 0

    command = [sys.executable, "-m", "batch.sandbox", "--port", "0", "--unlimited"]
    with subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True) as server:
        try:
            assert server.stderr is not None
            match = re.search(r"http://[\d.]+:\d+", server.stderr.readline())
            if match is None:
                raise RuntimeError("the sandbox did not start")
            base_url = match.group(0)
            print(f"sandbox at {base_url}; {args.requests} requests per run from {args.clients} "
                  f"client processes x {args.concurrency} connections; "
                  f"{os.cpu_count()} CPUs")  # fmt: skip
            for operation in REQUESTS:
                runs = [_run(base_url, server.pid, operation, args) for _ in range(args.runs)]
                for number, run in enumerate(runs, 1):
                    cpu = f", {run['cpu']:6.0f} per server CPU-second" if "cpu" in run else ""
                    print(f"  {operation} run {number}: {run['wall']:6.0f} req/s wall{cpu}")
                wall = statistics.median(run["wall"] for run in runs)
                line = f"{operation}: median {wall:.0f} req/s wall"
                if all("cpu" in run for run in runs):
                    cpu_median = statistics.median(run["cpu"] for run in runs)
                    line += f", {cpu_median:.0f} per server CPU-second"
                print(line)
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
