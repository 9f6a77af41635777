"""The identity of a target: one spelling per environment, never the key."""

from __future__ import annotations

import pytest

from batch.config.choices import TargetKind
from batch.config.job_sections import Target
from batch.config.target_identity import EMBEDDED_SANDBOX, canonical_url, target_identity


def test_the_embedded_sandbox_has_its_own_identity() -> None:
    assert target_identity(Target(kind=TargetKind.SANDBOX)) == EMBEDDED_SANDBOX


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.io.pagopa.it/api/v1", "https://api.io.pagopa.it/api/v1"),
        ("HTTPS://API.IO.PAGOPA.IT:443/api/v1/", "https://api.io.pagopa.it/api/v1"),
        ("http://127.0.0.1:8080/api/v1", "http://127.0.0.1:8080/api/v1"),
        ("http://[::1]:80/api/v1", "http://[::1]/api/v1"),
    ],
)
def test_one_spelling_per_endpoint(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_the_key_is_not_part_of_the_identity() -> None:
    primary = Target(kind=TargetKind.IO, base_url="https://x.example/api/v1", api_key_env="A")
    secondary = Target(kind=TargetKind.IO, base_url="https://x.example/api/v1", api_key_env="B")
    assert target_identity(primary) == target_identity(secondary) == "io:https://x.example/api/v1"


def test_sandbox_apart_and_io_at_the_same_url_differ() -> None:
    url = "http://127.0.0.1:8080/api/v1"
    assert target_identity(Target(kind=TargetKind.SANDBOX, base_url=url)) != target_identity(
        Target(kind=TargetKind.IO, base_url=url)
    )
