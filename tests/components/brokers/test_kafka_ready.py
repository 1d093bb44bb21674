"""The broker probe script (config/kafka-ready.sh) against a stand-in broker on loopback that answers
ApiVersions and Metadata v4 with the bytes a broker sends. The real brokers answer it in
tests/realcluster/test_podspec_*; here each case of the ISR rule is pinned, including the ones a real
cluster rarely shows (a broker not yet among the live ones, a truncated answer)."""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.images import image_facts
from generator.target import Request, build

ME = 4  # the probe runs in pod kafka-broker-4


@dataclass(frozen=True)
class Partition:
    replicas: tuple[int, ...]
    isr: tuple[int, ...]


def _string(text: str | None) -> bytes:
    if text is None:
        return struct.pack(">h", -1)
    data = text.encode()
    return struct.pack(">h", len(data)) + data


def _int32s(values: tuple[int, ...]) -> bytes:
    return struct.pack(f">i{len(values)}i", len(values), *values)


def metadata_v4(brokers: tuple[int, ...], controller: int, topics: dict[str, list[Partition]]) -> bytes:
    body = struct.pack(">i", 0)  # throttle time
    body += struct.pack(">i", len(brokers))
    for broker in brokers:
        body += (
            struct.pack(">i", broker) + _string(f"kafka-broker-{broker}") + struct.pack(">i", 9092) + _string("zone-a")
        )
    body += _string("cluster-id") + struct.pack(">i", controller)
    body += struct.pack(">i", len(topics))
    for name, partitions in topics.items():
        body += struct.pack(">h", 0) + _string(name) + b"\x00" + struct.pack(">i", len(partitions))
        for index, partition in enumerate(partitions):
            body += (
                struct.pack(">hii", 0, index, partition.replicas[0])
                + _int32s(partition.replicas)
                + _int32s(partition.isr)
            )
    return body


API_VERSIONS_V0 = struct.pack(">hi", 0, 1) + struct.pack(">hhh", 18, 0, 3)


class StandInBroker:
    """Answers one connection's requests: ApiVersions with `api_versions`, Metadata with `metadata`."""

    def __init__(self, metadata: bytes, cut: int = 0) -> None:
        self.metadata, self.cut = metadata, cut
        self.requests: list[tuple[int, int]] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.server.settimeout(20)
        try:
            connection, _ = self.server.accept()
        except OSError:
            return
        with connection:
            connection.settimeout(20)
            size = struct.unpack(">i", self._read(connection, 4))[0]
            request = self._read(connection, size)
            key, version, correlation = struct.unpack(">hhi", request[:8])
            self.requests.append((key, version))
            body = API_VERSIONS_V0 if key == 18 else self.metadata
            reply = struct.pack(">i", correlation) + body
            if self.cut:
                reply = reply[: -self.cut]
            connection.sendall(struct.pack(">i", len(reply) + self.cut) + reply)

    @staticmethod
    def _read(connection: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = connection.recv(size - len(data))
            if not chunk:
                raise OSError("closed")
            data += chunk
        return data

    def close(self) -> None:
        self.server.close()
        self.thread.join(timeout=10)


# The apache/kafka image is Alpine: bash plus busybox's applets. The busybox runs see only the applets
# generator/images.yaml lists for the image, so the script can use nothing the image lacks.
TOOLS = tuple(tool for tool in image_facts("apache/kafka").tools if tool not in ("bash", "java"))


@dataclass(frozen=True)
class Probe:
    script: Path
    path: str  # PATH: the host's userland, or a folder of busybox applets only


@pytest.fixture(scope="module", params=["debian", "busybox"])
def script(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Probe:
    folder = tmp_path_factory.mktemp("probe")
    path = folder / "kafka-ready.sh"
    path.write_text(build(Request("durability")).files["config/kafka-ready.sh"], encoding="utf-8")
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


def probe(script: Probe, mode: str, broker: StandInBroker) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["/bin/bash", str(script.script), mode, str(broker.port)],
            env={"PATH": script.path, "POD_NAME": f"kafka-broker-{ME}"},
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        broker.close()


@pytest.fixture
def in_sync() -> Iterator[dict[str, list[Partition]]]:
    yield {
        "payments": [Partition((4, 0, 1), (4, 0, 1)), Partition((2, 3, 5), (2, 3)), Partition((0, 4, 2), (0, 2, 4))],
        "__consumer_offsets": [Partition((1, 2, 4), (4, 1, 2))],
    }


def test_started_asks_api_versions_and_passes_on_an_answer(script: Probe) -> None:
    broker = StandInBroker(b"")
    result = probe(script, "started", broker)
    assert (result.returncode, broker.requests) == (0, [(18, 0)]), result.stderr


def test_ready_when_every_hosted_replica_is_in_sync_whatever_other_brokers_do(
    script: Probe, in_sync: dict[str, list[Partition]]
) -> None:
    """Partition 1 of payments lacks broker 5 (down): not this broker's business, it stays ready."""
    broker = StandInBroker(metadata_v4((0, 1, 2, 3, 4), 0, in_sync))
    result = probe(script, "ready", broker)
    assert (result.returncode, broker.requests) == (0, [(3, 4)]), result.stderr


def test_not_ready_while_a_hosted_replica_is_out_of_the_isr(script: Probe, in_sync: dict[str, list[Partition]]) -> None:
    behind = {**in_sync, "ledger": [Partition((3, 4, 0), (3, 0)), Partition((4, 1, 2), (1, 2))]}
    result = probe(script, "ready", StandInBroker(metadata_v4((0, 1, 2, 3, 4), 3, behind)))
    assert result.returncode == 1
    assert result.stderr.strip() == "2 partition(s) still have broker 4 out of the ISR"


def test_not_ready_before_it_is_among_the_live_brokers(script: Probe, in_sync: dict[str, list[Partition]]) -> None:
    """A restarted broker's metadata cache is empty until the controller updates it: no partitions
    would look like nothing to catch up on."""
    result = probe(script, "ready", StandInBroker(metadata_v4((0, 1, 2, 3), 0, {})))
    assert (result.returncode, result.stderr.strip()) == (1, "broker 4 is not among the live brokers yet")


def test_not_ready_without_a_controller(script: Probe) -> None:
    result = probe(script, "ready", StandInBroker(metadata_v4((4,), -1, {})))
    assert (result.returncode, result.stderr.strip()) == (1, "no controller known")


def test_a_cut_answer_is_not_ready(script: Probe, in_sync: dict[str, list[Partition]]) -> None:
    result = probe(script, "ready", StandInBroker(metadata_v4((0, 1, 2, 3, 4), 0, in_sync), cut=9))
    assert result.returncode != 0


def test_an_unknown_mode_is_a_usage_error(script: Probe) -> None:
    result = probe(script, "sometimes", StandInBroker(b""))
    assert (result.returncode, result.stderr.strip()) == (2, f"usage: {script.script} started|ready [port]")
