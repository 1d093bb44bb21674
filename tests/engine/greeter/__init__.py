"""A tiny component that exists only in the tests: it proves a feature plugs in through the component
seam alone (schema fragment, model, config file from owned sections, template, rule, invariant), with no
change to the engine."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.components.cluster import ClusterModel
from generator.core.component import Component, Models, Problem, Rendered, freeze
from generator.core.configfile import ConfigFile, Section
from generator.core.findings import Finding, Where


@dataclass(frozen=True)
class GreeterModel:
    name: str
    namespace: str
    greeting: str
    config: Mapping[str, Any]


def greeting_not_empty(models: Models, where: Where) -> Iterator[Finding]:
    if not models.get(GreeterModel).greeting.strip():
        yield where.error("greeter.greeting", "is empty; allowed: a word to greet with")


def greeting_reaches_the_object(rendered: Rendered, models: Models) -> Iterator[Problem]:
    greeting = models.get(GreeterModel).greeting
    for path, manifest in rendered.objects.items():
        if path.startswith("kubernetes/greeter/") and manifest.get("data", {}).get("greeting") != greeting:
            yield Problem(path, "does not carry the greeting", "greeter.greeting")


class Greeter(Component):
    name = "greeter"
    keys = ("greeter",)
    after = ("cluster",)
    rules = (greeting_not_empty,)
    invariants = (greeting_reaches_the_object,)

    def derive(self, params: Mapping[str, Any], models: Models) -> GreeterModel:
        cluster = models.get(ClusterModel)
        spec = params["greeter"]
        return GreeterModel(
            f"{cluster.names.cluster}-greeter", cluster.namespace, spec["greeting"], freeze(spec["config"])
        )

    def config_files(self, model: GreeterModel, models: Models) -> list[ConfigFile]:
        owned = Section("identity", "the greeter's name follows cluster.name", {"greeter.name": model.name})
        return [
            ConfigFile("config/greeter.properties", self.name, "properties", model.config, "greeter.config", (owned,))
        ]

    def context(self, model: GreeterModel, models: Models, files: Mapping[str, str]) -> dict[str, Any]:
        return {"files": dict(files)}


GREETER = Greeter(Path(__file__).parent)
TEMPLATE = """apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ greeter.name | json }}
  namespace: {{ greeter.namespace | json }}
data:
  greeting: {{ greeter.greeting | json }}
  greeter.properties: {{ files["config/greeter.properties"] | json }}
"""
