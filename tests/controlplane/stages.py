"""KWOK's configuration: our own stages (stages/*.yaml), with the pod readiness delay the tests choose."""

from __future__ import annotations

from pathlib import Path

import yaml

STAGES = Path(__file__).resolve().parent / "stages"
HOLD_LABEL = "kafka-profiles.test/hold-not-ready"  # pods with it stay Running but not Ready (pod-ready.yaml)
READY_DELAY_MS = 1500  # a re-created pod is visibly not Ready during rolls; short, as every roll step waits for it


def write_kwok_config(path: Path, ready_delay_ms: int = READY_DELAY_MS) -> Path:
    documents = [yaml.safe_load(stage.read_text(encoding="utf-8")) for stage in sorted(STAGES.glob("*.yaml"))]
    for stage in documents:
        if stage["metadata"]["name"] == "pod-ready":
            stage["spec"]["delay"] = {"durationMilliseconds": ready_delay_ms}
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False), encoding="utf-8")
    return path
