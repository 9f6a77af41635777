"""The container image's recipe, checked without a Docker engine.

There is no engine on the developers' machines or in CI, so the image is proven in two
ways: fast tests read the Dockerfile, .dockerignore and requirements.lock and assert the
properties the nightly run depends on; one slow test installs io-batch exactly as the
Dockerfile does (wheel built with ``pip wheel --no-deps`` from the files the Dockerfile
copies, a venv with no pip, the lock with ``--require-hashes``, the wheel with
``--no-deps``) and runs the demo job from that venv, laid out like the image.
Set IO_BATCH_SKIP_INSTALL_TEST=1 to skip the slow one (it needs PyPI or pip's cache).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
LOCK = REPO / "requirements.lock"

# What the Dockerfile copies into each stage; the install test copies the same files.
BUILD_SOURCES = (
    "requirements.lock",
    "build-requirements.lock",
    "pyproject.toml",
    "setup.py",
    "README.md",
    "batch",
)
BUILD_LOCK = REPO / "build-requirements.lock"
DEMO_FILES = ("jobs/demo.toml", "samples/demo.csv")
IMAGE_APP_DIR = "/opt/io-batch"
VENV = "/opt/venv"
RUNTIME_UID = 10001

RESULTS_MODE = 0o600
EXIT_ROWS_NEED_ATTENTION = 1  # the demo has invalid rows on purpose


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def values(self, keyword: str) -> list[str]:
        return [value for key, value in self.instructions if key == keyword]


def parse_dockerfile(text: str) -> list[Stage]:
    """The stages, each with its (KEYWORD, arguments) list; continuations joined."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue  # comments may sit between continued lines too
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"

    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword, rest = keyword.upper(), " ".join(rest.split())
        if keyword == "FROM":
            match = re.fullmatch(r"(\S+)(?:\s+AS\s+(\S+))?", rest, re.IGNORECASE)
            assert match, f"cannot read FROM {rest!r}"
            stages.append(Stage(base=match[1], name=match[2] or str(len(stages))))
        else:
            assert stages, f"{keyword} before the first FROM"
            stages[-1].instructions.append((keyword, rest))
    return stages


def env_pairs(stage: Stage) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in stage.values("ENV"):
        for name, raw in re.findall(r'(\w+)=("[^"]*"|\S+)', value):
            pairs[name] = raw.strip('"')
    return pairs


def locked_pins(text: str, *, this_python_only: bool = False) -> dict[str, str]:
    """Package name -> pinned version, for every requirement line of the lock."""
    pins: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            requirement = Requirement(line.rstrip(" \\"))
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", line
            if this_python_only and requirement.marker and not requirement.marker.evaluate():
                continue
            pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


def test_the_image_is_built_in_two_stages_on_one_slim_python(stages: list[Stage]) -> None:
    assert [stage.name for stage in stages] == ["builder", "runtime"]
    # The venv is copied across stages, so both must have the very same interpreter.
    assert stages[0].base == stages[1].base
    assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", stages[1].base)
    assert f"--from=builder {VENV} {VENV}" in stages[1].values("COPY")


def test_the_builder_installs_only_hashed_wheels_from_the_lock(stages: list[Stage]) -> None:
    runs = " && ".join(stages[0].values("RUN"))
    assert f"-m venv --without-pip {VENV}" in runs
    assert re.search(
        r"install --no-cache-dir --require-hashes --only-binary=:all: -r requirements\.lock",
        runs,
    )
    assert "pip wheel --no-cache-dir --no-deps --no-build-isolation" in runs
    assert re.search(r"install --no-cache-dir --no-deps /wheels/io_batch-\*\.whl", runs)
    # The build backend comes from its own hashed lock, before the wheel is built.
    assert re.search(
        r"install\s+--no-cache-dir --require-hashes --only-binary=:all: "
        r"-r build-requirements\.lock",
        runs,
    )
    assert runs.index("build-requirements.lock") < runs.index("pip wheel")
    copied = " ".join(stages[0].values("COPY")).split()
    assert sorted(name for name in copied if not name.startswith(("./", "/"))) == sorted(
        BUILD_SOURCES
    )


def test_the_runtime_runs_io_batch_as_an_unprivileged_user(stages: list[Stage]) -> None:
    runtime = stages[1]
    assert runtime.values("USER") == [f"{RUNTIME_UID}:{RUNTIME_UID}"]
    # A small init as PID 1, so that a SIGTERM is never dropped (Kubernetes has no --init).
    assert runtime.values("ENTRYPOINT") == ['["/usr/bin/tini", "--", "io-batch"]']
    assert runtime.values("CMD") == ['["--help"]']
    assert runtime.values("WORKDIR") == ["/work"]
    env = env_pairs(runtime)
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["PATH"].startswith(f"{VENV}/bin:")
    # A job that names no state_dir keeps its journal on the volume, not in the image.
    assert env["IO_BATCH_STATE_DIR"] == "/data/state"
    runs = " ".join(runtime.values("RUN"))
    assert f"--uid {RUNTIME_UID}" in runs
    assert "chown iobatch:iobatch /data" in runs
    assert re.search(r"apt-get install --yes --no-install-recommends tini=\S+", runs)
    # Every directory the image and the README rely on exists in the image itself (podman
    # would create a missing WORKDIR at start, writable, and it would vanish with it).
    assert "mkdir /data /work" in runs
    # No installer in the final image: the base image's pip goes, ensurepip's wheels too.
    assert "pip uninstall --yes --no-cache-dir pip setuptools wheel" in runs
    assert "rm -rf /usr/local/lib/python3.11/ensurepip" in runs
    assert sorted(runtime.values("COPY")[1:]) == sorted(
        f"{name} {IMAGE_APP_DIR}/{name}" for name in DEMO_FILES
    )


def test_no_secret_is_baked_into_the_image(stages: list[Stage]) -> None:
    for stage in stages:
        names = set(env_pairs(stage)) | {arg.split("=")[0] for arg in stage.values("ARG")}
        assert not {name for name in names if re.search("KEY|TOKEN|SECRET|PASSWORD", name)}
        for source in " ".join(stage.values("COPY") + stage.values("ADD")).split():
            assert not re.search(r"\.env$|secret|\.key$|out/", source), source


def test_the_build_context_holds_only_what_the_image_needs() -> None:
    lines = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    # Ignore everything, then let back in only what the Dockerfile copies: results, out/
    # and any key file in the work tree can never reach the build context.
    assert lines[0] == "*"
    allowed = {line[1:] for line in lines if line.startswith("!")}
    assert allowed == {*BUILD_SOURCES, *DEMO_FILES}


def test_the_build_backend_is_pinned_by_hash_and_reads_the_spdx_license() -> None:
    text = BUILD_LOCK.read_text(encoding="utf-8")
    pins = locked_pins(text)
    # setuptools builds the wheel; Babel compiles the gettext catalogs into it (setup.py).
    assert set(pins) == {"setuptools", "babel"}
    assert text.count("--hash=sha256:") == 2
    system = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]
    requires = {
        canonicalize_name(Requirement(item).name): Requirement(item) for item in system["requires"]
    }
    assert set(requires) == set(pins)
    assert requires["babel"].specifier.contains(pins["babel"])
    requirement = requires["setuptools"]
    # setuptools < 77.0.3 rejects the SPDX string in project.license (69.5.1 fails).
    assert not requirement.specifier.contains("69.5.1")
    assert requirement.specifier.contains("77.0.3")
    assert requirement.specifier.contains(pins["setuptools"])


def test_the_lock_pins_every_runtime_dependency_with_hashes() -> None:
    text = LOCK.read_text(encoding="utf-8")
    pins = locked_pins(text)
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for dependency in project["dependencies"]:
        requirement = Requirement(dependency)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: run scripts/lock.sh"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} is stale"
    # Every pinned requirement is followed by at least one hash line.
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    assert len(blocks) == len(pins)
    assert all("--hash=sha256:" in block for block in blocks)


def _run(
    args: list[str | Path],
    *,
    timeout: float,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> str:
    completed = subprocess.run(
        [str(arg) for arg in args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=cwd,
        check=False,
    )
    assert completed.returncode == 0, f"{args}\n{completed.stdout}\n{completed.stderr}"
    return completed.stdout


def _copy_into(root: Path, names: tuple[str, ...]) -> None:
    for name in names:
        source, target = REPO / name, root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            # No compiled catalog from this checkout: the build must make its own.
            ignore = shutil.ignore_patterns("__pycache__", "*.mo")
            shutil.copytree(source, target, ignore=ignore)
        else:
            shutil.copy2(source, target)


def _install_like_the_image(tmp_path: Path) -> Path:
    """A venv built with the Dockerfile's builder commands; returns its bin folder."""
    src, wheels, venv = tmp_path / "src", tmp_path / "wheels", tmp_path / "venv"
    _copy_into(src, BUILD_SOURCES)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    # The builder's Python with the hashed build backend (a venv here, not the system's).
    builder = tmp_path / "builder"
    _run([sys.executable, "-m", "venv", builder], timeout=120)
    builder_pip = [builder / "bin" / "python", "-m", "pip", "--disable-pip-version-check"]
    _run(
        [
            *builder_pip,
            *("install", "--require-hashes", "--only-binary=:all:"),
            *("-r", src / "build-requirements.lock"),
        ],
        timeout=300,
    )
    _run(
        [*builder_pip, "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", wheels, src],
        timeout=300,
    )
    _run([sys.executable, "-m", "venv", "--without-pip", venv], timeout=120)
    into_venv = [*pip, "--python", venv / "bin" / "python", "install"]
    _run(
        [*into_venv, "--require-hashes", "--only-binary=:all:", "-r", src / "requirements.lock"],
        timeout=600,
    )
    (wheel,) = wheels.glob("io_batch-*.whl")
    with zipfile.ZipFile(wheel) as built:  # the Italian texts, compiled by the build
        assert "batch/i18n/locale/it/LC_MESSAGES/io_batch.mo" in built.namelist()
    _run([*into_venv, "--no-deps", wheel], timeout=120)

    listed = _run([*pip, "--python", venv / "bin" / "python", "list", "--format=json"], timeout=60)
    installed = {canonicalize_name(item["name"]): item["version"] for item in json.loads(listed)}
    locked = locked_pins(LOCK.read_text(encoding="utf-8"), this_python_only=True)
    expected = locked | {"io-batch": installed["io-batch"]}
    assert installed == expected  # the lock and the project, nothing else (not even pip)
    return venv / "bin"


def _image_environment(bin_dir: Path, data: Path) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("IO_API_KEY", "IO_BATCH", "VIRTUAL_ENV", "PYTHON"))
    }
    env["IO_BATCH_STATE_DIR"] = str(data / "state")  # the image's /data/state
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_installed_like_the_image_it_runs_the_demo(tmp_path: Path) -> None:
    if os.environ.get("IO_BATCH_SKIP_INSTALL_TEST") == "1":
        pytest.skip("IO_BATCH_SKIP_INSTALL_TEST=1: the install test needs PyPI or pip's cache")
    bin_dir = _install_like_the_image(tmp_path)
    env = _image_environment(bin_dir, tmp_path / "data")
    work = tmp_path / "work"
    work.mkdir()

    help_text = _run([bin_dir / "io-batch", "--help"], timeout=60, env=env, cwd=work)
    for command in ("send", "validate", "rerun", "verify", "sandbox"):
        assert re.search(rf"^\s+{command}\s", help_text, re.MULTILINE), command

    app, data = tmp_path / IMAGE_APP_DIR.lstrip("/"), tmp_path / "data"
    _copy_into(app, DEMO_FILES)
    results = data / "demo" / "results.csv"
    sent = subprocess.run(
        [bin_dir / "io-batch", "send", app / "jobs" / "demo.toml", "--output", results],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=work,
        check=False,
    )
    assert sent.returncode == EXIT_ROWS_NEED_ATTENTION, sent.stderr

    assert stat.S_IMODE(results.stat().st_mode) == RESULTS_MODE
    with results.open(encoding="utf-8", newline="") as handle:
        result_rows = list(csv.reader(handle))[1:]
    summary = json.loads((data / "demo" / "results.summary.json").read_text(encoding="utf-8"))
    assert summary["exit_code"] == EXIT_ROWS_NEED_ATTENTION
    assert summary["rows"] == len(result_rows) == sum(summary["counts"].values())
    assert summary["counts"]["invalid"] > 0
    # The journal that stops the next night from sending twice is on the volume, in the
    # image's state dir: neither beside the results nor beside the (read-only) job file.
    assert (data / "state" / "sandbox-embedded" / "demo.journal.sqlite").is_file()
    assert not list(data.glob("demo/*.sqlite")) and not (app / "jobs" / "state").exists()

    # Logs are JSON lines on stdout for the log collector, the summary among them.
    events = [json.loads(line)["event"] for line in sent.stdout.splitlines() if line.strip()]
    assert "run.summary" in events
