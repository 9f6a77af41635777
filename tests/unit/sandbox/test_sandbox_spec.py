"""The sandbox's validation rules match the published spec, kept in the repository.

The rules are code (``batch/sandbox/spec.py``) so that the package does not depend on
the spec file at run time; this test reads the bundled spec and compares every member,
required list, length, bound, pattern, enum and default of the request definitions.
PyYAML is not a dependency, so a small reader for the block YAML that PyYAML writes is
here too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from batch.sandbox import spec
from batch.sandbox.schema import Boolean, Enum, Integer, Object, Text

# In the repository, so that the check runs wherever the tests do (see its SOURCE.md).
SPEC_FILE = Path(__file__).parents[2] / "fixtures" / "io-openapi" / "api_services.bundled.yaml"

# ---- a reader for the subset of YAML that PyYAML's dump writes ---------------------------


def _scalar(text: str) -> Any:
    text = text.strip()
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    if text.startswith('"'):
        return json.loads(text)
    if text in ("{}", "[]"):
        return {} if text == "{}" else []
    if text in ("true", "false"):
        return text == "true"
    if text in ("null", "~"):
        return None
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def _split_key(text: str) -> tuple[str, str] | None:
    match = re.match(r"""^('(?:[^']|'')*'|"[^"]*"|[^'"\s][^:]*?):(?:\s+(.*))?$""", text)
    if match is None:
        return None
    return str(_scalar(match.group(1))), (match.group(2) or "")


def _lines(source: str) -> list[tuple[int, str]]:
    return [
        (len(line) - len(line.lstrip(" ")), line.strip())
        for line in source.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _block(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[Any, int]:
    if lines[i][1].startswith("- "):
        items: list[Any] = []
        while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
            rest = lines[i][1][2:]
            if _split_key(rest) is not None:  # a mapping item: re-read it at its own indent
                lines[i] = (indent + 2, rest)
                value, i = _block(lines, i, indent + 2)
            else:
                value, i = _scalar(rest), i + 1
            items.append(value)
        return items, i
    mapping: dict[str, Any] = {}
    while i < len(lines) and lines[i][0] == indent and not lines[i][1].startswith("- "):
        split = _split_key(lines[i][1])
        assert split is not None, lines[i]
        key, rest = split
        i += 1
        if rest and rest[0] not in "|>":
            parts = [rest]
            while i < len(lines) and lines[i][0] > indent:  # a scalar folded over lines
                parts.append(lines[i][1])
                i += 1
            mapping[key] = _scalar(" ".join(parts)) if len(parts) == 1 else " ".join(parts)
        elif rest:  # a block scalar
            start = i
            while i < len(lines) and lines[i][0] > indent:
                i += 1
            mapping[key] = "\n".join(text for _, text in lines[start:i])
        elif i < len(lines) and (
            lines[i][0] > indent or (lines[i][0] == indent and lines[i][1].startswith("- "))
        ):
            mapping[key], i = _block(lines, i, lines[i][0])
        else:
            mapping[key] = None
    return mapping, i


def read_yaml(source: str) -> Any:
    lines = _lines(source)
    value, end = _block(lines, 0, 0)
    assert end == len(lines), lines[end]
    return value


def test_the_yaml_reader_reads_what_pyyaml_writes() -> None:
    source = """
a:
  b: 1
  c: 'it''s: quoted'
  d:
  - x
  - y: 2
    z: true
  e: a long plain
    scalar over lines
  '200':
    f: {}
g: "double"
"""
    assert read_yaml(source) == {
        "a": {
            "b": 1,
            "c": "it's: quoted",
            "d": ["x", {"y": 2, "z": True}],
            "e": "a long plain scalar over lines",
            "200": {"f": {}},
        },
        "g": "double",
    }


# ---- the cross-check ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    parsed: dict[str, Any] = read_yaml(SPEC_FILE.read_text(encoding="utf-8"))
    return parsed


def _resolve(node: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = definitions[node["$ref"].rsplit("/", 1)[1]]
    return node


def _object(name: str, definitions: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """The properties and required members of an object definition, allOf merged."""
    node = _resolve(definitions[name], definitions)
    parts = [_resolve(part, definitions) for part in node.get("allOf", [node])]
    properties: dict[str, Any] = {}
    required: set[str] = set()
    for part in parts:
        properties.update(part.get("properties", {}))
        required.update(part.get("required", []))
    return properties, required


PAIRS = [
    ("NewMessage", spec.NewMessage),
    ("MessageContent", spec.MessageContent),
    ("PaymentData", spec.PaymentData),
    ("Payee", spec.Payee),
    ("ThirdPartyData", spec.ThirdPartyData),
    ("PrescriptionData", spec.PrescriptionData),
    ("LegalData", spec.LegalData),
    ("EUCovidCert", spec.EUCovidCert),
    ("NewMessageDefaultAddresses", spec.NewMessageDefaultAddresses),
    ("FiscalCodePayload", spec.FiscalCodePayload),
]


@pytest.mark.parametrize(("name", "ours"), PAIRS, ids=[name for name, _ in PAIRS])
def test_members_and_required_lists_match_the_spec(
    document: dict[str, Any], name: str, ours: Object
) -> None:
    definitions = document["definitions"]
    properties, required = _object(name, definitions)
    assert set(ours.members) == set(properties)
    # A required member with a default may be left out: io-ts withDefault fills it in.
    defaulted = {
        member
        for member, raw in properties.items()
        if "default" in raw or "default" in _resolve(raw, definitions)
    }
    assert {member for member, m in ours.members.items() if m.required} == required - defaulted


@pytest.mark.parametrize(("name", "ours"), PAIRS, ids=[name for name, _ in PAIRS])
def test_every_constraint_matches_the_spec(
    document: dict[str, Any], name: str, ours: Object
) -> None:
    definitions = document["definitions"]
    fiscal_code_pattern = document["parameters"]["FiscalCode"]["pattern"]
    properties, _ = _object(name, definitions)
    checked = 0
    for member_name, raw in properties.items():
        member = ours.members[member_name]
        prop = _resolve(raw, definitions)
        where = f"{name}.{member_name}"
        default = raw.get("default", prop.get("default"))
        if default is not None:
            assert member.default == default, where
        schema = member.schema
        if "allOf" in prop or prop.get("type") == "object":
            assert isinstance(schema, Object), where
        elif prop.get("type") == "boolean":
            assert isinstance(schema, Boolean), where
        elif prop.get("type") == "integer":
            assert isinstance(schema, Integer), where
            assert (schema.minimum, schema.maximum) == (prop["minimum"], prop["maximum"]), where
        elif "x-extensible-enum" in prop or "enum" in prop:
            assert isinstance(schema, Enum), where
            assert schema.values == tuple(prop.get("x-extensible-enum", prop.get("enum"))), where
        else:
            assert prop["type"] == "string" and isinstance(schema, Text), where
            assert schema.min_length == prop.get("minLength"), where
            assert schema.max_length == prop.get("maxLength"), where
            if "pattern" in prop:
                assert schema.pattern is not None and schema.pattern.pattern == prop["pattern"]
            elif prop.get("format") == "FiscalCode":
                # Only the path parameter carries the regex; the server anchors it everywhere.
                assert schema is spec.FiscalCode
                assert spec.FISCAL_CODE_PATTERN.pattern == f"^{fiscal_code_pattern}$"
            elif prop.get("format") == "UTCISODateFromString":
                assert schema is spec.Timestamp, where
        checked += 1
    assert checked == len(ours.members)


def test_key_constants_match_the_spec(document: dict[str, Any]) -> None:
    definitions = document["definitions"]
    subject, markdown = definitions["MessageSubject"], definitions["MessageBodyMarkdown"]
    assert (subject["minLength"], subject["maxLength"]) == spec.SUBJECT_LENGTH
    assert (markdown["minLength"], markdown["maxLength"]) == spec.MARKDOWN_LENGTH
    ttl = definitions["TimeToLiveSeconds"]
    assert (ttl["minimum"], ttl["maximum"]) == spec.TIME_TO_LIVE
    assert ttl["default"] == spec.DEFAULT_TIME_TO_LIVE
    amount = definitions["PaymentAmount"]
    assert (amount["minimum"], amount["maximum"]) == spec.PAYMENT_AMOUNT
    assert spec.NOTICE_NUMBER_PATTERN.pattern == definitions["PaymentNoticeNumber"]["pattern"]
    assert tuple(definitions["HasPrecondition"]["x-extensible-enum"]) == spec.HAS_PRECONDITION
    assert tuple(definitions["FeatureLevelType"]["x-extensible-enum"]) == spec.FEATURE_LEVEL_TYPES
    assert definitions["FeatureLevelType"]["default"] == "STANDARD"
    parameter = document["parameters"]["FiscalCode"]
    assert (parameter["minLength"], parameter["maxLength"]) == (16, 16)
    assert spec.FISCAL_CODE_PATTERN.pattern == f"^{parameter['pattern']}$"
