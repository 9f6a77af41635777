"""A small declarative validator for JSON values, with io-ts semantics.

The IO backend decodes bodies with io-ts codecs generated from the spec. What that
means here: string lengths are JavaScript lengths (UTF-16 code units); an integer
is any JSON number with no fraction (``3600.0`` is fine, ``true`` is not); objects
are "exact": unknown members are dropped, not rejected; optional members with a
default get it. Every problem is reported with the dotted path of its field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class Schema(Protocol):
    def check(self, value: Any, path: str, errors: list[str]) -> Any:
        """The decoded value; on a problem, appends ``"<path>: <what is wrong>"`` to errors."""


def utf16_length(text: str) -> int:
    """The length JavaScript gives a string: astral characters (e.g. emoji) count 2.

    On purpose not the client's ``identifiers.text.utf16_length``: the sandbox is an independent
    oracle, so it counts its own way (through the codec) and shares no validation code."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _show(value: Any) -> str:
    """The value as JSON, cut short: problem messages echo what was sent."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _where(path: str) -> str:
    return path or "body"


@dataclass(frozen=True, slots=True)
class Text:
    min_length: int | None = None
    max_length: int | None = None
    pattern: re.Pattern[str] | None = None
    # A last check after the pattern (e.g. "is a real date"): returns a problem or None.
    rule: Callable[[str], str | None] | None = None
    what: str = "a string"  # how the problem message names what was expected

    def check(self, value: Any, path: str, errors: list[str]) -> Any:
        if not isinstance(value, str):
            errors.append(f"{_where(path)}: expected {self.what}, got {_show(value)}")
            return None
        if self.min_length is not None or self.max_length is not None:
            length = utf16_length(value)
            low, high = self.min_length or 0, self.max_length
            if length < low or (high is not None and length > high):
                bounds = f"{low} to {high}" if high is not None else f"at least {low}"
                errors.append(
                    f"{_where(path)}: must be {bounds} characters long "
                    f"(counted in UTF-16 code units), got {length}"
                )
                return None
        if self.pattern is not None and self.pattern.search(value) is None:
            errors.append(
                f"{_where(path)}: {_show(value)} is not {self.what} "
                f"(must match {self.pattern.pattern})"
            )
            return None
        if self.rule is not None:
            problem = self.rule(value)
            if problem is not None:
                errors.append(f"{_where(path)}: {_show(value)} {problem}")
                return None
        return value


@dataclass(frozen=True, slots=True)
class Enum:
    values: tuple[str, ...]

    def check(self, value: Any, path: str, errors: list[str]) -> Any:
        if not isinstance(value, str) or value not in self.values:
            errors.append(f"{_where(path)}: {_show(value)} is not one of {', '.join(self.values)}")
            return None
        return value


@dataclass(frozen=True, slots=True)
class Integer:
    minimum: int
    maximum: int

    def check(self, value: Any, path: str, errors: list[str]) -> Any:
        # A JSON number is a JavaScript number: 3600.0 is the integer 3600.
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if not is_number or (isinstance(value, float) and not value.is_integer()):
            errors.append(f"{_where(path)}: expected an integer, got {_show(value)}")
            return None
        number = int(value)
        if not self.minimum <= number <= self.maximum:
            errors.append(
                f"{_where(path)}: must be an integer from {self.minimum} to {self.maximum}, "
                f"got {number}"
            )
            return None
        return number


@dataclass(frozen=True, slots=True)
class Boolean:
    def check(self, value: Any, path: str, errors: list[str]) -> Any:
        if not isinstance(value, bool):
            errors.append(f"{_where(path)}: expected true or false, got {_show(value)}")
            return None
        return value


_NO_DEFAULT = object()


@dataclass(frozen=True, slots=True)
class Member:
    schema: Schema
    required: bool = False
    default: Any = _NO_DEFAULT


@dataclass(frozen=True, slots=True)
class Object:
    name: str
    members: Mapping[str, Member] = field(default_factory=dict)

    def check(self, value: Any, path: str, errors: list[str]) -> Any:
        if not isinstance(value, dict):
            errors.append(
                f"{_where(path)}: expected a JSON object ({self.name}), got {_show(value)}"
            )
            return None
        decoded: dict[str, Any] = {}
        for name, member in self.members.items():
            member_path = f"{path}.{name}" if path else name
            if name not in value or (value[name] is None and member.default is not _NO_DEFAULT):
                # io-ts-commons withDefault treats null like a missing member; elsewhere
                # null is a wrong type, which the member's own check reports.
                if member.required:
                    errors.append(f"{member_path}: is required")
                elif member.default is not _NO_DEFAULT:
                    decoded[name] = member.default
                continue
            checked = member.schema.check(value[name], member_path, errors)
            if checked is not None:
                decoded[name] = checked
        return decoded  # members not in the schema are dropped (io-ts "exact")


def validate(schema: Schema, value: Any) -> tuple[Any, list[str]]:
    """``(decoded, [])`` when valid, else ``(None, problems)``."""
    errors: list[str] = []
    decoded = schema.check(value, "", errors)
    return (None, errors) if errors else (decoded, [])
