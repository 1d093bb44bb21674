"""Cheap checks from Python over a socket: ZooKeeper four-letter words, Kafka Metadata requests.

Polling with these costs no JVM start, which matters on two cores.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, field

NOT_SERVING = "This ZooKeeper instance is not currently serving requests"


def four_letter_word(host: str, port: int, word: str, timeout: float = 3.0) -> str:
    """Send a 4lw command and return the answer; OSError when the server does not answer."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(word.encode("ascii"))
        chunks = []
        while chunk := sock.recv(4096):
            chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", errors="replace")


def zookeeper_mode(host: str, port: int) -> str:
    """'leader', 'follower', 'not serving' (running without quorum) or 'down' (no answer)."""
    try:
        answer = four_letter_word(host, port, "srvr")
    except OSError:
        return "down"
    if NOT_SERVING in answer:
        return "not serving"
    for line in answer.splitlines():
        if line.startswith("Mode: "):
            return line.removeprefix("Mode: ").strip()
    return "unknown: " + answer.strip()[:200]


@dataclass(frozen=True)
class BrokerInfo:
    node_id: int
    host: str
    port: int


@dataclass(frozen=True)
class PartitionInfo:
    partition: int
    leader: int  # -1 while the partition has no leader (offline)
    replicas: tuple[int, ...]
    isr: tuple[int, ...]
    error: int  # Kafka error code: 0, or e.g. 5 LEADER_NOT_AVAILABLE


@dataclass(frozen=True)
class ClusterView:
    brokers: frozenset[BrokerInfo]
    controller_id: int  # -1 while no controller is elected
    # Topic -> partitions by index, for the topics asked about; None for a topic the broker does not know.
    topics: dict[str, tuple[PartitionInfo, ...] | None] = field(default_factory=dict)


def kafka_metadata(host: str, port: int, topics: tuple[str, ...] = (), timeout: float = 3.0) -> ClusterView:
    """Metadata v1: the live brokers and the controller one broker knows of, and the asked topics.

    A broker answers only once it has started, so this doubles as the readiness check. The answer is the
    broker's metadata cache, which the controller updates: a dead broker stays listed until the
    controller has noticed (ZooKeeper session expiry).
    """
    client_id = b"realcluster-probe"
    # Header v1: api_key=3 (Metadata), api_version=1, correlation_id, client_id; body: topic array.
    body = struct.pack(">i", len(topics)) + b"".join(_string(t) for t in topics)
    request = struct.pack(">hhih", 3, 1, 7, len(client_id)) + client_id + body
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(struct.pack(">i", len(request)) + request)
        size = struct.unpack(">i", _read_exactly(sock, 4))[0]
        reader = _Reader(_read_exactly(sock, size))
    if reader.int32() != 7:
        raise OSError("Kafka answered another request")
    brokers = set()
    for _ in range(reader.int32()):
        node_id, broker_host, broker_port = reader.int32(), reader.string(), reader.int32()
        reader.string()  # rack
        brokers.add(BrokerInfo(node_id, broker_host or "", broker_port))
    controller_id = reader.int32()
    return ClusterView(frozenset(brokers), controller_id, dict(_topic(reader) for _ in range(reader.int32())))


def _topic(reader: _Reader) -> tuple[str, tuple[PartitionInfo, ...] | None]:
    error, name = reader.int16(), reader.string() or ""
    reader.int8()  # is_internal
    partitions = []
    for _ in range(reader.int32()):
        p_error, index, leader = reader.int16(), reader.int32(), reader.int32()
        replicas, isr = reader.int32_array(), reader.int32_array()
        partitions.append(PartitionInfo(index, leader, replicas, isr, p_error))
    # 3 UNKNOWN_TOPIC_OR_PARTITION: not created, or not yet in this broker's cache.
    return name, None if error == 3 else tuple(sorted(partitions, key=lambda p: p.partition))


def _string(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack(">h", len(data)) + data


def _read_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise OSError("connection closed by the broker")
        data += chunk
    return data


class _Reader:
    def __init__(self, data: bytes):
        self._data = data
        self._at = 0

    def int8(self) -> int:
        value: int = struct.unpack_from(">b", self._data, self._at)[0]
        self._at += 1
        return value

    def int16(self) -> int:
        value: int = struct.unpack_from(">h", self._data, self._at)[0]
        self._at += 2
        return value

    def int32_array(self) -> tuple[int, ...]:
        return tuple(self.int32() for _ in range(self.int32()))

    def int32(self) -> int:
        value: int = struct.unpack_from(">i", self._data, self._at)[0]
        self._at += 4
        return value

    def string(self) -> str | None:
        length: int = struct.unpack_from(">h", self._data, self._at)[0]
        self._at += 2
        if length < 0:
            return None
        value = self._data[self._at : self._at + length].decode("utf-8")
        self._at += length
        return value
