"""The report tests' campaign, written by hand in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.report_campaign import Campaign


@pytest.fixture
def campaign(tmp_path: Path) -> Campaign:
    return Campaign(tmp_path)
