"""A finished run's figures as Prometheus metrics, pushed and/or written to a textfile.

Every figure is a gauge (Prometheus' convention for the result of a batch job): rows by
status, calls by operation, 429s, pauses, the duration, the exit code, the time of the
run and ``io_batch_last_success_timestamp_seconds``, the one a "no successful run for a
day" alert watches. Success is exit 0 or 1: the run reached its end (1 means some rows
need a person, not that the job failed).

Nothing here can change the run's exit code: a push or a write that fails is a logged
warning. On the Pushgateway the group is (job = the job's name, shard = ``K-of-N`` for a
shard's run) and the push replaces only the metrics it sends, so a failed run keeps the
last success's time; the textfile carries it over from the file it replaces.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from batch.common.logs import get_logger
from batch.config.metrics import MetricsSpec
from batch.errors import ExitCode
from batch.models import Status

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

_SUCCESS = (ExitCode.OK, ExitCode.ROWS_NEED_ATTENTION)
_LAST_SUCCESS = "io_batch_last_success_timestamp_seconds"
_VALUE = re.compile(rf"^{_LAST_SUCCESS}(?:{{[^}}]*}})?\s+(\S+)\s*$", re.MULTILINE)


def grouping(job_name: str, shard: str) -> dict[str, str]:
    """The labels that name one run's series: the job, and its shard (``2-of-4``)."""
    labels = {"job": job_name}
    if shard:
        labels["shard"] = shard.replace("/", "-of-")
    return labels


def build_registry(
    summary: Mapping[str, Any] | None,
    exit_code: int,
    *,
    now: float,
    last_success: float | None,
    labels: Mapping[str, str],
) -> CollectorRegistry:
    """The metrics of one run. ``summary``: the run summary's JSON content (None: the job
    stopped before a run began, only the exit code and the time are known).
    ``labels``: constant labels on every series (the textfile's; empty for a push, where
    the group says which job)."""
    # Imported here: a job without [metrics] never pays for loading the client.
    from prometheus_client import CollectorRegistry, Gauge  # noqa: PLC0415

    registry = CollectorRegistry()
    names = list(labels)

    def gauge(name: str, text: str, *extra: str) -> Gauge:
        return Gauge(name, text, [*names, *extra], registry=registry)

    def one(name: str, text: str, value: float) -> None:
        metric = gauge(name, text)
        (metric.labels(**labels) if names else metric).set(value)

    one("io_batch_exit_code", "The run's exit code (see io-batch --help)", exit_code)
    one("io_batch_last_run_timestamp_seconds", "When the run ended (Unix time)", now)
    if last_success is not None:
        one(_LAST_SUCCESS, "When a run last reached its end, exit 0 or 1", last_success)
    if summary is None:
        return registry
    rows = gauge("io_batch_rows", "Rows by status at the end of the run", "status")
    counts: Mapping[str, int] = summary.get("counts", {})
    for status in Status:
        rows.labels(**labels, status=status.value).set(counts.get(status.value, 0))
    calls = gauge("io_batch_calls", "API calls by operation", "operation")
    for operation, count in dict(summary.get("calls_by_operation", {})).items():
        calls.labels(**labels, operation=operation).set(count)
    one("io_batch_rows_input", "Rows of the run's input", summary.get("rows", 0))
    one("io_batch_throttled_calls", "Calls answered 429 by the gateway", summary["throttled"])
    one("io_batch_pauses", "Pauses after 429s (at most 500 listed)", len(summary["pauses"]))
    one("io_batch_duration_seconds", "The run's duration", summary.get("elapsed_s", 0.0))
    one(
        "io_batch_unknown_after_crash",
        "Submits in flight when an earlier attempt was killed",
        summary.get("unknown_after_crash", 0),
    )
    return registry


def publish_run_metrics(
    spec: MetricsSpec,
    job_name: str,
    summary: Mapping[str, Any] | None,
    exit_code: int,
    *,
    shard: str = "",
) -> None:
    """Push and/or write the run's metrics, as the job's ``[metrics]`` says; a failure of
    either is a warning and nothing else."""
    if not spec.enabled:
        return
    now = time.time()
    success = exit_code in _SUCCESS
    group = grouping(job_name, shard)
    if spec.pushgateway is not None:
        registry = build_registry(
            summary, exit_code, now=now, last_success=now if success else None, labels={}
        )
        _push(spec, registry, group)
    if spec.textfile is not None:
        kept = now if success else _last_success_in(spec.textfile)
        labels = {("io_batch_job" if key == "job" else key): value for key, value in group.items()}
        registry = build_registry(summary, exit_code, now=now, last_success=kept, labels=labels)
        _write(spec.textfile, registry)


def _push(spec: MetricsSpec, registry: CollectorRegistry, group: dict[str, str]) -> None:
    from prometheus_client import pushadd_to_gateway  # noqa: PLC0415

    job = group.pop("job")
    try:
        pushadd_to_gateway(
            spec.pushgateway or "",
            job=job,
            registry=registry,
            grouping_key=group,
            timeout=spec.timeout_seconds,
        )
    except Exception as error:
        get_logger().warning(
            "metrics.push_failed",
            pushgateway=spec.pushgateway,
            error=f"{type(error).__name__}: {error}",
            detail="the run's exit code is unchanged",
        )
        return
    get_logger().info("metrics.pushed", pushgateway=spec.pushgateway, job=job, **group)


def _write(path: Path, registry: CollectorRegistry) -> None:
    # Not 0600: node-exporter runs as another user and must read it. It holds counts
    # and the job's name, no personal data. write_to_textfile renames a complete file
    # into place, so the collector never reads half of one.
    from prometheus_client import write_to_textfile  # noqa: PLC0415

    try:
        write_to_textfile(str(path), registry)
        path.chmod(0o644)
    except OSError as error:
        get_logger().warning(
            "metrics.textfile_failed",
            textfile=str(path),
            error=f"{type(error).__name__}: {error.strerror or error}",
            detail="the run's exit code is unchanged",
        )
        return
    get_logger().info("metrics.written", textfile=str(path))


def _last_success_in(path: Path) -> float | None:
    """The last success's time from the file this run replaces (None: none there)."""
    try:
        match = _VALUE.search(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
    try:
        return float(match.group(1)) if match else None
    except ValueError:
        return None
