"""A component plugs in through the seam alone: the test-only greeter (tests/engine/greeter) renders,
validates and explains with no change to the engine, and the engine names none of the components."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.core.engine import builtin_components
from generator.errors import ParamsError, ValidationFailed
from generator.explain import as_text, report
from generator.target import Request, Sources, build, derived, load
from tests.conftest import REPO, write
from tests.engine.greeter import GREETER, TEMPLATE, GreeterModel


@pytest.fixture
def greeter_sources(sources: Sources) -> Sources:
    base = sources.profiles_dir / "base.yaml"
    write(
        base,
        base.read_text()
        + "\ngreeter:\n  greeting: hello  # the word it greets with\n  config:\n    greeter.color: blue\n",
    )
    write(sources.templates_dir / "greeter/kubernetes/greeter/configmap.yaml.j2", TEMPLATE)
    return Sources(sources.profiles_dir, sources.templates_dir, (GREETER,))


def test_a_new_component_renders_through_the_seam(greeter_sources: Sources) -> None:
    result = build(Request("ha"), greeter_sources)
    assert result.files["config/greeter.properties"].splitlines()[1:] == [
        "greeter.color=blue",
        "greeter.name=kafka-greeter",
    ]
    assert result.manifests["kubernetes/greeter/configmap.yaml"]["data"]["greeting"] == "hello"
    assert "  - kubernetes/greeter/configmap.yaml" in result.files["kustomization.yaml"]
    assert result.summary.startswith("18 Kubernetes resources valid against 1.35 and 1.37 (strict); 6 config files")
    assert isinstance(result.models.get(GreeterModel), GreeterModel)


def test_its_schema_fragment_joins_the_parameter_schema(greeter_sources: Sources) -> None:
    with pytest.raises(ParamsError) as caught:
        build(Request("ha", sets=("greeter.greting=hi",)), greeter_sources)
    assert caught.value.problems == [
        "greeter.greting: unknown parameter (did you mean greeting?); known here: config, greeting "
        "(set by --set greeter.greting=hi)"
    ]


def test_its_rule_and_its_owned_section_refuse_bad_input(greeter_sources: Sources) -> None:
    with pytest.raises(ParamsError) as caught:
        build(Request("ha", sets=("greeter.greeting=' '", "greeter.config.greeter.name=x")), greeter_sources)
    assert caught.value.problems == [
        "greeter.config.greeter.name: is written by the identity section of greeter.properties (greeter): "
        "the greeter's name follows cluster.name; allowed: remove it (set by --set greeter.config.greeter.name=x)",
    ]
    with pytest.raises(ParamsError) as caught:
        build(Request("ha", sets=("greeter.greeting=' '",)), greeter_sources)
    assert caught.value.problems == [
        "greeter.greeting: is empty; allowed: a word to greet with (set by --set greeter.greeting=' ')"
    ]


def test_its_objects_are_validated_like_every_other(greeter_sources: Sources) -> None:
    template = greeter_sources.templates_dir / "greeter/kubernetes/greeter/configmap.yaml.j2"
    write(template, TEMPLATE.replace("data:\n  greeting: {{ greeter.greeting | json }}", "data:\n  greeting: x"))
    with pytest.raises(ValidationFailed) as caught:
        build(Request("ha"), greeter_sources)
    assert caught.value.problems == [
        "kubernetes/greeter/configmap.yaml: does not carry the greeting (from greeter.greeting, set by "
        "profiles/base.yaml)"
    ]
    write(template, TEMPLATE.replace("kind: ConfigMap", "kind: ConfigMapp"))
    with pytest.raises(ValidationFailed) as caught:
        build(Request("ha"), greeter_sources)
    assert caught.value.problems[0] == (
        "kubernetes/greeter/configmap.yaml: ConfigMapp/kafka-greeter: no Kubernetes 1.35 schema for kind "
        "ConfigMapp in v1"
    )


def test_it_explains_with_its_layer_and_reason(greeter_sources: Sources) -> None:
    merged, target, command = load(Request("ha"), greeter_sources)
    models, warnings = derived(merged, greeter_sources)
    from generator.budget import FailureBudget

    text = as_text(report(merged, target, command, warnings, models.models.get(FailureBudget)))
    assert re.search(r"^greeter\.greeting +hello  <- profiles/base\.yaml\n +the word it greets with$", text, re.M)


def test_the_engine_names_no_component_and_no_kind() -> None:
    """Everything about Kafka, ZooKeeper and Kubernetes lives in generator/components and generator/k8s."""
    words = re.compile(
        r"kafka(?!-profiles)|zookeeper|broker|\b(StatefulSet|ConfigMap|Service|PodDisruptionBudget)\b", re.I
    )
    for path in sorted((REPO / "generator/core").glob("*.py")):
        found = [(n, line) for n, line in enumerate(path.read_text().splitlines(), 1) if words.search(line)]
        assert found == [], f"{path.relative_to(REPO)} names a component or a kind: {found}"
    assert [c.name for c in builtin_components()] == [
        "cluster",
        "zookeeper",
        "controllers",
        "brokers",
        "clients",
        "budget",
    ]


def test_modules_stay_small_or_say_why() -> None:
    """No module over about 300 lines without a reason in its first comment (docstring)."""
    for path in sorted((REPO / "generator").rglob("*.py")):
        text = path.read_text()
        if len(text.splitlines()) > 300:
            assert "over 300 lines" in text.split('"""')[1].lower(), (
                f"{path.relative_to(REPO)}: {len(text.splitlines())} lines"
            )


def test_components_are_found_not_listed(tmp_path: Path) -> None:
    """No table lists the components: each package under generator/components that defines COMPONENT is one."""
    packages = sorted(p.parent.name for p in (REPO / "generator/components").glob("*/__init__.py"))
    assert packages == sorted(c.name for c in builtin_components())
