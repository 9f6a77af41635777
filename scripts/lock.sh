#!/usr/bin/env bash
# Regenerate requirements.lock: every runtime dependency of io-batch (pyproject.toml's
# [project] dependencies, no dev extras), pinned to one version with the hashes of all
# its published files, for `pip install --require-hashes` in the Dockerfile.
#
# The resolver (uv, pinned below) is installed into a throwaway virtual environment that
# is deleted on exit, so it never lands in the project's .venv or in the image.
#
# Usage:  scripts/lock.sh            # keep the current pins where they still fit
#         scripts/lock.sh --upgrade  # move every dependency to its newest allowed version
# Any other argument is passed to `uv pip compile` (e.g. --upgrade-package httpx).
set -euo pipefail

UV_VERSION="${UV_VERSION:-0.13.9}"
# The lowest Python that pyproject.toml allows; with --universal the lock also carries
# the markers for every newer Python, so the same file serves CI (3.11) and the image.
PYTHON_VERSION="3.11"

cd "$(dirname "$0")/.."

tool_dir="$(mktemp -d)"
trap 'rm -rf "$tool_dir"' EXIT

python3 -m venv "$tool_dir/venv"
"$tool_dir/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "uv==${UV_VERSION}"

# PyPI only, whatever pip or uv configuration this machine has: the lock must resolve the
# same way for everyone who builds the image.
UV_NO_CONFIG=1 "$tool_dir/venv/bin/uv" pip compile pyproject.toml \
    --universal \
    --python-version "$PYTHON_VERSION" \
    --index-url https://pypi.org/simple \
    --generate-hashes \
    --no-strip-markers \
    --custom-compile-command "scripts/lock.sh" \
    --output-file requirements.lock \
    --quiet \
    "$@"

echo "wrote requirements.lock with uv ${UV_VERSION}:" \
    "$(grep -c '^[A-Za-z0-9]' requirements.lock) packages"
