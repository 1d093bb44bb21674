"""Canonical text forms read back to exactly what was written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from generator import serialize
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


# --- the fast canonical-YAML writer against its definition (PyYAML) ------------------------------

SEEDED = settings(  # `make test` stays repeatable: the same few hundred documents every run
    derandomize=True,
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Strings that PyYAML must quote, fold, escape or write as a block; and words it reads as other types.
TRICKY_YAML = [
    *TRICKY,
    " ",
    "  ",
    "a b",
    "'",
    '"',
    "''",
    "it's",
    'say "hi"',
    "#",
    "a #b",
    "a#b",
    ":",
    "a:",
    "a: b",
    "a:b",
    ": a",
    "-",
    "- a",
    "?",
    "? a",
    "&a",
    "*a",
    "|",
    ">",
    "%",
    "@",
    "`",
    "{",
    "}",
    "[]",
    "{}",
    ",",
    "a,b",
    "\n",
    "a\n",
    "\na",
    "a\nb",
    "a\n\n",
    "a\nb\n",
    " \n",
    " a\nb",
    "a \nb",
    "\ta\n b",
    "\r",
    "a\rb",
    "\r\n",
    "\x85",
    "a\x85b",
    "\u2028",
    "a\u2029b",
    "\ufeff",
    "\x00",
    "\x07",
    "\x7f",
    "\u00a0",
    "é",
    "1",
    "01",
    "0o17",
    "1.5",
    ".5",
    "1_000",
    "-1",
    "+1",
    "0.0",
    "-0.0",
    ".inf",
    "-.inf",
    ".nan",
    "NaN",
    "true",
    "True",
    "TRUE",
    "false",
    "yes",
    "no",
    "off",
    "y",
    "n",
    "null",
    "Null",
    "NULL",
    "2024-01-01",
    "2024-01-01T00:00:00Z",
    "2001-12-14 21:59:43.10 -5",
    "12:30:00",
    "1:30",
    "<<",
    "=",
    "---",
    "...",
    "--- a",
    "... a",
    "a" * 130,
    "k" * 99,
    "k" * 100,
    "x.y-z_1/2",
    "./a",
]
_CHARS = list(" \t\n\r'\"#:-?!&*|>%@`{}[],.\\=~<_/0123456789aeEnNxyTtF\x85\u2028\u2029é漢😀\ufeff\x00\u00a0")
yaml_strings = st.one_of(
    st.sampled_from(TRICKY_YAML),
    st.text(st.sampled_from(_CHARS), max_size=12),
    st.lists(st.sampled_from([*TRICKY_YAML[:40], " x", "  y", "x "]), min_size=2, max_size=4).map("\n".join),
    st.text(max_size=8),
)
# Keys on one line: a multi-line or empty key is a complex key, where the fast path gives up at once
# (the test of single keys below draws those too).
_ONE_LINE = "\n\r\x85\u2028\u2029"
yaml_keys = st.one_of(
    st.sampled_from([t for t in TRICKY_YAML if t and not any(c in t for c in _ONE_LINE)]),
    st.text(st.sampled_from([c for c in _CHARS if c not in _ONE_LINE]), min_size=1, max_size=10),
    st.text(st.characters(exclude_characters=_ONE_LINE), min_size=1, max_size=8),
)
yaml_floats = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, -1.5, 0.1, 1e20, 1e16, 1e15, 1e-5, 1e-20, 5e-324, 1.7976931348623157e308]),
    st.floats(allow_nan=False, allow_infinity=False),
)
yaml_scalars = st.one_of(
    yaml_strings,
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    yaml_floats,
    st.booleans(),
    st.none(),
)
json_like = st.recursive(
    yaml_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(yaml_keys, inner, max_size=4)),
    max_leaves=12,
)


def _same_as_pyyaml(data: object) -> None:
    fast = serialize._fast_canonical_yaml(data)
    event("fast path" if fast is not None else "fell back to PyYAML")
    if fast is not None:
        assert fast == serialize._pyyaml_canonical_yaml(data)
    assert canonical_yaml(data) == serialize._pyyaml_canonical_yaml(data)


@SEEDED
@given(st.dictionaries(yaml_keys, json_like, min_size=1, max_size=5))
def test_fast_canonical_yaml_writes_what_pyyaml_writes(data: dict[str, object]) -> None:
    _same_as_pyyaml(data)


@SEEDED
@given(st.one_of(yaml_keys, yaml_strings), yaml_scalars)
def test_fast_canonical_yaml_writes_each_key_and_scalar_as_pyyaml_does(key: str, value: object) -> None:
    _same_as_pyyaml({key: value})
    _same_as_pyyaml({"k": [value, {key: value}]})


# Multi-line text as config files and scripts are: the literal blocks the fast path writes itself.
_LINE_CHARS = [c for c in _CHARS if c not in "\n"] + ["a"] * 8 + [" "] * 4
literal_texts = st.lists(st.text(st.sampled_from(_LINE_CHARS), max_size=12), min_size=2, max_size=8).map("\n".join)


@SEEDED
@given(literal_texts)
def test_multi_line_strings_are_written_as_pyyaml_writes_them(text: str) -> None:
    _same_as_pyyaml({"data": {"file": text}})
    _same_as_pyyaml({"k": [text, {"nested": [text]}]})


OUTPUT = Path(__file__).resolve().parents[2] / "output"


def _committed_config_files() -> list[Path]:
    """Every file under a target's config/, its subfolders included (a KRaft target's config/controller/)."""
    return sorted(p for p in OUTPUT.glob("*/config/**/*") if p.is_file())


@pytest.mark.parametrize(
    "path", _committed_config_files(), ids=lambda p: p.relative_to(OUTPUT).as_posix().replace("/config/", "/", 1)
)
def test_every_committed_config_file_takes_the_fast_literal_path(path: Path) -> None:
    """The files a ConfigMap carries: written by the fast path, byte for byte as PyYAML writes them."""
    text = path.read_text(encoding="utf-8")
    assert serialize._literal_block(text) is not None
    data = {"data": {path.name: text}}
    assert serialize._fast_canonical_yaml(data) == serialize._pyyaml_canonical_yaml(data)


@pytest.mark.parametrize(("first", "second"), [(0.0, -0.0), (-0.0, 0.0), (1, 1.0), (1.0, True), (0, False)])
def test_equal_values_of_other_spelling_do_not_share_a_cached_text(first: object, second: object) -> None:
    for value in (first, second):  # a cache keyed by value took -0.0 for the 0.0 written before it
        assert canonical_yaml({"k": value}) == serialize._pyyaml_canonical_yaml({"k": value})
        assert canonical_yaml({"k": [value]}) == serialize._pyyaml_canonical_yaml({"k": [value]})


@SEEDED
@given(st.text(st.characters(exclude_characters="\\\n\r"), min_size=1, max_size=30))
def test_a_line_without_escapes_splits_as_the_escape_aware_reader_splits_it(line: str) -> None:
    assert serialize._split_plain_line(line) == serialize._split_escaped_line(line)
