"""Broker availability through a roll, from a watch: every pod change, in order, none missed between samples."""

from __future__ import annotations

from dataclasses import dataclass, field

from .api import Api, Watch
from .cluster import ready
from .target import Obj, selector_string

WATCH_LIMIT_S = 1800.0


@dataclass
class Timeline:
    """Unavailable pods after each change: a pod counts when it is missing, not Ready, or being deleted."""

    expected: frozenset[str]
    worst: int = 0
    worst_moment: list[str] = field(default_factory=list)
    changes: int = 0

    def replay(self, initial: list[Obj], events: list[Obj]) -> None:
        state = {p["metadata"]["name"]: ready(p) for p in initial}
        self._note(state)
        for event in events:
            pod = event["object"]
            name = pod["metadata"]["name"]
            if event["type"] == "DELETED":
                state.pop(name, None)
            elif event["type"] in ("ADDED", "MODIFIED"):
                state[name] = ready(pod)
            else:
                raise AssertionError(f"watch ended with {event['type']}: {pod}")
            self.changes += 1
            self._note(state)

    def _note(self, state: dict[str, bool]) -> None:
        down = sorted(name for name in self.expected if not state.get(name, False))
        if len(down) > self.worst:
            self.worst, self.worst_moment = len(down), down


class Recorder:
    """Lists the pods, then watches from that list's resourceVersion until stopped."""

    def __init__(self, api: Api, namespace: str, selector: Obj):
        path = f"/api/v1/namespaces/{namespace}/pods?labelSelector={selector_string(selector)}"
        listed = api.get(path)
        self.initial: list[Obj] = listed["items"]
        self._watch: Watch = api.watch(path, listed["metadata"]["resourceVersion"], WATCH_LIMIT_S)

    def stop(self, expected: frozenset[str]) -> Timeline:
        ended_early = self._watch.ended()
        self._watch.stop()
        assert not ended_early, "the pod watch ended before the roll did: changes may be missing"

        assert self._watch.error is None, f"the pod watch failed: {self._watch.error!r}"
        timeline = Timeline(expected)
        timeline.replay(self.initial, [event for _, event in self._watch.events])
        return timeline
