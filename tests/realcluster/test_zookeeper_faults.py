"""ZooKeeper ensembles that lose servers to SIGKILL: a minority is survived, a majority is not."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .cluster import ZooKeeperEnsemble
from .process import wait_until
from .tools import JavaRuntime, run_script
from .zk_client import create, read, try_read

pytestmark = pytest.mark.realcluster

SIZES = [pytest.param(3, id="3-servers"), pytest.param(5, id="5-servers")]
# Survivors notice the lost quorum after syncLimit x tickTime (10 s in the base profile).
QUORUM_LOSS_NOTICED_WITHIN_S = 45.0
# A server without quorum closes client connections at once; the CLI's own session timeout is 30 s.
CLIENT_FAILS_WITHIN_S = 40.0


@pytest.fixture
def fresh_ensemble(
    size: int, new_zookeeper: Callable[[int, Path], ZooKeeperEnsemble], tmp_path: Path
) -> Iterator[ZooKeeperEnsemble]:
    with new_zookeeper(size, tmp_path) as zookeeper:
        zookeeper.start()
        yield zookeeper


@pytest.mark.parametrize("size", SIZES)
def test_survives_losing_a_minority(fresh_ensemble: ZooKeeperEnsemble, runtime: JavaRuntime) -> None:
    zookeeper = fresh_ensemble
    create(runtime, zookeeper.connect_string(), "/before", "kept")
    leader = zookeeper.leader()
    # The leader goes first: the hardest loss, the survivors must elect a new one.
    order = [leader, *(i for i in range(zookeeper.size) if i != leader)]
    doomed = order[: (zookeeper.size - 1) // 2]
    for ordinal in doomed:
        zookeeper.kill(ordinal)
    survivors = zookeeper.running()
    assert sorted(survivors + doomed) == list(range(zookeeper.size))

    modes = zookeeper.wait_for_quorum(survivors)
    assert leader not in modes and list(modes.values()).count("leader") == 1, modes
    connect = zookeeper.connect_string(survivors)
    assert read(runtime, connect, "/before") == "kept"
    create(runtime, connect, "/after", "accepted")
    assert read(runtime, connect, "/after") == "accepted"


@pytest.mark.parametrize("size", SIZES)
def test_stops_serving_past_a_majority(
    fresh_ensemble: ZooKeeperEnsemble, runtime: JavaRuntime, generated_config: Path
) -> None:
    zookeeper = fresh_ensemble
    create(runtime, zookeeper.connect_string(), "/before", "kept")
    majority = zookeeper.size // 2 + 1
    # From the highest ordinal down: ordinal 0 (127.0.0.1) must survive for the generated probe below.
    for ordinal in reversed(range(zookeeper.size - majority, zookeeper.size)):
        zookeeper.kill(ordinal)
    survivors = zookeeper.running()
    assert len(survivors) == zookeeper.size - majority and 0 in survivors

    def none_serving() -> bool:
        # `srvr` answers, but says the instance is not serving requests: the process is up, quorum is not.
        return all(mode == "not serving" for mode in zookeeper.modes(survivors).values())

    watched = [zookeeper.processes[i] for i in survivors]
    wait_until(none_serving, QUORUM_LOSS_NOTICED_WITHIN_S, "survivors stop serving", watched)
    # The generated probes tell the kubelet the same: alive, but not ready.
    probe = generated_config / "zookeeper-probe.sh"
    assert run_script(probe, ["live", str(zookeeper.client_port)]).returncode == 0
    assert run_script(probe, ["ready", str(zookeeper.client_port)]).returncode != 0

    result = try_read(runtime, zookeeper.connect_string(survivors), "/before", timeout=CLIENT_FAILS_WITHIN_S + 20)
    assert result.returncode != 0, result.describe()
    assert result.seconds < CLIENT_FAILS_WITHIN_S, result.describe()
    assert "ConnectionLoss" in result.stdout + result.stderr, result.describe()
