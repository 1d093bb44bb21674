"""The controller probes (config/controller/kafka-quorum.sh started | ready | format-check) against stand-in
controllers on loopback that answer DescribeQuorum v1 as 4.1.2 does, under Debian's tools and under
busybox's applets (the image's, generator/images.yaml). Every case of docs/kraft.md 3 is pinned: the
leader, a follower caught up, lagging, stale or never caught up, an observer, no leader, not a voter, a
voter that is down, silent or answers garbage; and the empty-volume decision of step 4."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from generator.images import image_facts
from generator.target import Request as Render
from generator.target import build
from tests.components.controllers.quorum_standin import (
    METADATA_TOPIC,
    NOW,
    Replica,
    Request,
    StandInController,
    closed_port,
    error_answer,
    leader_answer,
    leader_row,
)

ME = 3002  # the probe runs in pod kafka-controller-2
TOOLS = tuple(tool for tool in image_facts("apache/kafka").tools if tool not in ("bash", "java"))
DESCRIBE_QUORUM_V1 = Request(55, 1, "ready", ((METADATA_TOPIC, (0,)),))


class Probe(NamedTuple):
    script: Path
    path: str  # PATH: the host's userland, or a folder of busybox applets only


class Done(NamedTuple):
    code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module", params=["debian", "busybox"])
def script(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Probe:
    folder = tmp_path_factory.mktemp("probe")
    path = folder / "kafka-quorum.sh"
    path.write_text(build(Render("high-availability,kraft")).files["config/controller/kafka-quorum.sh"], "utf-8")
    if request.param == "debian":
        return Probe(path, "/usr/bin:/bin")
    busybox = shutil.which("busybox")
    if busybox is None:
        if os.environ.get("CI") == "true":
            pytest.fail("busybox is missing (make test installs it; CI=true: failing instead of skipping)")
        pytest.skip("busybox is not installed (make test installs it)")
    applets = folder / "busybox"
    applets.mkdir()
    for tool in TOOLS:
        (applets / tool).symlink_to(busybox)
    return Probe(path, str(applets))


class Quorum:
    """Five voters 3000..3004 on loopback: a stand-in per answering voter, a refused port for the others."""

    def __init__(self, tmp: Path, answers: dict[int, StandInController]) -> None:
        self.answers = answers
        ports = {node: answers[node].port if node in answers else closed_port() for node in range(3000, 3005)}
        self.config = tmp / "server.properties"
        voters = ",".join(f"{node}@127.0.0.1:{port}" for node, port in ports.items())
        self.config.write_text(f"process.roles=controller\ncontroller.quorum.voters={voters}\n", encoding="utf-8")

    def run(self, script: Probe, *args: str) -> Done:
        done = subprocess.run(
            ["/bin/bash", str(script.script), *args],
            env={"PATH": script.path, "POD_NAME": "kafka-controller-2", "KAFKA_CONFIG": str(self.config)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        return Done(done.returncode, done.stdout.strip(), done.stderr.strip())

    def close(self) -> None:
        for controller in self.answers.values():
            controller.close()


@pytest.fixture
def quorum(tmp_path: Path) -> Iterator[Callable[..., Quorum]]:
    made: list[Quorum] = []

    def make(**answers: StandInController) -> Quorum:
        made.append(Quorum(tmp_path, {int(k.removeprefix("c")): v for k, v in answers.items()}))
        return made[-1]

    yield make
    for q in made:
        q.close()


def not_leader() -> StandInController:
    return StandInController(error_answer)


def leading(leader: int, *followers: Replica, observers: tuple[Replica, ...] = ()) -> StandInController:
    voters = (leader_row(leader), *followers)
    return StandInController(lambda: leader_answer(leader, voters, observers))


def others_caught_up(*nodes: int) -> tuple[Replica, ...]:
    return tuple(Replica(node, NOW - 300, NOW - 600) for node in nodes)


def test_started_asks_api_versions_on_the_own_listener(script: Probe, quorum: Callable[..., Quorum]) -> None:
    me = StandInController(error_answer)
    done = quorum().run(script, "started", str(me.port))
    me.close()
    assert (done.code, [r.key for r in me.requests]) == (0, [18]), done.stderr


def test_the_leader_is_ready(script: Probe, quorum: Callable[..., Quorum]) -> None:
    q = quorum(c3000=not_leader(), c3001=not_leader(), c3002=leading(ME, *others_caught_up(3000, 3001)))
    assert q.run(script, "ready") == Done(0, "", "")
    assert q.answers[3002].requests == [DESCRIBE_QUORUM_V1]  # header v2, __cluster_metadata partition 0


def test_a_caught_up_follower_is_ready(script: Probe, quorum: Callable[..., Quorum]) -> None:
    me = Replica(ME, NOW - 400, NOW - 1900)  # fetched 400 ms ago, had read to the end 1500 ms before that
    q = quorum(c3000=leading(3000, me, *others_caught_up(3001, 3003, 3004)))
    assert q.run(script, "ready") == Done(0, "", "")


def test_a_lagging_follower_is_not_ready(script: Probe, quorum: Callable[..., Quorum]) -> None:
    me = Replica(ME, NOW - 100, NOW - 5100)  # fetching, but 5 s behind the end of the log
    q = quorum(c3000=not_leader(), c3001=leading(3001, me))
    assert q.run(script, "ready") == Done(
        1, "", "controller 3002 is behind leader 3001: last caught up 5100 ms ago by its clock (allowed: 2000)"
    )


def test_a_follower_that_stopped_fetching_is_not_ready(script: Probe, quorum: Callable[..., Quorum]) -> None:
    """The leader keeps a restarted voter's last state until it fetches again: caught up then, not now."""
    me = Replica(ME, NOW - 9000, NOW - 9000)
    q = quorum(c3000=leading(3000, me))
    assert q.run(script, "ready") == Done(
        1, "", "controller 3002 is behind leader 3000: last caught up 9000 ms ago by its clock (allowed: 2000)"
    )


def test_a_voter_never_caught_up_is_not_ready(script: Probe, quorum: Callable[..., Quorum]) -> None:
    q = quorum(c3000=leading(3000, Replica(ME, -1, -1)))
    assert q.run(script, "ready") == Done(1, "", "controller 3002 has not caught up with leader 3000 yet")


def test_an_observer_is_not_ready(script: Probe, quorum: Callable[..., Quorum]) -> None:
    q = quorum(c3000=leading(3000, *others_caught_up(3001), observers=(Replica(ME, NOW - 10, NOW - 10),)))
    assert q.run(script, "ready") == Done(
        1, "", "controller 3002 is an observer of leader 3000, not a voter (voters: 3000 3001)"
    )


def test_a_node_the_leader_does_not_know_is_not_ready(script: Probe, quorum: Callable[..., Quorum]) -> None:
    q = quorum(c3000=leading(3000, *others_caught_up(3001, 3003)))
    assert q.run(script, "ready") == Done(
        1, "", "controller 3002 is not a voter of the quorum led by 3000 (voters: 3000 3001 3003)"
    )


def test_no_leader_is_not_ready_and_says_what_each_voter_answered(script: Probe, quorum: Callable[..., Quorum]) -> None:
    q = quorum(c3000=not_leader(), c3002=not_leader(), c3003=StandInController(lambda: error_answer(15)))
    assert q.run(script, "ready") == Done(
        1,
        "",
        "no quorum leader known (3000: not the leader, 3001: no answer, 3002: not the leader, 3003: error 15, "
        "3004: no answer)",
    )


@pytest.mark.parametrize(
    ("standin", "said"),
    [
        (lambda: StandInController(error_answer, raw=b"\x00\x00\x00\x05HTTP/"), "an unreadable answer"),
        (lambda: StandInController(lambda: leader_answer(3000, (leader_row(3000),))[:-9]), "an answer cut short"),
        (lambda: StandInController(error_answer, silent=True), "no answer"),
    ],
    ids=["garbage", "cut", "silent"],
)
def test_an_unreadable_voter_is_skipped_not_believed(
    script: Probe, quorum: Callable[..., Quorum], standin: Callable[[], StandInController], said: str
) -> None:
    q = quorum(c3000=standin(), c3001=not_leader(), c3002=not_leader(), c3003=not_leader(), c3004=not_leader())
    done = q.run(script, "ready")
    assert (done.code, done.stderr) == (
        1,
        f"no quorum leader known (3000: {said}, 3001: not the leader, 3002: not the leader, 3003: not the leader, "
        "3004: not the leader)",
    )


def test_a_garbage_voter_does_not_hide_the_leader(script: Probe, quorum: Callable[..., Quorum]) -> None:
    q = quorum(
        c3000=StandInController(error_answer, raw=b"\x00\x00\x00\x02\xff\xff"),
        c3001=leading(3001, *others_caught_up(ME)),
    )
    assert q.run(script, "ready") == Done(0, "", "")


# Step 4: an empty volume (this controller is not running) asks the other voters only.


def test_format_check_formats_at_once_when_no_other_voter_leads(script: Probe, quorum: Callable[..., Quorum]) -> None:
    q = quorum(c3000=not_leader(), c3002=leading(ME, *others_caught_up(3000)))  # 3002's own stale answer: not asked
    assert q.run(script, "format-check") == Done(
        0,
        "no voter answers as the quorum leader (3000: not the leader, 3001: no answer, 3003: no answer, "
        "3004: no answer): formatting now (first start, or the quorum is down)",
        "",
    )
    assert q.answers[3002].requests == []


def test_format_check_formats_once_a_majority_of_the_others_is_caught_up(
    script: Probe, quorum: Callable[..., Quorum]
) -> None:
    stale_me = Replica(ME, NOW - 100, NOW - 100)  # the leader still remembers the lost disk as caught up
    q = quorum(c3000=not_leader(), c3001=leading(3001, stale_me, *others_caught_up(3000, 3004)))
    assert q.run(script, "format-check") == Done(
        0,
        "leader 3001 reports 3 voters other than 3002 caught up (3001, 3000, 3004), a majority of 5: formatting now",
        "",
    )


def test_format_check_waits_while_too_few_others_are_caught_up(script: Probe, quorum: Callable[..., Quorum]) -> None:
    stale_me = Replica(ME, NOW - 100, NOW - 100)
    lagging = (Replica(3003, NOW - 100, NOW - 8000), Replica(3004, -1, -1))
    q = quorum(c3000=leading(3000, stale_me, *others_caught_up(3001), *lagging))
    assert q.run(script, "format-check") == Done(
        3,
        "leader 3000 reports 2 voters other than 3002 caught up (3000, 3001), 3 of 5 needed before an empty volume "
        "may join: waiting",
        "",
    )


def test_an_unknown_mode_is_a_usage_error(script: Probe, quorum: Callable[..., Quorum]) -> None:
    done = quorum().run(script, "sometimes")
    assert (done.code, done.stderr) == (2, f"usage: {script.script} started [port] | ready | format-check")
