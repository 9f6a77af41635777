"""deploy/cronjob.yaml and deploy/indexed-job.yaml: valid Kubernetes, and right for io-batch.

Kubernetes' own schema (kubernetes-validate, offline, strict: an unknown or misspelt
field fails) for the oldest version the manifests support and the newest the package
knows; then what only io-batch knows: N agreed everywhere, the journals on the volume,
the key from a Secret file, a grace period over the stop bound, exit codes that exist.
Each check is also run on a broken copy, to show that it catches what it is for.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kubernetes_validate.utils import latest_version

from batch.config.job import Job, load_job, parse_job
from batch.config.job_sections import Timeouts
from batch.errors import ConfigError
from tests.helpers import manifest_checks as checks
from tests.helpers.manifests import (
    CRONJOB,
    INDEXED,
    REPO,
    Doc,
    io_batch_container,
    job_file_text,
    load_documents,
    named,
    workloads,
)

MANIFESTS = {"cronjob": CRONJOB, "indexed": INDEXED}
#: The oldest Kubernetes the manifests' headers name (podReplacementPolicy is GA there),
#: and the newest kubernetes-validate has a schema for.
VERSIONS = ["1.34", latest_version()]
Check = Callable[[list[Doc]], list[str]]
COMMON_CHECKS: dict[str, Check] = {
    "security": checks.security_problems,
    "state dir": checks.state_dir_problems,
    "api key": checks.api_key_problems,
    "grace": checks.grace_problems,
    "failure policy": checks.failure_policy_problems,
}


def docs_of(manifest: str) -> list[Doc]:
    return load_documents(MANIFESTS[manifest])


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("manifest", sorted(MANIFESTS))
def test_every_document_is_valid_kubernetes(manifest: str, version: str) -> None:
    docs = docs_of(manifest)
    assert checks.schema_problems(docs, version) == []
    assert {doc["kind"] for doc in docs} >= {"PersistentVolumeClaim", "ConfigMap"}


@pytest.mark.parametrize("check", sorted(COMMON_CHECKS))
@pytest.mark.parametrize("manifest", sorted(MANIFESTS))
def test_the_manifest_passes_the_io_batch_checks(manifest: str, check: str) -> None:
    assert COMMON_CHECKS[check](docs_of(manifest)) == []


def test_the_volume_is_shared_by_the_shards_and_one_disk_for_the_cronjob() -> None:
    assert checks.volume_problems(docs_of("indexed"), shared=True) == []
    assert checks.volume_problems(docs_of("cronjob"), shared=False) == []


def test_the_sharded_send_and_its_merge_agree() -> None:
    docs = docs_of("indexed")
    assert checks.indexed_problems(docs) == []
    send = named(docs, "Job", "io-batch-send")["spec"]
    assert send["completions"] == send["parallelism"] == 4
    assert "N, the number of shards, is 4 here" in INDEXED.read_text(encoding="utf-8")


def load_embedded_job(text: str, tmp_path: Path) -> Job:
    """The job file as io-batch reads it. Where this checkout's load_job does not know
    [shards] yet (its sharding lands in another branch), the rest of the file still goes
    through the real loader and [shards] is checked as TOML."""
    path = tmp_path / "job.toml"
    path.write_text(text, encoding="utf-8")
    try:
        return load_job(path)
    except ConfigError as error:
        if "unknown key in job file: shards" not in str(error):
            raise
    raw = tomllib.loads(text)
    shards = raw.pop("shards")
    assert set(shards) == {"count"}
    assert isinstance(shards["count"], int)
    assert shards["count"] >= 2
    return parse_job(raw, source=path)


@pytest.mark.parametrize("manifest", sorted(MANIFESTS))
def test_the_embedded_job_files_load(manifest: str, tmp_path: Path) -> None:
    docs = docs_of(manifest)
    for workload in workloads(docs):
        job = load_embedded_job(job_file_text(docs, workload), tmp_path)
        assert str(job.output).startswith("/data/out/")
        assert job.state_dir == Path("/data/state")
        assert job.target.kind == "io"
        if manifest == "indexed":
            assert job.rate.calls is None  # unlimited: the only accounts to shard
        else:
            assert job.rate.label == "150/5s"


def test_a_broken_embedded_job_file_fails_to_load(tmp_path: Path) -> None:
    docs = docs_of("indexed")
    text = job_file_text(docs, named(docs, "Job", "io-batch-send"))
    with pytest.raises(ConfigError, match="unlimited"):
        load_embedded_job(text.replace("unlimited = true", 'unlimited = "yes"'), tmp_path)


def test_the_stop_bound_is_the_readmes() -> None:
    defaults = Timeouts()
    assert checks.readme_default_timeouts_sum() == (
        defaults.connect + defaults.write + defaults.read + defaults.pool
    )


def test_the_readme_and_the_manifest_give_the_same_steps() -> None:
    header = INDEXED.read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    steps = re.findall(r"^#   (kubectl (?:apply|wait) .*)$", header, re.MULTILINE)
    assert len(steps) == 4
    assert "kubectl wait --for=condition=complete job/io-batch-send --timeout=" in steps[1]
    for step in steps:
        assert step in readme


def test_every_workload_runs_the_same_image() -> None:
    images = {
        io_batch_container(workload)["image"]
        for manifest in MANIFESTS
        for workload in workloads(docs_of(manifest))
    }
    assert len(images) == 1


def breaks(path: list[Any], value: Any) -> Callable[[list[Doc]], None]:
    """A mutation: set the value at ``path`` (document index first) to ``value``."""

    def mutate(docs: list[Doc]) -> None:
        node: Any = docs
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value

    return mutate


def edits_job_file(old: str, new: str) -> Callable[[list[Doc]], None]:
    def mutate(docs: list[Doc]) -> None:
        [config_map] = [doc for doc in docs if doc["kind"] == "ConfigMap"]
        [(key, text)] = config_map["data"].items()
        assert old in text
        config_map["data"][key] = text.replace(old, new)

    return mutate


def edits_script(old: str, new: str) -> Callable[[list[Doc]], None]:
    def mutate(docs: list[Doc]) -> None:
        container = io_batch_container(named(docs, "Job", "io-batch-send"))
        assert old in container["args"][0]
        container["args"][0] = container["args"][0].replace(old, new)

    return mutate


def schema_1_34(docs: list[Doc]) -> list[str]:
    return checks.schema_problems(docs, "1.34")


def shared_volume(docs: list[Doc]) -> list[str]:
    return checks.volume_problems(docs, shared=True)


# Indexed manifest: 0 PVC, 1 ConfigMap, 2 the send Job, 3 the merge Job.
SEND_POD = [2, "spec", "template", "spec"]
SEND_CONTAINER = [*SEND_POD, "containers", 0]
CRON_POD = [2, "spec", "jobTemplate", "spec", "template", "spec"]
MUTATIONS: dict[str, tuple[str, Callable[[list[Doc]], None], Check, str]] = {
    "misspelt field": ("indexed", breaks([2, "spec", "completionsMode"], "Indexed"), schema_1_34,
                       "Additional properties are not allowed ('completionsMode'"),
    "cron: wrong type": ("cronjob", breaks([*CRON_POD, "terminationGracePeriodSeconds"], "90"),
                         schema_1_34, "'90' is not of type 'integer'"),
    "parallelism != shards": ("indexed", breaks([2, "spec", "parallelism"], 3),
                              checks.indexed_problems, "parallelism 3 and the shards (4)"),
    "[shards] count != completions": ("indexed", edits_job_file("count = 4", "count = 5"),
                                      checks.indexed_problems, "completions 4, parallelism 4"),
    "not Indexed": ("indexed", breaks([2, "spec", "completionMode"], "NonIndexed"),
                    checks.indexed_problems, "completionMode is not Indexed"),
    "no per-index retry": ("indexed", breaks([2, "spec", "backoffLimitPerIndex"], 0),
                           checks.indexed_problems, "not retried on its own"),
    "merge of other N": ("indexed", breaks([3, "spec", "template", "spec", "containers", 0,
                                            "args"], ["merge", "/etc/io-batch/campaign.toml",
                                                      "--shards", "3"]),
                         checks.indexed_problems, "merges 3 shards, not 4"),
    "merge runs send": ("indexed", breaks([3, "spec", "template", "spec", "containers", 0,
                                           "args"], ["send", "/etc/io-batch/campaign.toml"]),
                        checks.indexed_problems, "not io-batch merge"),
    "budgeted account": ("indexed", edits_job_file("unlimited = true", "unlimited = false"),
                         checks.indexed_problems, "shards would only split it"),
    "exit 1 fails index": ("indexed", edits_script('if [ "$code" -eq 1 ]; then exit 0; fi\n', ""),
                           checks.indexed_problems, "exit 1 would fail the shard's index"),
    "no trap": ("indexed", edits_script("trap : TERM INT\n", ""), checks.indexed_problems,
                "die on SIGTERM"),
    "tini without -g": ("indexed", breaks([*SEND_CONTAINER, "command"],
                                          ["/usr/bin/tini", "--", "/bin/sh", "-c"]),
                        checks.indexed_problems, "tini -g"),
    "merge in step send": ("indexed", breaks([3, "metadata", "labels", "io-batch/step"], "send"),
                           checks.indexed_problems, "io-batch/step labels"),
    "RWO volume": ("indexed", breaks([0, "spec", "accessModes"], ["ReadWriteOnce"]),
                   shared_volume, "io-batch-shared is not ReadWriteMany"),
    "merge on another volume": ("indexed", breaks([3, "spec", "template", "spec", "volumes", 0,
                                                   "persistentVolumeClaim", "claimName"], "x"),
                                shared_volume, "io-batch-merge: /data is not a Persistent"),
    "restart OnFailure": ("indexed", breaks([*SEND_POD, "restartPolicy"], "OnFailure"),
                          checks.security_problems, "io-batch-send: no restartPolicy: Never"),
    "root allowed": ("cronjob", breaks([*CRON_POD, "securityContext", "runAsNonRoot"], False),
                     checks.security_problems, "io-batch-nightly: no runAsNonRoot"),
    "writable root": ("indexed", breaks([*SEND_CONTAINER, "securityContext",
                                         "readOnlyRootFilesystem"], False),
                      checks.security_problems, "no readOnlyRootFilesystem"),
    "state off the volume": ("indexed", edits_job_file('state_dir = "/data/state"',
                                                       'state_dir = "/tmp/state"'),
                             checks.state_dir_problems, "state dir /tmp/state not on /data"),
    "literal key": ("cronjob", breaks([*CRON_POD, "containers", 0, "env"],
                                      [{"name": "IO_API_KEY", "value": "s3cret"}]),
                    checks.api_key_problems, "IO_API_KEY is set in the manifest"),
    "key file off the secret": ("indexed", breaks([*SEND_CONTAINER, "env", 0, "value"],
                                                  "/data/api-key"),
                                checks.api_key_problems, "not a file of a mounted Secret"),
    "short grace": ("indexed", breaks([*SEND_POD, "terminationGracePeriodSeconds"], 30),
                    checks.grace_problems, "30 < the stop bound 90 s"),
    "slow IO, same grace": ("cronjob", edits_job_file("[rate]", "[http]\nread_timeout = 60\n\n"
                                                      "[rate]"),
                            checks.grace_problems, "90 < the stop bound 120 s"),
    "unknown exit code": ("indexed", breaks([2, "spec", "podFailurePolicy", "rules", 1,
                                             "onExitCodes", "values"], [2, 3, 4, 71]),
                          checks.failure_policy_problems, "io-batch never gives: [71]"),
    "config error retried": ("indexed", breaks([2, "spec", "podFailurePolicy", "rules", 1,
                                                "action"], "Count"),
                             checks.failure_policy_problems, "(exit 2) would be retried"),
    "not published yet fails the job": ("indexed", breaks([2, "spec", "podFailurePolicy",
                                                           "rules", 1, "onExitCodes", "values"],
                                                          [2, 3, 4, 69, 70]),
                                        checks.failure_policy_problems,
                                        "exit 69 (the feed's day not published yet) would not"),
    "cron retries": ("cronjob", breaks([2, "spec", "jobTemplate", "spec", "backoffLimit"], 3),
                     checks.failure_policy_problems, "(exit 2) would be retried"),
    "no eviction rule": ("cronjob", breaks([2, "spec", "jobTemplate", "spec", "podFailurePolicy",
                                            "rules"], []),
                         checks.failure_policy_problems, "Ignore a DisruptionTarget"),
    "replacement overlaps": ("indexed", breaks([3, "spec", "podReplacementPolicy"],
                                               "TerminatingOrFailed"),
                             checks.failure_policy_problems, "podReplacementPolicy: Failed"),
}  # fmt: skip


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_each_check_catches_a_broken_copy(mutation: str) -> None:
    manifest, mutate, check, expected = MUTATIONS[mutation]
    docs = copy.deepcopy(docs_of(manifest))
    assert check(docs) == []
    mutate(docs)
    problems = check(docs)
    assert any(expected in problem for problem in problems), problems
