#!/usr/bin/env bash
# The office's texts: extract every _()/N_()/ngettext() text of batch/ and bring the
# Italian catalog up to date with them (new texts added empty, gone ones marked obsolete),
# then compile it for this checkout. Translate the empty entries in the .po, run again,
# and `pytest tests/unit/i18n` says whether anything is left.
#
# Usage: scripts/catalogs.sh   (from any folder; needs the dev extras: babel)
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-.venv/bin/python}"
template="$(mktemp --suffix=.pot)"
trap 'rm -f "$template"' EXIT
"$python" -m babel.messages.frontend extract -F babel.cfg \
    -k _ -k N_ -k ngettext:1,2 --no-default-keywords --sort-by-file --no-location --add-comments=Translators: \
    --project io-batch -o "$template" batch
"$python" -m babel.messages.frontend update --no-fuzzy-matching --ignore-pot-creation-date \
    -i "$template" -d batch/i18n/locale -D io_batch
"$python" -c 'import runpy; runpy.run_path("setup.py")["compile_catalogs"]()'
