# syntax=docker/dockerfile:1
#
# io-batch for nightly runs: `docker build -t io-batch .` (or `podman build`), then
#   docker run --rm --stop-timeout 90 -v io-batch-data:/data \
#     -v /etc/io-batch/io-api-key:/run/secrets/io-api-key:ro \
#     -e IO_API_KEY_FILE=/run/secrets/io-api-key \
#     io-batch send /data/jobs/nightly.toml
# Everything that must outlive the container (input, results, summary and the journal
# that prevents sending twice) lives on the volume mounted at /data. No secret is baked
# in: the API key comes at run time from the file named by IO_API_KEY_FILE.

# ---- builder: the locked dependencies and the project's wheel, in a virtual env ------
FROM python:3.11-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src

# Dependencies first, so that this layer is rebuilt only when the lock changes.
# --require-hashes: every file must match the hash in the lock (scripts/lock.sh).
# --only-binary: wheels only, so no package's build code runs here.
# The venv has no pip of its own (the image's pip installs into it through --python),
# so the final image carries no installer.
COPY requirements.lock ./
RUN python -m venv --without-pip /opt/venv \
    && python -m pip --python /opt/venv/bin/python install \
        --no-cache-dir --require-hashes --only-binary=:all: -r requirements.lock

# The build backend, pinned by hash as well (build-requirements.lock), into the builder's
# own Python: the wheel is then built without isolation, so pip fetches nothing unpinned.
COPY build-requirements.lock ./
RUN python -m pip install \
        --no-cache-dir --require-hashes --only-binary=:all: -r build-requirements.lock

# The project itself: built into a wheel (setup.py compiles the gettext catalogs into it)
# and installed without touching the pins above.
COPY pyproject.toml setup.py README.md ./
COPY batch ./batch
RUN python -m pip wheel --no-cache-dir --no-deps --no-build-isolation --wheel-dir /wheels . \
    && python -m pip --python /opt/venv/bin/python install \
        --no-cache-dir --no-deps /wheels/io_batch-*.whl

# ---- runtime: the same Python, the venv, a user without privileges -------------------
FROM python:3.11-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="io-batch" \
      org.opencontainers.image.description="Send personal messages to citizens in bulk through the IO app" \
      org.opencontainers.image.licenses="EUPL-1.2"

# PYTHONUNBUFFERED: every JSON log line reaches the scheduler's log collector at once,
# even if the container is killed. PYTHONDONTWRITEBYTECODE: /opt/venv is read-only to
# the user and already compiled at install time.
# IO_BATCH_STATE_DIR: a job file that sets no [output] state_dir keeps its journal (what
# stops the next night from sending twice) on the volume, not beside a job file that
# may sit on a read-only ConfigMap or in the image.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    IO_BATCH_STATE_DIR=/data/state \
    VIRTUAL_ENV=/opt/venv \
    PATH="/opt/venv/bin:${PATH}"

# tini runs as PID 1 and passes signals on: the kernel drops any signal that PID 1 has
# no handler for, and Kubernetes has no --init. (io-batch also handles SIGTERM from its
# first instant, for runtimes that start it as PID 1 anyway.)
# /data belongs to the user so that a new named volume mounted there (Docker and podman
# copy the mount point's owner into it) is writable without any chown by the operator.
# /work is made here, owned by root, so that Docker and podman agree (podman would
# otherwise create it at start): not writable on purpose, see below.
# The base image's installers go: pip, setuptools, wheel and ensurepip's bundled wheels.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends tini=0.19.0-1+b3 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 iobatch \
    && useradd --system --uid 10001 --gid iobatch --no-create-home \
        --home-dir /work --shell /usr/sbin/nologin iobatch \
    && mkdir /data /work \
    && chown iobatch:iobatch /data \
    && python -m pip uninstall --yes --no-cache-dir pip setuptools wheel \
    && rm -rf /usr/local/lib/python3.11/ensurepip

COPY --from=builder /opt/venv /opt/venv

# The demo job and its sample input (sandbox only, no key): a smoke test of the image,
#   docker run --rm io-batch send /opt/io-batch/jobs/demo.toml --output /tmp/demo.csv
COPY jobs/demo.toml /opt/io-batch/jobs/demo.toml
COPY samples/demo.csv /opt/io-batch/samples/demo.csv

# /work stays owned by root: a relative --output would land in the container's own
# layer and vanish with it, journal included, so it fails loudly instead (exit 2, before
# any call, naming the path).
WORKDIR /work
USER 10001:10001

ENTRYPOINT ["/usr/bin/tini", "--", "io-batch"]
CMD ["--help"]
