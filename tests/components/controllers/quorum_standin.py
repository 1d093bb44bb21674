"""Stand-in KRaft controllers on loopback for the controller probe (config/controller/kafka-quorum.sh) and
the start script's empty-volume check: each answers ApiVersions v0 and DescribeQuorum v1 with the bytes a
4.1.2 controller sends (flexible versions: response header v1, compact arrays and strings, tagged fields;
`clients/src/main/resources/common/message/DescribeQuorumResponse.json`, `RaftUtil.
singletonDescribeQuorumResponse`, `DescribeQuorumResponse.singletonErrorResponse` @4.1.2), and records the
requests it read, decoded, so a test pins what the script sends."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable
from typing import NamedTuple

METADATA_TOPIC = "__cluster_metadata"
NOT_LEADER_OR_FOLLOWER = 6
NOW = 1_764_633_600_000  # the leader's clock, ms (2025-12-02)


class Replica(NamedTuple):
    id: int
    fetch: int  # LastFetchTimestamp (the leader's clock), -1 unknown
    caught_up: int  # LastCaughtUpTimestamp, -1 unknown
    log_end: int = 100


class Request(NamedTuple):
    key: int
    version: int
    client_id: str
    topics: tuple[tuple[str, tuple[int, ...]], ...]  # DescribeQuorum's body; () for ApiVersions


def uvarint(value: int) -> bytes:
    out = b""
    while True:
        byte, value = value & 0x7F, value >> 7
        if value:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def compact_string(text: str) -> bytes:
    data = text.encode()
    return uvarint(len(data) + 1) + data


def _replicas(replicas: tuple[Replica, ...]) -> bytes:
    rows = b"".join(struct.pack(">iqqq", r.id, r.log_end, r.fetch, r.caught_up) + b"\x00" for r in replicas)
    return uvarint(len(replicas) + 1) + rows


def leader_answer(leader: int, voters: tuple[Replica, ...], observers: tuple[Replica, ...] = ()) -> bytes:
    """The leader's DescribeQuorum v1 body: its own row carries its clock in both timestamps."""
    partition = struct.pack(">ihiiq", 0, 0, leader, 7, 100) + _replicas(voters) + _replicas(observers) + b"\x00"
    topic = compact_string(METADATA_TOPIC) + uvarint(2) + partition + b"\x00"
    return struct.pack(">h", 0) + uvarint(2) + topic + b"\x00"


def error_answer(error: int = NOT_LEADER_OR_FOLLOWER) -> bytes:
    """What a voter that is not the leader answers: a partition-level error, every other field at its default."""
    partition = struct.pack(">ihiiq", 0, error, 0, 0, 0) + uvarint(1) + uvarint(1) + b"\x00"
    topic = compact_string(METADATA_TOPIC) + uvarint(2) + partition + b"\x00"
    return struct.pack(">h", 0) + uvarint(2) + topic + b"\x00"


def leader_row(leader: int) -> Replica:
    return Replica(leader, NOW, NOW)


API_VERSIONS_V0 = struct.pack(">hi", 0, 2) + struct.pack(">hhh", 18, 0, 4) + struct.pack(">hhh", 55, 0, 2)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, size: int) -> bytes:
        chunk = self.data[self.at : self.at + size]
        if len(chunk) < size:
            raise ValueError("request cut short")
        self.at += size
        return chunk

    def int(self, fmt: str) -> int:
        value: int = struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]
        return value

    def uvarint(self) -> int:
        value, shift = 0, 0
        while True:
            byte = self.take(1)[0]
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value

    def no_tags(self) -> None:
        if self.uvarint() != 0:
            raise ValueError("unexpected tagged fields")


def decode(request: bytes) -> Request:
    reader = _Reader(request)
    key, version = reader.int(">h"), reader.int(">h")
    reader.int(">i")  # correlation id
    client_id = reader.take(reader.int(">h")).decode()
    if key != 55:
        return Request(key, version, client_id, ())
    reader.no_tags()  # request header v2
    topics = []
    for _ in range(reader.uvarint() - 1):
        name = reader.take(reader.uvarint() - 1).decode()
        partitions = []
        for _ in range(reader.uvarint() - 1):
            partitions.append(reader.int(">i"))
            reader.no_tags()
        reader.no_tags()
        topics.append((name, tuple(partitions)))
    reader.no_tags()
    if reader.at != len(request):
        raise ValueError("trailing bytes")
    return Request(key, version, client_id, tuple(topics))


class StandInController:
    """Answers every connection until closed: ApiVersions with API_VERSIONS_V0, DescribeQuorum with what
    `answer()` returns now (a body, or `raw` bytes sent as they are; `silent` accepts and never answers)."""

    def __init__(self, answer: Callable[[], bytes], raw: bytes | None = None, silent: bool = False) -> None:
        self.answer, self.raw, self.silent = answer, raw, silent
        self.requests: list[Request] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.server.settimeout(0.2)
        while True:
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection, contextlib.suppress(OSError):  # a probe that gave up and closed
                connection.settimeout(10)
                self._answer(connection)

    def _answer(self, connection: socket.socket) -> None:
        size = struct.unpack(">i", _read(connection, 4))[0]
        data = _read(connection, size)
        request = decode(data)
        self.requests.append(request)
        if self.silent:
            connection.recv(1)  # until the probe gives up and closes
            return
        if self.raw is not None:
            connection.sendall(self.raw)
            return
        correlation = data[4:8]
        reply = correlation + API_VERSIONS_V0 if request.key == 18 else correlation + b"\x00" + self.answer()
        connection.sendall(struct.pack(">i", len(reply)) + reply)

    def close(self) -> None:
        self.server.close()
        self.thread.join(timeout=10)


def _read(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise OSError("closed")
        data += chunk
    return data


def closed_port() -> int:
    """A loopback port nothing listens on (a voter that is down: the connection is refused)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port: int = probe.getsockname()[1]
    return port
