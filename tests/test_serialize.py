"""Canonical text forms read back to exactly what was written."""

from __future__ import annotations

import json

import pytest
import yaml

from generator.serialize import canonical_yaml, json_text, parse_properties, properties_text

TRICKY = [
    "plain",
    "with = and : inside",
    " leading space",
    "#not a comment",
    "tab\tand\nnewline",
    "back\\slash",
    "unicode é ü 漢字 😀",
    "trailing space ",
    "!bang",
    "",
    "on",
    "0x10",
    "1e3",
    "~",
]


@pytest.mark.parametrize("value", TRICKY)
def test_properties_values_round_trip(value: str) -> None:
    text = properties_text({"some.key": value})
    assert text.isascii()  # Kafka and ZooKeeper read properties as ISO-8859-1
    assert parse_properties(text) == {"some.key": value}


def test_properties_are_sorted_with_header_and_final_newline() -> None:
    text = properties_text({"b": 1, "a": True, "c": ["x", "y"]}, "# header")
    assert text == "# header\na=true\nb=1\nc=x,y\n"


@pytest.mark.parametrize("value", TRICKY)
def test_yaml_strings_round_trip(value: str) -> None:
    data = {"data": {"file": value, "n": 1}}
    assert yaml.safe_load(canonical_yaml(data, "# header")) == data


def test_yaml_is_sorted_block_style_with_literal_multiline() -> None:
    text = canonical_yaml({"b": ["x"], "a": {"script": "line1\nline2\n"}})
    assert text == "a:\n  script: |\n    line1\n    line2\nb:\n  - x\n"


def test_json_is_sorted_indented_with_final_newline() -> None:
    text = json_text({"b": 1, "a": "é"})
    assert text == '{\n  "a": "é",\n  "b": 1\n}\n'
    assert json.loads(text) == {"a": "é", "b": 1}
