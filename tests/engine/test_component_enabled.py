"""Component.enabled: a component a target does not have (the zookeeper one in KRaft mode, the
controllers in ZooKeeper mode) derives no model, writes no file, renders no template and runs no rule,
check or invariant. Shown with the test-only greeter, switched by a parameter of its own."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from generator.core.component import Models, Problem, Rendered
from generator.core.engine import builtin_components
from generator.errors import ParamsError, ValidationFailed
from generator.target import Request, Sources, build
from tests.conftest import write
from tests.engine.greeter import TEMPLATE, Greeter, GreeterModel

RAN: list[str] = []


def never_passes(rendered: Rendered, models: Models) -> Iterator[Problem]:
    RAN.append("invariant")
    yield Problem("kubernetes/greeter/configmap.yaml", "the greeter's invariant ran")


class SwitchedGreeter(Greeter):
    invariants = (never_passes,)

    def enabled(self, params: Mapping[str, Any]) -> bool:
        return bool(params["greeter"]["enabled"])


@pytest.fixture
def switched(sources: Sources) -> Sources:
    base = sources.profiles_dir / "base.yaml"
    write(
        base,
        base.read_text()
        + "\ngreeter:\n  enabled: false  # whether the target has a greeter\n  greeting: ' '  # the word\n"
        + "  config:\n    greeter.color: blue\n",
    )
    write(sources.templates_dir / "greeter/kubernetes/greeter/configmap.yaml.j2", TEMPLATE)
    write(sources.templates_dir / "greeter/config/hello.txt.j2", "hello {{ greeter.greeting }}\n")
    # A folder of its own: the compiled validator is kept by the fragment file's stamp.
    fragment = json.loads((Path(__file__).parent / "greeter" / "schema.json").read_text(encoding="utf-8"))
    fragment["greeter"]["properties"]["enabled"] = {"type": "boolean"}
    fragment["greeter"]["required"] = [*fragment["greeter"].get("required", []), "enabled"]
    folder = sources.profiles_dir.parent / "switched"
    write(folder / "schema.json", json.dumps(fragment))
    component = SwitchedGreeter(folder)
    return Sources(sources.profiles_dir, sources.templates_dir, (component,))


def test_a_disabled_component_derives_renders_and_checks_nothing(switched: Sources) -> None:
    RAN.clear()
    result = build(Request("ha"), switched)  # its rule (greeting not empty) and its invariant would refuse
    assert RAN == []
    assert not [p for p in result.files if "greeter" in p or p.endswith("hello.txt")]
    assert "greeter" not in result.models.by_name()
    with pytest.raises(LookupError):
        result.models.get(GreeterModel)
    assert "kubernetes/greeter/configmap.yaml" not in result.files["kustomization.yaml"]


def test_the_same_component_enabled_runs_everything(switched: Sources) -> None:
    with pytest.raises(ParamsError) as caught:
        build(Request("ha", sets=("greeter.enabled=true",)), switched)
    assert caught.value.problems == [
        "greeter.greeting: is empty; allowed: a word to greet with (set by profiles/base.yaml)"
    ]
    RAN.clear()
    with pytest.raises(ValidationFailed) as failed:
        build(Request("ha", sets=("greeter.enabled=true", "greeter.greeting=hi")), switched)
    assert RAN == ["invariant"]
    assert failed.value.problems == ["kubernetes/greeter/configmap.yaml: the greeter's invariant ran"]


def test_an_empty_text_template_is_a_file_the_target_does_not_have(switched: Sources) -> None:
    write(switched.templates_dir / "greeter/config/hello.txt.j2", "{% if greeter.greeting != 'hi' %}hello\n{% endif %}")
    write(switched.templates_dir / "greeter/kubernetes/greeter/configmap.yaml.j2", TEMPLATE)
    component = switched.extra_components[0]
    component.invariants = ()  # type: ignore[misc]
    result = build(Request("ha", sets=("greeter.enabled=true", "greeter.greeting=hi")), switched)
    assert "config/hello.txt" not in result.files
    assert "config/greeter.properties" in result.files
    result = build(Request("ha", sets=("greeter.enabled=true", "greeter.greeting=ho")), switched)
    assert result.files["config/hello.txt"] == "hello\n"


def test_kraft_mode_switches_zookeeper_off_and_the_controllers_on() -> None:
    by_name = {c.name: c for c in builtin_components()}
    zookeeper_mode = {"kafka": {"mode": "zookeeper"}}
    kraft_mode = {"kafka": {"mode": "kraft"}}
    assert by_name["zookeeper"].enabled(zookeeper_mode) and not by_name["zookeeper"].enabled(kraft_mode)
    assert by_name["controllers"].enabled(kraft_mode) and not by_name["controllers"].enabled(zookeeper_mode)
    assert all(c.enabled(zookeeper_mode) for n, c in by_name.items() if n != "controllers")
