"""Healthy ZooKeeper ensembles of 3 and 5 servers from the generated zoo.cfg and start-zookeeper.sh.

Tests that kill servers are in test_zookeeper_faults.py: each needs an ensemble of its own, and one
module-scoped ensemble here must not share the loopback addresses with them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .cluster import ZooKeeperEnsemble
from .probes import four_letter_word
from .process import wait_until
from .shims import recorded_args
from .tools import JavaRuntime, run_script
from .zk_client import create, data_of, try_read

pytestmark = pytest.mark.realcluster


@pytest.fixture(scope="module", params=[3, 5], ids=lambda size: f"{size}-servers")
def ensemble(
    request: pytest.FixtureRequest,
    new_zookeeper: Callable[[int, Path], ZooKeeperEnsemble],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ZooKeeperEnsemble]:
    size: int = request.param
    with new_zookeeper(size, tmp_path_factory.mktemp(f"zookeeper-{size}")) as zookeeper:
        zookeeper.start()
        yield zookeeper


def test_exactly_one_leader(ensemble: ZooKeeperEnsemble) -> None:
    modes = ensemble.modes()
    assert sorted(modes) == list(range(ensemble.size))
    assert sorted(modes.values()) == ["follower"] * (ensemble.size - 1) + ["leader"], modes


def test_start_script_derives_myid_from_the_ordinal(ensemble: ZooKeeperEnsemble) -> None:
    for ordinal in range(ensemble.size):
        myid = (ensemble.server_dir(ordinal) / "data" / "myid").read_text(encoding="utf-8")
        assert myid.strip() == str(ordinal + 1)
        zoo_cfg = str(ensemble.server_dir(ordinal) / "zoo.cfg")
        assert recorded_args(ensemble.home(ordinal)) == ["start-foreground", zoo_cfg]


def test_only_whitelisted_four_letter_words_answer(ensemble: ZooKeeperEnsemble) -> None:
    # srvr is the readiness probe and must answer; anything outside 4lw.commands.whitelist must not.
    assert "Mode: " in four_letter_word("127.0.0.1", ensemble.client_port, "srvr")
    refused = four_letter_word("127.0.0.1", ensemble.client_port, "conf")
    assert "is not executed because it is not in the whitelist" in refused, refused


def test_generated_probes_pass(ensemble: ZooKeeperEnsemble, generated_config: Path) -> None:
    # The probes ask 127.0.0.1, as inside the pod: here that is the server with ordinal 0.
    for probe in ("live", "ready"):
        done = run_script(generated_config / "zookeeper-probe.sh", [probe, str(ensemble.client_port)])
        assert done.returncode == 0, f"{probe}: {done.stdout}{done.stderr}"


def test_write_is_readable_on_every_server(ensemble: ZooKeeperEnsemble, runtime: JavaRuntime) -> None:
    create(runtime, ensemble.connect_string(), "/written-once", "replicated")
    for ordinal in range(ensemble.size):
        connect = ensemble.connect_string([ordinal])

        def replicated(connect: str = connect) -> bool:
            # A follower outside the majority that acknowledged the write may apply it a moment later.
            result = try_read(runtime, connect, "/written-once")
            return result.returncode == 0 and data_of(result) == "replicated"

        wait_until(replicated, 30.0, f"/written-once readable on {connect}", ensemble.processes)
