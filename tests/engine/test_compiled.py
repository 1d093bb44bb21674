"""Compiled validators accept exactly what the jsonschema reference accepts (it names the problems when they
refuse), on committed and mutated inputs; the compiled code cache never changes a render: cold, warm,
corrupted, unwritable, off, or after a template or schema was edited."""

from __future__ import annotations

import copy
import json
import marshal
import operator
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from functools import cache, reduce
from pathlib import Path
from types import CodeType
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2.bccache import bc_magic

from generator import schemacode
from generator.compiled import CACHE_ENV
from generator.core.render import shared_environment as _shared_environment
from generator.core.schema import _validator_class, fragment_stamps, schema_text
from generator.k8s.schemas import DEFINITIONS_ID, _schema_file, _schema_folder, _validator
from generator.profiles import discover
from generator.schemacode import Refused, compiled_validator, compiled_validator_for
from generator.target import Request, Sources, build, load
from tests.conftest import REPO

VERSIONS = ("1.35", "1.37")  # cluster.kubernetesVersions of the committed targets
KINDS = ("StatefulSet", "Service", "ConfigMap", "PodDisruptionBudget", "Namespace")
SUBJECTS = (*KINDS, "params")
TARGET = "high-availability"
Key = str | int
Verdict = tuple[bool, list[str]]  # (compiled validator accepts, reference's problems)
SEEDED = settings(derandomize=True, max_examples=75, deadline=None)  # `make test` stays fast and repeatable


def verdict(compiled: Callable[[Any], Any], reference: Any, document: Any) -> Verdict:
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in reference.iter_errors(document)]
    try:
        compiled(document)
    except Refused:
        return False, problems
    return True, problems


def verdicts(subject: str, original: Any, document: Any) -> list[tuple[str, Verdict]]:
    """(label, verdict) per schema the generator would use: params, or `original`'s kind in each Kubernetes version."""
    if subject == "params":
        text = schema_text(Sources().components())
        reference = _validator_class(text)(json.loads(text))
        compiled = compiled_validator_for("params", fragment_stamps(Sources().components()), lambda: text)
        return [("", verdict(compiled, reference, document))]
    found = []
    for version in VERSIONS:
        schema_file = _schema_file(original["kind"], original["apiVersion"], version)
        assert schema_file is not None
        definitions = {DEFINITIONS_ID: _schema_folder(version) / "_definitions.json"}
        compiled = compiled_validator(f"k8s-{version}-{schema_file.stem}", schema_file, definitions)
        found.append((f" (Kubernetes {version})", verdict(compiled, _validator(schema_file, version), document)))
    return found


def disagreement(label: str, verdict: Verdict) -> str:
    compiled, problems = verdict
    return f"{label}: compiled {'accepts' if compiled else 'refuses'}, reference: {problems[:3] or 'accepts'}"


@cache
def documents(subject: str) -> list[tuple[str, Any]]:
    """The committed manifests of one kind, or the merged parameters of every profile and two combinations."""
    if subject == "params":
        names = [*discover(Sources().profiles_dir), "high-availability,throughput", "durability,low-latency"]
        return [(name, load(Request(name), Sources())[0].params) for name in names]
    if subject != "all":
        return [(label, m) for label, m in documents("all") if m["kind"] == subject]
    files = sorted((REPO / "output").glob("*/kubernetes/**/*.yaml"))
    return [(str(f.relative_to(REPO)), yaml.safe_load(f.read_text(encoding="utf-8"))) for f in files]


def nodes(node: Any, path: tuple[Key, ...] = ()) -> list[tuple[tuple[Key, ...], Any]]:
    kids = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    return [(path, node)] + [found for key, kid in kids for found in nodes(kid, (*path, key))]


def at(document: Any, path: tuple[Key, ...]) -> Any:
    return reduce(operator.getitem, path, document)


REPLACEMENTS: tuple[Any, ...] = (0, 3, -1, 1.0, 1.5, "text", "", True, False, None, [], ["x"], {}, {"k": "v"})
NEW_KEYS = ("zzUnknown", "app", "bad key\n", "num.io.threads\n")


@st.composite
def mutation(draw: st.DrawFn, document: Any) -> tuple[str, Any]:
    """Another type, an unknown key, a deleted key, an unknown enum value or a line break at the end (`$`)."""
    kind = draw(st.sampled_from(("replace", "add key", "delete", "off enum", "newline")))
    want = {"add key": dict, "off enum": str, "newline": str}.get(kind)
    path = draw(st.sampled_from([p for p, v in nodes(document) if (isinstance(v, want) if want else p)]))
    mutated = copy.deepcopy(document)
    parent: Any = at(mutated, path[:-1]) if path else None
    last, payload = path[-1] if path else "", None
    if kind == "replace":
        payload = parent[last] = copy.deepcopy(draw(st.sampled_from(REPLACEMENTS)))
    elif kind == "add key":
        payload = draw(st.sampled_from(NEW_KEYS))
        at(mutated, path)[payload] = "x"
    elif kind == "delete":
        del parent[last]
    else:
        payload = parent[last] = "NotAnAllowedValue" if kind == "off enum" else parent[last] + "\n"
    detail = "" if kind == "delete" else f" ({payload!r})"
    return f"{kind} at {'.'.join(map(str, path)) or '(root)'}{detail}", mutated


def test_committed_inputs_pass_both_validators() -> None:
    assert {m["kind"] for _, m in documents("all")} == set(KINDS)  # each kind is mutated below
    found = [(label + suffix, v) for s in SUBJECTS for label, d in documents(s) for suffix, v in verdicts(s, d, d)]
    assert [disagreement(label, v) for label, v in found if v != (True, [])] == []


@pytest.mark.parametrize("subject", SUBJECTS)
@SEEDED
@given(data=st.data())
def test_mutated_input_gets_the_reference_verdict(subject: str, data: st.DataObject) -> None:
    """Both accept, or both refuse: the reference's messages are only asked for when the compiled one refuses."""
    label, original = data.draw(st.sampled_from(documents(subject)))
    change, mutated = data.draw(mutation(original))
    for suffix, (accepted, problems) in verdicts(subject, original, mutated):
        assert accepted == (not problems), disagreement(f"{label}{suffix} {change}", (accepted, problems))


@pytest.mark.parametrize(
    ("path", "value", "valid"),
    [
        (("cluster", "name"), "kafka\n", False),
        (("cluster", "zones"), ["a", "a"], False),
        (("kafka", "config", "num.io.threads\n"), 8, False),
        (("kafka", "replicas"), 3.0, True),  # JSON Schema: an integer is any number without a fraction
        (("kafka", "replicas"), True, False),
        (("kafka", "resources", "limits", "cpu"), 2.0, True),
    ],
)
def test_params_edge_cases(path: tuple[str, ...], value: Any, valid: bool) -> None:
    params = copy.deepcopy(documents("params")[0][1])
    at(params, path[:-1])[path[-1]] = value
    [(_, (accepted, problems))] = verdicts("params", params, params)
    label = disagreement(f"{'.'.join(path)!r} = {value!r}", (accepted, problems))
    assert (accepted, not problems) == (valid, valid), label


def render(out: Path, cache: str | None, **env: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "generator", "render", TARGET, "--out", str(out)]
    environment = {name: value for name, value in os.environ.items() if name != CACHE_ENV} | env
    environment.update({} if cache is None else {CACHE_ENV: cache})
    return subprocess.run(command, env=environment, cwd=REPO, capture_output=True, text=True, check=False, timeout=120)


def tree(root: Path) -> dict[str, bytes]:
    return {str(f.relative_to(root)): f.read_bytes() for f in sorted(root.rglob("*")) if f.is_file()}


def rendered_as_committed(result: subprocess.CompletedProcess[str], out: Path) -> list[str]:
    """Files that differ from output/high-availability/; the run must have exited 0 without news of the cache."""
    assert result.returncode == 0, result.stderr
    assert all(line.startswith("warning: ") for line in result.stderr.splitlines()), result.stderr
    got, committed = tree(out / TARGET), tree(REPO / "output" / TARGET)
    return sorted(name for name in got.keys() | committed.keys() if got.get(name) != committed.get(name))


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache filled by one cold render, in the default folder (no KAFKA_PROFILES_CACHE)."""
    root = tmp_path_factory.mktemp("filled")
    assert rendered_as_committed(render(root / "out", None, XDG_CACHE_HOME=str(root)), root / "out") == []
    return root / "kafka-profiles"


def test_cold_run_fills_the_cache_and_warm_run_only_reads_it(filled: Path, tmp_path: Path) -> None:
    assert all(
        list(filled.glob(files))
        for files in ("code/params-*.marshal", "code/k8s-1.37-*", "jinja/*", "data/yaml-*.marshal")
    )
    cache = shutil.copytree(filled, tmp_path / "cache")
    before = {f: (f.stat().st_ino, f.stat().st_mtime_ns) for f in sorted(cache.rglob("*"))}
    assert rendered_as_committed(render(tmp_path / "out", str(cache)), tmp_path / "out") == []
    assert {f: (f.stat().st_ino, f.stat().st_mtime_ns) for f in sorted(cache.rglob("*"))} == before


@pytest.mark.parametrize("torn", [False, True])
def test_corrupted_cache_files_are_rebuilt(filled: Path, tmp_path: Path, torn: bool) -> None:
    """Garbage or empty files; or torn ones, cut short (Jinja's inside the source checksum its header pickles)."""
    cache = shutil.copytree(filled, tmp_path / "cache")
    files = sorted(f for f in cache.rglob("*") if f.is_file())
    for number, file in enumerate(files):
        data = file.read_bytes()
        cut = len(bc_magic) + 5 if file.parent.name == "jinja" else len(data) // 2
        file.write_bytes(data[:cut] if torn else b"" if number % 3 == 0 else b"\x7fnot a cache file\x00" * 64)
    assert rendered_as_committed(render(tmp_path / "out", str(cache)), tmp_path / "out") == []
    assert sorted(f for f in cache.rglob("*") if f.is_file()) == files
    assert all(isinstance(marshal.loads(f.read_bytes()), CodeType) for f in cache.glob("code/*"))
    assert all(marshal.loads(f.read_bytes()) is not None for f in cache.glob("data/*"))
    assert all(f.read_bytes().startswith(bc_magic) for f in cache.glob("jinja/*"))


@pytest.mark.parametrize(
    "setting", ["off", "", "{tmp}/afile/cache"]
)  # a path under a file: never creatable, even by root
def test_no_cache_renders_the_same_and_writes_nothing(tmp_path: Path, setting: str) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "afile").write_text("not a folder\n", encoding="utf-8")
    home = {"HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "home" / "xdg")}
    assert rendered_as_committed(render(tmp_path / "out", setting.format(tmp=tmp_path), **home), tmp_path / "out") == []
    assert list((tmp_path / "home").rglob("*")) == []
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "not a folder\n"


def test_edited_template_is_rendered_anew(sources: Sources, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same size and modification time: only the template's content tells the two versions apart."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    _shared_environment.cache_clear()
    assert "# Starts one broker." in build(Request(TARGET), sources).files["config/start-kafka.sh"]
    assert list((tmp_path / "cache" / "jinja").iterdir())
    template = sources.templates_dir / "brokers" / "config" / "start-kafka.sh.j2"
    status = template.stat()
    template.write_text(template.read_text(encoding="utf-8").replace("one broker", "ONE broker"), encoding="utf-8")
    os.utime(template, ns=(status.st_atime_ns, status.st_mtime_ns))
    _shared_environment.cache_clear()  # a new process: only the bytecode cache remembers the old template
    assert "# Starts ONE broker." in build(Request(TARGET), sources).files["config/start-kafka.sh"]


def test_edited_schema_file_is_compiled_anew(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    schema_file = tmp_path / "t.schema.json"
    for text, good, bad in (('{"type": "integer"}', 5, "x"), ('{"type": "string", "minLength": 1}', "x", 5)):
        schema_file.write_text(text, encoding="utf-8")  # another size, so another stamp
        schemacode._compiled.cache_clear()  # as a new process would: only the cache remembers the old schema
        compiled_validator("t", schema_file)(good)
        with pytest.raises(Refused):
            compiled_validator("t", schema_file)(bad)
        assert list((tmp_path / "cache" / "code").glob("t-*.marshal"))


def test_checkouts_sharing_the_cache_keep_their_files_and_stale_ones_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two virtualenvs compile the same kind from files at different paths: both stay cached. A file of
    the same kind untouched for longer than STALE_AFTER_SECONDS is removed when another is written."""
    from generator.compiled import STALE_AFTER_SECONDS, load_code

    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    compiles: list[str] = []

    def source(text: str) -> Callable[[], str]:
        def compile_source() -> str:
            compiles.append(text)
            return f"value = {text!r}"

        return compile_source

    for _ in range(2):
        load_code("kind", ["checkout-a"], source("a"))
        load_code("kind", ["checkout-b"], source("b"))
    assert compiles == ["a", "b"]  # each compiled once, then loaded: neither removed the other
    files = sorted((tmp_path / "code").glob("kind-*.marshal"))
    assert len(files) == 2
    old = time.time() - STALE_AFTER_SECONDS - 60
    os.utime(files[0], (old, old))
    load_code("kind", ["upgraded"], source("c"))
    assert len(list((tmp_path / "code").glob("kind-*.marshal"))) == 2
    assert not files[0].exists() and files[1].exists()
