"""deploy/alerts.yaml: a valid PrometheusRule whose alerts fire on io-batch's own exit
codes and metrics, checked by Prometheus' own ``promtool`` (Debian's ``prometheus``):
its rules parse, and its unit tests show which alert fires for which exit code. Each
io-batch check is also run on a broken copy, to show that it catches what it is for."""

from __future__ import annotations

import copy
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from batch.errors import ExitCode
from batch.metrics.run_metrics import build_registry
from tests.helpers.manifests import DEPLOY, load_documents
from tests.helpers.redis_server import needed_binary

ALERTS = DEPLOY / "alerts.yaml"
SEVERITIES = {"critical", "warning", "info"}
RULE_KEYS = {"alert", "expr", "for", "labels", "annotations", "keep_firing_for"}
Doc = dict[str, Any]


def io_batch_metric_names() -> set[str]:
    summary = {"counts": {}, "calls_by_operation": {"profile": 1}, "throttled": 0, "pauses": []}
    registry = build_registry(summary, 0, now=0.0, last_success=0.0, labels={})
    return {metric.name for metric in registry.collect()}


def rule_problems(docs: list[Doc]) -> list[str]:
    """What io-batch knows about its alerts: the shape, severities, exit codes, metrics."""
    problems: list[str] = []
    if [(doc.get("apiVersion"), doc.get("kind")) for doc in docs] != [
        ("monitoring.coreos.com/v1", "PrometheusRule")
    ]:
        return ["the file must hold exactly one monitoring.coreos.com/v1 PrometheusRule"]
    known_metrics = io_batch_metric_names()
    codes = {int(code) for code in ExitCode}
    for group in docs[0]["spec"]["groups"]:
        for rule in group["rules"]:
            name = rule.get("alert", "?")
            if set(rule) - RULE_KEYS or "expr" not in rule:
                problems.append(f"{name}: keys {sorted(rule)}")
            if rule.get("labels", {}).get("severity") not in SEVERITIES:
                problems.append(f"{name}: severity must be one of {sorted(SEVERITIES)}")
            if {"summary", "description"} - set(rule.get("annotations", {})):
                problems.append(f"{name}: needs a summary and a description")
            expr = str(rule.get("expr", ""))
            for code in re.findall(r"io_batch_exit_code\)?\s*==\s*(\d+)", expr):
                if int(code) not in codes:
                    problems.append(f"{name}: exit code {code} does not exist")
            for metric in re.findall(r"\b(io_batch_\w+)", expr):
                if metric not in known_metrics:
                    problems.append(f"{name}: io-batch pushes no metric {metric}")
    return problems


def promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    binary = needed_binary("promtool", "prometheus")
    return subprocess.run(
        [binary, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def write_rules(docs: list[Doc], folder: Path) -> Path:
    path = folder / "rules.yaml"
    path.write_text(yaml.safe_dump(docs[0]["spec"]), encoding="utf-8")
    return path


def test_the_alerts_are_right_for_io_batch() -> None:
    assert rule_problems(load_documents(ALERTS)) == []


@pytest.mark.parametrize(
    ("break_it", "problem"),
    [
        (lambda rule: rule["labels"].update(severity="page"), "severity"),
        (lambda rule: rule.update(expr="max by (job) (io_batch_exit_code) == 8"), "exit code 8"),
        (lambda rule: rule.update(expr="io_batch_exitcode > 1"), "no metric io_batch_exitcode"),
        (lambda rule: rule["annotations"].pop("description"), "a description"),
        (lambda rule: rule.update(fro="5m"), "keys"),
    ],
)
def test_each_check_catches_a_broken_copy(break_it: Any, problem: str) -> None:
    docs = copy.deepcopy(load_documents(ALERTS))
    break_it(docs[0]["spec"]["groups"][0]["rules"][0])
    assert any(problem in found for found in rule_problems(docs))


def test_promtool_accepts_the_rules(tmp_path: Path) -> None:
    checked = promtool("check", "rules", str(write_rules(load_documents(ALERTS), tmp_path)),
                       cwd=tmp_path)  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 8 rules found" in checked.stdout


def test_promtool_rejects_a_broken_expression(tmp_path: Path) -> None:
    docs = copy.deepcopy(load_documents(ALERTS))
    docs[0]["spec"]["groups"][0]["rules"][0]["expr"] = "max by (job (io_batch_exit_code) == 2"
    checked = promtool("check", "rules", str(write_rules(docs, tmp_path)), cwd=tmp_path)
    assert checked.returncode != 0


def annotations(alert: str, labels: dict[str, str], value: str) -> dict[str, str]:
    """The alert's annotations as Prometheus renders them (promtool compares them too)."""
    [rule] = [
        rule
        for group in load_documents(ALERTS)[0]["spec"]["groups"]
        for rule in group["rules"]
        if rule.get("alert") == alert
    ]

    def render(text: str) -> str:
        text = re.sub(r"{{ \$labels\.(\w+) }}", lambda m: labels[m.group(1)], text)
        return re.sub(r"{{ \$value(?: \| \w+)? }}", value, text)

    return {key: render(text) for key, text in rule["annotations"].items()}


def firing(code: int) -> dict[str, list[Doc]]:
    """promtool's expectation: which alerts fire, 10 minutes in, for a run's exit code."""
    labels = {"job": "tari", "shard": "1-of-2"}
    needs = {2, 3, 4, 7, 70}
    expected = {
        "IoBatchNeedsFixing": ("critical", code in needs),
        "IoBatchAborted": ("warning", code == 5),
        "IoBatchRowsNeedAttention": ("info", code == 1),
    }
    return {
        name: [
            {
                "exp_labels": {**labels, "severity": severity},
                "exp_annotations": annotations(name, labels, str(code)),
            }
        ]
        if fires
        else []
        for name, (severity, fires) in expected.items()
    }


@pytest.mark.parametrize("code", [0, 1, 2, 3, 4, 5, 6, 7, 70, 75, 130])
def test_which_alert_fires_for_which_exit_code(tmp_path: Path, code: int) -> None:
    rules = write_rules(load_documents(ALERTS), tmp_path)
    cases = firing(code)
    tests = {
        "rule_files": [rules.name],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {
                        "series": 'io_batch_exit_code{job="tari", shard="1-of-2"}',
                        "values": f"{code}x20",
                    }
                ],
                "alert_rule_test": [
                    {"eval_time": "10m", "alertname": name, "exp_alerts": alerts}
                    for name, alerts in cases.items()
                ],
            }
        ],
    }
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump(tests), encoding="utf-8")
    tested = promtool("test", "rules", "tests.yaml", cwd=tmp_path)
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_no_success_for_a_day_fires_and_a_recent_one_does_not(tmp_path: Path) -> None:
    rules = write_rules(load_documents(ALERTS), tmp_path)
    # At t = 0 the job succeeded (timestamp 0); 27 h later it has not again.
    series = 'io_batch_last_success_timestamp_seconds{job="tari"}'
    tests = {
        "rule_files": [rules.name],
        "evaluation_interval": "1h",
        "tests": [
            {
                "interval": "1h",
                "input_series": [{"series": series, "values": "0x30"}],
                "alert_rule_test": [
                    {"eval_time": "25h", "alertname": "IoBatchNoRecentSuccess", "exp_alerts": []},
                    {
                        "eval_time": "27h",
                        "alertname": "IoBatchNoRecentSuccess",
                        "exp_alerts": [
                            {
                                "exp_labels": {"job": "tari", "severity": "warning"},
                                "exp_annotations": annotations(
                                    "IoBatchNoRecentSuccess", {"job": "tari"}, "1d 3h 0m 0s"
                                ),
                            }
                        ],
                    },
                ],
            }
        ],
    }
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump(tests), encoding="utf-8")
    tested = promtool("test", "rules", "tests.yaml", cwd=tmp_path)
    assert tested.returncode == 0, tested.stdout + tested.stderr
