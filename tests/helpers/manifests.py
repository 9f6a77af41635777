"""Reading deploy/*.yaml the way Kubernetes and io-batch will: workloads, pods, commands.

The checks of tests/unit/test_deploy_manifests.py are built on these. Everything here
takes the parsed documents (a list of dicts), so that a test can mutate a deep copy and
show that a check catches the mistake.
"""

from __future__ import annotations

import shlex
import tomllib
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).parents[2]
DEPLOY = REPO / "deploy"
CRONJOB = DEPLOY / "cronjob.yaml"
INDEXED = DEPLOY / "indexed-job.yaml"

Doc = dict[str, Any]

#: The image's entry point (Dockerfile): what runs when a container sets no `command`.
ENTRYPOINT = ["/usr/bin/tini", "--", "io-batch"]
#: The shard's command: a shell under `tini -g`, so that a stop reaches io-batch too.
SHELL_UNDER_TINI = ["/usr/bin/tini", "-g", "--", "/bin/sh", "-c"]


def load_documents(path: Path) -> list[Doc]:
    """Every document of a manifest file (YAML anchors resolved, as kubectl does)."""
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def objects(docs: list[Doc], kind: str) -> list[Doc]:
    return [doc for doc in docs if doc["kind"] == kind]


def named(docs: list[Doc], kind: str, name: str) -> Doc:
    [doc] = [doc for doc in objects(docs, kind) if doc["metadata"]["name"] == name]
    return doc


def workloads(docs: list[Doc]) -> list[Doc]:
    """The Jobs and CronJobs: everything that runs a pod."""
    return [doc for doc in docs if doc["kind"] in ("Job", "CronJob")]


def job_spec(workload: Doc) -> Doc:
    spec: Doc = workload["spec"]
    return spec["jobTemplate"]["spec"] if workload["kind"] == "CronJob" else spec


def pod_spec(workload: Doc) -> Doc:
    spec: Doc = job_spec(workload)["template"]["spec"]
    return spec


def io_batch_container(workload: Doc) -> Doc:
    [container] = [c for c in pod_spec(workload)["containers"] if c["name"] == "io-batch"]
    return container


def shell_script(container: Doc) -> str | None:
    """The shell script a container runs, when it runs one instead of io-batch itself."""
    if container.get("command", ENTRYPOINT)[-2:] != ["/bin/sh", "-c"]:
        return None
    script: str = container["args"][0]
    return script


def io_batch_argv(container: Doc) -> list[str]:
    """The io-batch command line, from the args (entry point) or from the shell script."""
    script = shell_script(container)
    if script is None:
        assert container.get("command", ENTRYPOINT) == ENTRYPOINT, container.get("command")
        return ["io-batch", *container.get("args", [])]
    calls = [line for line in script.splitlines() if line.strip().startswith("io-batch ")]
    assert len(calls) == 1, f"the script must call io-batch exactly once:\n{script}"
    return shlex.split(calls[0])


def subcommand(argv: list[str]) -> tuple[str, str]:
    """(command, its first positional argument): ("send", "/etc/io-batch/job.toml")."""
    words = argv[1:]
    while words and words[0].startswith("--"):  # global flags: --log-format json
        words = words[2:]
    return words[0], words[1]


def flag(argv: list[str], name: str) -> str | None:
    for index, word in enumerate(argv):
        if word == name:
            return argv[index + 1]
        if word.startswith(f"{name}="):
            return word.split("=", 1)[1]
    return None


def mounted_files(docs: list[Doc], workload: Doc) -> dict[str, str]:
    """Path in the container -> text, for every ConfigMap key the pod mounts."""
    maps = {cm["metadata"]["name"]: cm.get("data", {}) for cm in objects(docs, "ConfigMap")}
    volumes = {v["name"]: v for v in pod_spec(workload).get("volumes", [])}
    files: dict[str, str] = {}
    for mount in io_batch_container(workload).get("volumeMounts", []):
        volume = volumes[mount["name"]]
        if "configMap" in volume:
            for key, text in maps.get(volume["configMap"]["name"], {}).items():
                files[f"{mount['mountPath'].rstrip('/')}/{key}"] = text
    return files


def job_file_text(docs: list[Doc], workload: Doc) -> str:
    """The job file the workload's io-batch reads (it must come from this manifest)."""
    _, job_path = subcommand(io_batch_argv(io_batch_container(workload)))
    files = mounted_files(docs, workload)
    assert job_path in files, f"{job_path} is not in a ConfigMap the pod mounts: {list(files)}"
    return files[job_path]


def job_toml(docs: list[Doc], workload: Doc) -> dict[str, Any]:
    return tomllib.loads(job_file_text(docs, workload))


def shards_of(docs: list[Doc], workload: Doc) -> int | None:
    """N for this command: its --shards flag, else the job file's [shards] count."""
    argv = io_batch_argv(io_batch_container(workload))
    given = flag(argv, "--shards")
    if given is not None:
        return int(given)
    count = job_toml(docs, workload).get("shards", {}).get("count")
    return None if count is None else int(count)


def claim_mounted_at(workload: Doc, path: str) -> str | None:
    """The PersistentVolumeClaim mounted at ``path`` in the io-batch container."""
    volumes = {v["name"]: v for v in pod_spec(workload).get("volumes", [])}
    for mount in io_batch_container(workload).get("volumeMounts", []):
        volume = volumes[mount["name"]]
        if mount["mountPath"] == path and "persistentVolumeClaim" in volume:
            claim: str = volume["persistentVolumeClaim"]["claimName"]
            return claim
    return None


def secret_mount_paths(workload: Doc) -> list[str]:
    volumes = {v["name"]: v for v in pod_spec(workload).get("volumes", [])}
    return [
        mount["mountPath"]
        for mount in io_batch_container(workload).get("volumeMounts", [])
        if "secret" in volumes[mount["name"]]
    ]


def env_of(container: Doc) -> dict[str, Doc]:
    return {item["name"]: item for item in container.get("env", [])}


def dockerfile_env(name: str) -> str | None:
    """A variable the image sets (the Dockerfile's ENV), e.g. IO_BATCH_STATE_DIR."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        if line.startswith("ENV "):
            for word in shlex.split(line[4:]):
                key, _, value = word.partition("=")
                if key == name:
                    return value
    return None
