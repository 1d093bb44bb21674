"""Facts about the container images the targets deploy (generator/images.yaml), with their source."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

IMAGES_FILE = Path(__file__).parent / "images.yaml"


@dataclass(frozen=True)
class ImageFacts:
    repository: str
    source: str
    user: str
    uid: int
    gid: int
    home: str  # may hold {version}
    workdir: str
    volumes: tuple[str, ...]  # declared VOLUMEs: the runtime mounts an anonymous volume on each one no mount equals
    java: int  # the major version of the image's Java runtime
    tools: tuple[str, ...]


@cache
def _load() -> dict[str, ImageFacts]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: this is read on every render
    raw = yaml.load(IMAGES_FILE.read_text(encoding="utf-8"), Loader=loader)
    return {
        repository: ImageFacts(
            repository=repository,
            source=facts["source"],
            user=facts["user"],
            uid=facts["uid"],
            gid=facts["gid"],
            home=facts["home"],
            workdir=facts["workdir"],
            volumes=tuple(facts["volumes"]),
            java=facts["java"],
            tools=tuple(facts["tools"]),
        )
        for repository, facts in raw.items()
    }


IMAGES = tuple(_load())


def image_facts(repository: str) -> ImageFacts:
    return _load()[repository]


def facts_for_image(reference: str) -> ImageFacts | None:
    """The facts of an image reference (`registry:5000/apache/kafka:3.9.2@sha256:...`), by its repository's
    last two path parts or its last one; None for an image we know nothing about."""
    name = reference.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    parts = name.split("/")
    for candidate in ("/".join(parts[-2:]), parts[-1]):
        if candidate in _load():
            return _load()[candidate]
    return None
