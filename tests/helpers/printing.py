"""The report printed to PDF by a headless chromium and read back page by page with
pdftotext (the print tests of the report, in each language). Skips without the tools,
except under CI, where they are installed and the tests must run."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def tool(*names: str) -> str:
    found = next((path for name in names if (path := shutil.which(name))), None)
    if found is None:
        message = f"{names[0]} is not installed (Debian: chromium, poppler-utils)"
        if os.environ.get("CI"):
            pytest.fail(message)  # .ci/run installs both: there the test must run
        pytest.skip(message)
    return found


def printed_pages(html: Path) -> list[str]:
    pdf = html.with_suffix(".pdf")
    subprocess.run(
        [
            tool(*BROWSERS),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    text = subprocess.run(
        [tool("pdftotext"), "-layout", str(pdf), "-"],
        capture_output=True,
        timeout=60,
        check=True,
        text=True,
    ).stdout
    return text.split("\f")[:-1]  # a form feed ends every page
