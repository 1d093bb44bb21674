"""A KRaft pod whose data volume was formatted for another cluster refuses to start (docs/kraft.md, 2).

The pod (a controller and a broker of the `durability,kraft` target, kraft.py) is started from its rendered
spec on a PVC that already holds another cluster's meta.properties, with the node's own id: the start
script prints its one line and exits 1 before any Kafka code runs (no format, no server), and the volume is
left as it was. No JVM starts, so this costs seconds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .kraft import CLUSTER_ID, OTHER_CLUSTER_ID, kraft_target
from .podcluster import running_pods
from .podspec_fixtures import require_pod_tools

pytestmark = [pytest.mark.realcluster, pytest.mark.slow]
# As Kafka's MetaProperties writes it (java.util.Properties.store: comment lines first).
FOREIGN = (
    "#\n#Tue Dec 01 10:00:00 UTC 2026\n"
    f"cluster.id={OTHER_CLUSTER_ID}\ndirectory.id=dB2mI8h7S7aG0wqrgl5w1g\nnode.id={{node}}\nversion=1\n"
)


@pytest.mark.parametrize(("role", "node"), [("controller", 3000), ("broker", 0)])
def test_a_volume_of_another_cluster_makes_the_pod_exit_1(role: str, node: int, tmp_path: Path) -> None:
    require_pod_tools()
    target = kraft_target(tmp_path / "target")
    counts = {"controllers": 1, "brokers": 0} if role == "controller" else {"controllers": 0, "brokers": 1}
    with running_pods(target, tmp_path / "pods", zookeepers=0, start=False, **counts) as cluster:
        pod = (cluster.controllers or cluster.brokers)[0]
        meta = pod.claim_dir("data") / "logs" / "meta.properties"
        meta.parent.mkdir(parents=True)
        written = FOREIGN.format(node=node)
        meta.write_text(written, encoding="utf-8")
        container = pod.start_container()  # the kubelet's first container of the pod
        assert container.process.wait_exit(60), container.describe()
        output = container.output()
        pod.kill_container()  # no restart after the back-off: the first exit is what is asserted
    line = (
        f"start-kafka.sh: /var/lib/kafka/data/logs/meta.properties belongs to cluster {OTHER_CLUSTER_ID}, not "
        f"{CLUSTER_ID} (node {node}, expected {node}): this volume is another cluster's; refusing to start. "
        "Mount the right PVC, or delete this one to start the node empty."
    )
    assert container.process.returncode == 1, output
    # The host's userland stands in for the image's, which has the en_US.UTF-8 locale the image's LC_ALL names.
    said = [s for s in output.strip().splitlines() if not s.startswith("/bin/bash: warning: setlocale: ")]
    assert said == [line], output
    assert meta.read_text(encoding="utf-8") == written
    assert sorted(p.name for p in meta.parent.iterdir()) == ["meta.properties"], "something was formatted"
