"""Rules over the controllers' model (KRaft targets only): each refuses input that renders but would
break the quorum or the cluster's identity, in one line naming the key, the layer that set it and what
is allowed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from generator.components.cluster import ClusterModel
from generator.core.component import Models, Rule
from generator.core.findings import Finding, Where

if TYPE_CHECKING:
    from generator.components.controllers import ControllersModel

MAKE_CLUSTER_ID = (
    "python3 -c 'import base64,uuid;print(next(s for s in iter(lambda:base64.urlsafe_b64encode(uuid.uuid4()"
    '.bytes).decode()[:22],0) if s[0]!="-"))\' (or: docker run --rm apache/kafka:4.1.2 '
    "/opt/kafka/bin/kafka-storage.sh random-uuid)"
)
MISSING_CLUSTER_ID = (
    f"not set; a KRaft cluster needs a fixed id. Make one with: {MAKE_CLUSTER_ID}, then --set kafka.clusterId=<id>"
)


# Exactly the canonical base64url encodings of 16 bytes that `kafka-storage.sh random-uuid` can print: no
# leading "-", and the last character carries 2 bits (docs/kraft.md, 2).
CLUSTER_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{20}[AQgw]")


def _controllers(models: Models) -> ControllersModel:
    from generator.components.controllers import ControllersModel

    return models.get(ControllersModel)


def cluster_id_set(models: Models, where: Where) -> Iterator[Finding]:
    cluster_id = _controllers(models).cluster_id
    if not cluster_id:
        yield where.error("kafka.clusterId", MISSING_CLUSTER_ID)
    elif not CLUSTER_ID.fullmatch(cluster_id):
        yield where.error(
            "kafka.clusterId",
            f"{cluster_id!r} is not a cluster id as kafka-storage.sh random-uuid prints one (22 base64url characters, "
            f"not starting with -, the last one of A Q g w); allowed: such an id. Make one with: {MAKE_CLUSTER_ID}",
        )


def version_has_kraft(models: Models, where: Where) -> Iterator[Finding]:
    version = _controllers(models).version
    if not version.startswith("4.1."):
        yield where.error(
            "kafka.version",
            f"{version} is a ZooKeeper-mode release here; KRaft targets run Kafka 4.1 (docs/kraft.md); allowed: 4.1.x",
            "C07",
        )


def combined_only_for_one_development_broker(models: Models, where: Where) -> Iterator[Finding]:
    """The combined node (docs/kraft.md, 2) is one broker that is also the only voter: no failover at all."""
    model = _controllers(models)
    if not model.combined:
        return
    cluster = models.get(ClusterModel)
    brokers, port = where.params["kafka"]["replicas"], where.params["kafka"]["ports"]["internal"]
    if brokers != 1 or not cluster.development:
        yield where.error(
            "controllers.combined",
            f"true makes broker 0 the only controller, which suits one development broker only (here kafka.replicas "
            f"is {brokers}, cluster.environment {cluster.environment}); allowed: false (dedicated controllers), or "
            "true with kafka.replicas 1 and cluster.environment development",
            "R09",
            "C09",
        )
    elif model.replicas != 1:
        yield where.error(
            "controllers.replicas",
            f"{model.replicas} with controllers.combined true, where the combined broker is the only voter; allowed: 1",
            "C09",
        )
    elif model.port == port:
        yield where.error(
            "controllers.port",
            f"{port} is kafka.ports.internal too, and the combined node listens on both; allowed: another port",
        )


def controller_count(models: Models, where: Where) -> Iterator[Finding]:
    if _controllers(models).combined:
        return  # combined_only_for_one_development_broker holds it to 1
    replicas = _controllers(models).replicas
    production = models.get(ClusterModel).production
    if replicas % 2 == 0:
        yield where.error(
            "controllers.replicas",
            f"{replicas} is even: a quorum of {replicas // 2 + 1} keeps no more losses than {replicas - 1} "
            f"controllers do; allowed: an odd count, 3 or 5 in production",
            "C09",
        )
    elif production and not 3 <= replicas <= 5:
        yield where.error(
            "controllers.replicas",
            f"{replicas} in production; allowed: 3 or 5 (5 keeps the quorum through a drain plus a crash)",
            "R09",
            "R10",
            "C09",
        )


def pdb_keeps_quorum(models: Models, where: Where) -> Iterator[Finding]:
    model = _controllers(models)
    allowed = max(1, model.replicas - model.quorum - 1)
    drained = model.spec["pdb"]["maxUnavailable"]
    if drained > allowed:
        yield where.error(
            "controllers.pdb.maxUnavailable",
            f"{drained} lets a drain take {drained} of {model.replicas} controllers, after which one crash loses "
            f"the quorum of {model.quorum}; allowed: 0 to {allowed}",
            "R07",
            "D01",
        )
    elif drained < 1 and model.replicas > 1:
        yield where.error(
            "controllers.pdb.maxUnavailable", "0 blocks every drain; allowed: 1 (one controller at a time)", "R07"
        )


EXAMPLE_CLUSTER_ID = "MkU3OEVBNTcwNTJENDM2Qg"  # profiles/kraft.yaml's, so that the example targets render


def cluster_id_not_the_example(models: Models, where: Where) -> Iterator[Finding]:
    if _controllers(models).cluster_id == EXAMPLE_CLUSTER_ID:
        yield where.warning(
            "kafka.clusterId",
            f"{EXAMPLE_CLUSTER_ID} is the kraft profile's example id, the same for every cluster rendered with it; "
            f"allowed: the cluster's own id in its site file. Make one with: {MAKE_CLUSTER_ID}",
        )


RULES: tuple[Rule, ...] = (
    cluster_id_set,
    version_has_kraft,
    combined_only_for_one_development_broker,
    controller_count,
    pdb_keeps_quorum,
    cluster_id_not_the_example,
)
