"""The checks that deploy/*.yaml must pass: each returns the problems it finds ([]: none).

Returning problems instead of asserting lets a test run a check on a mutated copy of a
manifest and assert the exact problem it reports: every check is shown to catch what
it is there for.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import kubernetes_validate

from batch.config.job_sections import Timeouts
from batch.errors import SIGNAL_EXIT_CODES, ExitCode
from tests.helpers.manifests import (
    REPO,
    SHELL_UNDER_TINI,
    Doc,
    claim_mounted_at,
    dockerfile_env,
    env_of,
    io_batch_argv,
    io_batch_container,
    job_file_text,
    job_spec,
    job_toml,
    named,
    objects,
    pod_spec,
    secret_mount_paths,
    shards_of,
    shell_script,
    subcommand,
    workloads,
)

#: Commands that call the IO API, so need the key.
CALLS_API = ("send", "rerun", "verify", "reach")
#: Writing the results after a stop, for the input sizes the manifests promise (README,
#: "Stopping": ~2 s per million rows, 5 s with a margin; 90 s covers 7 million rows).
RESULTS_MARGIN_S = 5 * 7
KNOWN_EXIT_CODES = {int(code) for code in ExitCode} | set(SIGNAL_EXIT_CODES)


def schema_problems(docs: list[Doc], version: str) -> list[str]:
    """Each document against Kubernetes' OpenAPI schema, strict: no unknown field."""
    problems = []
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = "/".join(str(part) for part in error.path)
            problems.append(f"{doc['kind']} {doc['metadata']['name']}: {where}: {error.message}")
    return problems


def security_problems(docs: list[Doc]) -> list[str]:
    problems = []
    for workload in workloads(docs):
        name, pod = workload["metadata"]["name"], pod_spec(workload)
        container = io_batch_container(workload)
        context = container.get("securityContext", {})
        resources = container.get("resources", {})
        wanted = {
            "restartPolicy: Never": pod.get("restartPolicy") == "Never",
            "runAsNonRoot": pod.get("securityContext", {}).get("runAsNonRoot") is True,
            "readOnlyRootFilesystem": context.get("readOnlyRootFilesystem") is True,
            "allowPrivilegeEscalation: false": context.get("allowPrivilegeEscalation") is False,
            "capabilities drop ALL": context.get("capabilities", {}).get("drop") == ["ALL"],
            "cpu and memory requests and limits": all(
                set(resources.get(kind, {})) >= {"cpu", "memory"} for kind in ("requests", "limits")
            ),
        }
        problems += [f"{name}: no {what}" for what, ok in wanted.items() if not ok]
    return problems


def volume_problems(docs: list[Doc], *, shared: bool) -> list[str]:
    """/data is one PersistentVolumeClaim of this file for every workload; ReadWriteMany
    when several pods use it at once (``shared``)."""
    claims = {pvc["metadata"]["name"]: pvc for pvc in objects(docs, "PersistentVolumeClaim")}
    problems = []
    used = set()
    for workload in workloads(docs):
        name = workload["metadata"]["name"]
        claim = claim_mounted_at(workload, "/data")
        used.add(claim)
        if claim is None or claim not in claims:
            problems.append(f"{name}: /data is not a PersistentVolumeClaim of this file")
        elif shared and claims[claim]["spec"]["accessModes"] != ["ReadWriteMany"]:
            problems.append(f"{name}: {claim} is not ReadWriteMany")
    if len(used) > 1:
        problems.append(f"the workloads use different volumes for /data: {sorted(map(str, used))}")
    return problems


def state_dir_problems(docs: list[Doc]) -> list[str]:
    """The journals (state dir: the job file's, else IO_BATCH_STATE_DIR) are under /data."""
    problems = []
    for workload in workloads(docs):
        state_dir = job_toml(docs, workload).get("output", {}).get("state_dir")
        env = env_of(io_batch_container(workload)).get("IO_BATCH_STATE_DIR", {})
        state_dir = state_dir or env.get("value") or dockerfile_env("IO_BATCH_STATE_DIR")
        if not PurePosixPath(str(state_dir)).is_relative_to("/data"):
            problems.append(f"{workload['metadata']['name']}: state dir {state_dir} not on /data")
    return problems


def api_key_problems(docs: list[Doc]) -> list[str]:
    """The key is read from a file of a mounted Secret, never written in the manifest."""
    problems = []
    for workload in workloads(docs):
        name = workload["metadata"]["name"]
        command, _ = subcommand(io_batch_argv(io_batch_container(workload)))
        variable = job_toml(docs, workload).get("target", {}).get("api_key_env", "IO_API_KEY")
        env = env_of(io_batch_container(workload))
        if variable in env:
            problems.append(f"{name}: {variable} is set in the manifest (use {variable}_FILE)")
        if command not in CALLS_API:
            continue
        key_file = env.get(f"{variable}_FILE", {}).get("value")
        secrets = [PurePosixPath(path) for path in secret_mount_paths(workload)]
        if key_file is None or PurePosixPath(key_file).parent not in secrets:
            problems.append(f"{name}: {variable}_FILE is not a file of a mounted Secret")
    return problems


def stop_bound(docs: list[Doc], workload: Doc) -> float:
    """README, "Stopping": the four timeouts of the job's [http] + writing the results."""
    http = job_toml(docs, workload).get("http", {})
    defaults = Timeouts()
    return (
        http.get("connect_timeout", defaults.connect)
        + http.get("write_timeout", defaults.write)
        + http.get("read_timeout", defaults.read)
        + http.get("pool_timeout", defaults.pool)
        + RESULTS_MARGIN_S
    )


def readme_default_timeouts_sum() -> float:
    """The README's own sum of the default timeouts (``5 + 10 + 30 + 10 = 55 s``)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(r"With the defaults, ([\d+ ]+) = (\d+) s", text)
    assert found is not None, "the README's grace period formula is gone"
    terms = [float(term) for term in found.group(1).split("+")]
    assert sum(terms) == float(found.group(2)), found.group(0)
    return float(found.group(2))


def grace_problems(docs: list[Doc]) -> list[str]:
    problems = []
    for workload in workloads(docs):
        grace = pod_spec(workload).get("terminationGracePeriodSeconds", 30)
        bound = stop_bound(docs, workload)
        if grace < bound:
            problems.append(
                f"{workload['metadata']['name']}: terminationGracePeriodSeconds {grace} "
                f"< the stop bound {bound:g} s"
            )
    return problems


def failure_policy_problems(docs: list[Doc]) -> list[str]:
    """podFailurePolicy rules that Kubernetes accepts and that mean something to io-batch."""
    problems = []
    for workload in workloads(docs):
        name, spec = workload["metadata"]["name"], job_spec(workload)
        rules = spec.get("podFailurePolicy", {}).get("rules", [])
        containers = {c["name"] for c in pod_spec(workload)["containers"]}
        disruption = [
            index
            for index, rule in enumerate(rules)
            if rule["action"] == "Ignore"
            and {"type": "DisruptionTarget", "status": "True"} in rule.get("onPodConditions", [])
        ]
        if disruption != [0]:
            problems.append(f"{name}: the first rule must Ignore a DisruptionTarget (eviction)")
        if rules and spec.get("podReplacementPolicy") != "Failed":
            problems.append(f"{name}: podFailurePolicy needs podReplacementPolicy: Failed")
        for rule in rules:
            codes = rule.get("onExitCodes")
            if codes is None:
                continue
            if unknown := set(codes["values"]) - KNOWN_EXIT_CODES:
                problems.append(f"{name}: exit codes io-batch never gives: {sorted(unknown)}")
            if codes["operator"] == "In" and 0 in codes["values"]:
                problems.append(f"{name}: exit code 0 is a success, not a failure")
            if codes.get("containerName", "io-batch") not in containers:
                problems.append(f"{name}: no container {codes['containerName']}")
            if rule["action"] == "FailIndex" and "backoffLimitPerIndex" not in spec:
                problems.append(f"{name}: FailIndex needs backoffLimitPerIndex")
            if _matches(codes, ExitCode.NOT_PUBLISHED_YET) and rule["action"] != "Ignore":
                problems.append(
                    f"{name}: exit 69 (the feed's day not published yet) would not be "
                    f"retried ({rule['action']}): a later try succeeds"
                )
        command, _ = subcommand(io_batch_argv(io_batch_container(workload)))
        if command == "send" and not _config_error_fails_job(spec, rules):
            problems.append(f"{name}: a config error (exit 2) would be retried")
    return problems


def _matches(codes: Doc, code: int) -> bool:
    """Whether an ``onExitCodes`` requirement matches the exit code ``code``."""
    listed = code in codes["values"]
    return listed if codes["operator"] == "In" else not listed


def _config_error_fails_job(spec: Doc, rules: list[Doc]) -> bool:
    for rule in rules:
        codes = rule.get("onExitCodes")
        if codes and codes["operator"] == "In" and ExitCode.CONFIG_ERROR in codes["values"]:
            return bool(rule["action"] == "FailJob")
    return spec.get("backoffLimit") == 0 and "backoffLimitPerIndex" not in spec


def indexed_problems(docs: list[Doc]) -> list[str]:
    """The sharded send and its merge agree on N, the job file and the volume."""
    send, merge = named(docs, "Job", "io-batch-send"), named(docs, "Job", "io-batch-merge")
    spec, problems = send["spec"], []
    send_argv = io_batch_argv(io_batch_container(send))
    merge_argv = io_batch_argv(io_batch_container(merge))
    shards = shards_of(docs, send)
    if spec.get("completionMode") != "Indexed":
        problems.append("io-batch-send: completionMode is not Indexed")
    if not spec.get("completions") == spec.get("parallelism") == shards:
        problems.append(
            f"io-batch-send: completions {spec.get('completions')}, parallelism "
            f"{spec.get('parallelism')} and the shards ({shards}) must be one N"
        )
    if spec.get("backoffLimitPerIndex", 0) < 1:
        problems.append("io-batch-send: a failed shard is not retried on its own")
    if subcommand(send_argv)[0] != "send":
        problems.append(f"io-batch-send runs {send_argv}, not io-batch send")
    if subcommand(merge_argv)[0] != "merge":
        problems.append(f"io-batch-merge runs {merge_argv}, not io-batch merge")
    if job_file_text(docs, merge) != job_file_text(docs, send):
        problems.append("io-batch-merge reads another job file than io-batch-send")
    if shards_of(docs, merge) != shards:
        problems.append(f"io-batch-merge merges {shards_of(docs, merge)} shards, not {shards}")
    if job_toml(docs, send).get("rate", {}).get("unlimited") is not True:
        problems.append("the job file has a rate budget: shards would only split it")
    problems += _exit_one_problems(send)
    problems += _step_problems(docs)
    return problems


def _exit_one_problems(send: Doc) -> list[str]:
    """Exit 1 (finished, rows need attention) must not fail a shard's index."""
    container = io_batch_container(send)
    script = shell_script(container)
    if container.get("command") != SHELL_UNDER_TINI or script is None:
        return ["io-batch-send: not the shell under tini -g (a stop must reach io-batch)"]
    problems = []
    if 'if [ "$code" -eq 1 ]; then exit 0; fi' not in script:
        problems.append("io-batch-send: exit 1 would fail the shard's index")
    if not script.startswith("trap : TERM INT\n"):
        problems.append("io-batch-send: the shell would die on SIGTERM before io-batch stops")
    return problems


def _step_problems(docs: list[Doc]) -> list[str]:
    """`kubectl apply -l io-batch/step=send` gives the shards all they need, no merge."""
    steps: dict[str, set[str]] = {}
    for doc in docs:
        step = doc["metadata"].get("labels", {}).get("io-batch/step", "")
        steps.setdefault(step, set()).add(f"{doc['kind']}/{doc['metadata']['name']}")
    expected = {
        "send": {
            "PersistentVolumeClaim/io-batch-shared",
            "ConfigMap/io-batch-campaign",
            "Job/io-batch-send",
        },
        "merge": {"Job/io-batch-merge"},
    }
    return [] if steps == expected else [f"io-batch/step labels: {steps}, not {expected}"]
