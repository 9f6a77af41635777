"""The population is a pure function of the seed; ULIDs are well formed and time-ordered."""

from __future__ import annotations

import time

import pytest

from batch.sandbox import SandboxConfig, is_ulid, new_ulid, profile_state
from batch.sandbox.population import preferred_languages
from batch.sandbox.ulid import CROCKFORD, UlidGenerator, encode, timestamp_ms
from tests.helpers.sandbox_contract import SANDBOX_CF, random_fiscal_codes

CODES = random_fiscal_codes(4000, seed=1)


def test_the_same_seed_and_code_always_give_the_same_state() -> None:
    config = SandboxConfig(seed=42, registered_ratio=0.5, blocked_ratio=0.5)
    first = [profile_state(code, config) for code in CODES]
    again = [
        profile_state(code, SandboxConfig(seed=42, registered_ratio=0.5, blocked_ratio=0.5))
        for code in CODES
    ]
    other_seed = [
        profile_state(code, SandboxConfig(seed=43, registered_ratio=0.5, blocked_ratio=0.5))
        for code in CODES
    ]
    assert first == again
    assert first != other_seed


def test_the_ratios_shape_the_population() -> None:
    config = SandboxConfig(registered_ratio=0.7, blocked_ratio=0.2)
    states = [profile_state(code, config) for code in CODES]
    registered = len(CODES) - states.count("not_registered")
    assert abs(registered / len(CODES) - 0.7) < 0.03
    assert abs(states.count("blocked") / registered - 0.2) < 0.03


def test_preferred_languages_are_mostly_italian_some_german_and_english_and_fixed() -> None:
    config = SandboxConfig(seed=42)
    languages = [preferred_languages(code, config) for code in CODES]
    assert languages == [preferred_languages(code, SandboxConfig(seed=42)) for code in CODES]
    assert languages != [preferred_languages(code, SandboxConfig(seed=43)) for code in CODES]
    share = {key: languages.count(key) / len(CODES) for key in set(languages)}
    assert set(share) == {("it_IT",), ("de_DE", "it_IT"), ("en_GB",), ()}
    assert abs(share[("it_IT",)] - 0.70) < 0.03
    assert abs(share[("de_DE", "it_IT")] - 0.15) < 0.03
    assert abs(share[("en_GB",)] - 0.10) < 0.03
    assert abs(share[()] - 0.05) < 0.02
    assert preferred_languages(SANDBOX_CF, config) == ("it_IT",)


@pytest.mark.parametrize(
    ("registered", "blocked", "expected"),
    [(1.0, 0.0, {"allowed"}), (1.0, 1.0, {"blocked"}), (0.0, 0.0, {"not_registered"})],
)
def test_extreme_ratios(registered: float, blocked: float, expected: set[str]) -> None:
    config = SandboxConfig(registered_ratio=registered, blocked_ratio=blocked)
    assert {profile_state(code, config) for code in CODES[:500]} == expected


def test_raising_the_registered_ratio_only_adds_citizens() -> None:
    # Each code's draw is fixed, so a larger ratio keeps everyone who was registered.
    low, high = SandboxConfig(registered_ratio=0.3), SandboxConfig(registered_ratio=0.6)
    for code in CODES[:1000]:
        if profile_state(code, low) != "not_registered":
            assert profile_state(code, high) != "not_registered"


@pytest.mark.parametrize("seed", [0, 1, 99])
def test_the_sandbox_citizen_is_always_allowed(seed: int) -> None:
    config = SandboxConfig(seed=seed, registered_ratio=0.0, blocked_ratio=1.0)
    assert profile_state(SANDBOX_CF, config) == "allowed"


def test_ulids_are_26_crockford_characters_with_the_time_in_front() -> None:
    before = int(time.time() * 1000)
    ulid = new_ulid()
    after = int(time.time() * 1000)
    assert len(ulid) == 26 and set(ulid) <= set(CROCKFORD) and is_ulid(ulid)
    assert before <= timestamp_ms(ulid) <= after
    assert encode(0) == "0" * 26
    assert encode((1 << 128) - 1) == "7" + "Z" * 25


def test_ulids_of_one_millisecond_still_sort_in_creation_order() -> None:
    generator = UlidGenerator(clock=lambda: 1_700_000_000.0, random_bytes=lambda n: b"\x00" * n)
    ids = [generator() for _ in range(1000)]
    assert ids == sorted(ids) and len(set(ids)) == 1000
    assert {timestamp_ms(i) for i in ids} == {1_700_000_000_000}


def test_ulids_stay_ordered_when_the_clock_steps_back_or_the_random_part_overflows() -> None:
    times = iter([2.0, 1.0, 1.0])
    generator = UlidGenerator(clock=lambda: next(times), random_bytes=lambda n: b"\xff" * n)
    first, second, third = generator(), generator(), generator()
    assert first < second < third
    assert timestamp_ms(second) == 2001  # 2**80 - 1 + 1 overflows into the next millisecond


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("01ARZ3NDEKTSV4RRFFQ69G5FAV", True),
        ("01arz3ndektsv4rrffq69g5fav", True),
        ("01ARZ3NDEKTSV4RRFFQ69G5FA", False),
        ("01ARZ3NDEKTSV4RRFFQ69G5FAI", False),
    ],
)
def test_is_ulid_follows_the_servers_codec(value: str, valid: bool) -> None:
    assert is_ulid(value) is valid
