"""Turn a generated zoo.cfg / server.properties / client config into the copy a loopback test runs.

Only what cannot work outside Kubernetes changes: cluster DNS names become 127.0.0.x, binds of all
interfaces become the server's own address (every server shares the same ports on its own address),
and data paths move into the test's tmp dir. Client configs change in bootstrap.servers only. Everything
else is passed through byte for byte, which test_rewrite.py checks against the set of changed keys
returned here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .properties import Line, join_lines, parse_lines

# Name -> loopback address for servers the test runs; None for servers of the generated file that it
# does not run (a 3-server test from a 5-server zoo.cfg). A name missing from the map is an error.
HostMap = Mapping[str, str | None]
ALL_INTERFACES = {"", "0.0.0.0", "[::]", "::"}
_SERVER_KEY = re.compile(r"server\.(\d+)")
_SERVER_VALUE = re.compile(r"(?P<host>[^:;]+)(?P<rest>:\d+:\d+(:participant|:observer)?)")
_LISTENER = re.compile(r"(?P<name>[A-Za-z0-9_]+)://(?P<host>\[[^\]]*\]|[^:]*):(?P<port>\d+)")

# Value -> new value, or None to drop the line.
Edit = Callable[[str], str | None]


@dataclass(frozen=True)
class Rewrite:
    text: str
    changed: frozenset[str]  # keys whose value changed, and keys added or dropped


def rewrite_zoo_cfg(text: str, *, own_address: str, hosts: HostMap, data_root: Path) -> Rewrite:
    """The zoo.cfg one ZooKeeper server runs: `own_address` is where it binds its client port."""

    def server_line(value: str) -> str | None:
        match = _SERVER_VALUE.fullmatch(value.strip())
        if match is None:
            raise ValueError(f"unsupported server line {value!r} (expected host:quorumPort:electionPort)")
        address = _lookup(hosts, match["host"], "zoo.cfg server line")
        return None if address is None else address + match["rest"]

    edits: dict[str, Edit] = {
        "dataDir": lambda _: str(data_root / "data"),
        "dataLogDir": lambda _: str(data_root / "datalog"),
        # true binds the quorum ports on 0.0.0.0: the second server on this machine could not bind them.
        "quorumListenOnAllIPs": lambda v: "false" if v.strip().lower() == "true" else v,
        "clientPortAddress": lambda _: own_address,
    }
    lines = parse_lines(text)
    for line in lines:
        if line.key is not None and _SERVER_KEY.fullmatch(line.key):
            edits[line.key] = server_line
    # Without it the client port binds all interfaces (same clash as above).
    additions = {"clientPortAddress": own_address}
    if _value_of(lines, "admin.enableServer", "false").strip().lower() == "true":
        additions["admin.serverAddress"] = own_address
        edits["admin.serverAddress"] = lambda _: own_address
    if not any(line.key == "dataDir" for line in lines):
        raise ValueError("zoo.cfg has no dataDir")
    return _apply(lines, edits, additions)


def rewrite_server_properties(
    text: str, *, own_address: str, brokers: HostMap, zookeepers: HostMap, data_root: Path
) -> Rewrite:
    """The server.properties one broker runs, bound to `own_address`, talking to the loopback ensemble."""

    def listeners(value: str, bind: bool) -> str:
        def host(match: re.Match[str]) -> str:
            name = match["host"]
            address = own_address if bind and name in ALL_INTERFACES else _lookup(brokers, name, "listener")
            if address is None:
                raise ValueError(f"listener host {name!r} is a broker this test does not run")
            return f"{match['name']}://{address}:{match['port']}"

        return _LISTENER.sub(host, value)

    def log_dirs(value: str) -> str:
        count = len([d for d in value.split(",") if d.strip()])
        dirs = [data_root / "data"] if count == 1 else [data_root / f"data-{i}" for i in range(count)]
        return ",".join(str(d) for d in dirs)

    edits: dict[str, Edit] = {
        "listeners": lambda v: listeners(v, bind=True),
        "advertised.listeners": lambda v: listeners(v, bind=False),
        "log.dirs": log_dirs,
        "log.dir": log_dirs,
        "zookeeper.connect": lambda v: _zookeeper_connect(v, zookeepers),
    }
    return _apply(parse_lines(text), edits, {})


# Service name -> the loopback addresses behind it (the bootstrap Service stands for every broker).
ServiceMap = Mapping[str, Sequence[str]]
CLIENT_MAY_CHANGE = frozenset({"bootstrap.servers"})


@dataclass(frozen=True)
class JsonRewrite:
    config: dict[str, object]
    changed: frozenset[str]


def rewrite_client_properties(text: str, *, services: ServiceMap) -> Rewrite:
    """producer.properties / consumer.properties for the Java clients, pointed at the loopback brokers."""
    return _apply(parse_lines(text), {"bootstrap.servers": lambda v: _bootstrap(v, services)}, {})


def rewrite_client_json(text: str, *, services: ServiceMap) -> JsonRewrite:
    """producer.json / consumer.json for librdkafka, pointed at the loopback brokers; types are kept."""
    generated = json.loads(text)
    if not isinstance(generated, dict):
        raise ValueError("a client JSON config must be an object")
    config = dict(generated)
    if "bootstrap.servers" in config:
        config["bootstrap.servers"] = _bootstrap(str(config["bootstrap.servers"]), services)
    changed = frozenset(k for k in config if config[k] != generated[k])
    return JsonRewrite(config, changed)


def _bootstrap(value: str, services: ServiceMap) -> str:
    addresses: list[str] = []
    for server in value.split(","):
        host, _, port = server.strip().rpartition(":")
        if host not in services:
            known = ", ".join(sorted(services)) or "none"
            raise ValueError(f"bootstrap.servers: host {host!r} is not one of the expected names ({known})")
        addresses.extend(f"{address}:{port}" for address in services[host])
    return ",".join(addresses)


def _zookeeper_connect(value: str, zookeepers: HostMap) -> str:
    servers, slash, chroot = value.partition("/")
    kept = []
    for server in servers.split(","):
        host, _, port = server.strip().rpartition(":")
        address = _lookup(zookeepers, host, "zookeeper.connect")
        if address is not None:
            kept.append(f"{address}:{port}")
    if not kept:
        raise ValueError(f"zookeeper.connect {value!r} names none of the servers this test runs")
    return ",".join(kept) + slash + chroot


def _lookup(hosts: HostMap, name: str, where: str) -> str | None:
    if name not in hosts:
        known = ", ".join(sorted(hosts)) or "none"
        raise ValueError(f"{where}: host {name!r} is not one of the expected names ({known})")
    return hosts[name]


def _value_of(lines: list[Line], key: str, default: str) -> str:
    return next((line.value for line in lines if line.key == key), default)


def _apply(lines: list[Line], edits: Mapping[str, Edit], additions: Mapping[str, str]) -> Rewrite:
    out: list[Line] = []
    changed: set[str] = set()
    for line in lines:
        edit = edits.get(line.key) if line.key is not None else None
        if line.key is None or edit is None:
            out.append(line)
            continue
        value = edit(line.value)
        if value != line.value:
            changed.add(line.key)
        if value is not None:
            out.append(line.with_value(value))
    present = {line.key for line in lines}
    missing = {k: v for k, v in additions.items() if k not in present}
    if missing:
        out.append(Line(text="# added by the real-cluster test harness: loopback binds"))
        out.extend(Line(text=f"{k}={v}", key=k, prefix=f"{k}=", value=v) for k, v in missing.items())
        changed.update(missing)
    return Rewrite(text=join_lines(out), changed=frozenset(changed))
