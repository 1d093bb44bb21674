"""Stand-ins for the distribution's start scripts, which the generated start scripts exec.

The generated start-zookeeper.sh / start-kafka.sh run unchanged; only the distribution script at the
end of their `exec` is replaced by one that runs the Maven classpath with a small heap. The shims save
the arguments they were given so tests can check what the generated scripts passed.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from .artifacts import LOG4J_CONFIG

# Small heaps: up to eight of these JVMs share two cores and the tests move little data.
SERVER_JVM_OPTS = (
    "-Xms64m",
    "-Xmx256m",
    "-Djava.awt.headless=true",
    f"-Dlog4j.configuration=file:{LOG4J_CONFIG}",
)
ARGS_FILE = "args"  # in the shim's home folder, one argument per line

_ZOOKEEPER = """\
#!/usr/bin/env bash
# Test-harness stand-in for ZooKeeper's bin/zkServer.sh: same arguments, runs the Maven classpath.
set -euo pipefail
printf '%s\\n' "$@" > {args_file}
if [ "$#" -ne 2 ] || [ "$1" != start-foreground ]; then
  echo "zkServer.sh (test shim): expected 'start-foreground <zoo.cfg>', got: $*" >&2
  exit 64
fi
exec {java} {jvm_opts} -cp {classpath} org.apache.zookeeper.server.quorum.QuorumPeerMain "$2"
"""

# Changes one thing: the advertised cluster DNS name becomes the broker's loopback address. It must be
# exactly the name the per-broker Service gives, or the broker would be unreachable in the cluster too.
_KAFKA = """\
#!/usr/bin/env bash
# Test-harness stand-in for Kafka's bin/kafka-server-start.sh: same arguments, runs the Maven classpath.
set -euo pipefail
printf '%s\\n' "$@" > {args_file}
fail() {{ echo "kafka-server-start.sh (test shim): $*" >&2; exit 64; }}
[ "$#" -ge 1 ] || fail "no properties file given"
config="$1"
shift
expected={expected}
loopback={loopback}
args=()
advertised=no
while [ "$#" -gt 0 ]; do
  [ "$1" = --override ] && [ "$#" -ge 2 ] || fail "expected '--override key=value', got: $*"
  value="$2"
  if [[ "$value" == advertised.listeners=* ]]; then
    [[ "$value" == *"$expected"* ]] || fail "advertised.listeners must name ${{expected}}, got: $value"
    value="${{value//"$expected"/"$loopback"}}"
    advertised=yes
  fi
  args+=(--override "$value")
  shift 2
done
[ "$advertised" = yes ] || fail "no --override advertised.listeners=... given"
exec {java} {jvm_opts} -cp {classpath} kafka.Kafka "$config" "${{args[@]}}"
"""


def write_zookeeper_home(home: Path, java: str, lib: Path) -> Path:
    """Create `home`/bin/zkServer.sh; return `home` (the ZOOKEEPER_HOME to give the start script)."""
    return _write(home, "zkServer.sh", _ZOOKEEPER, java=java, lib=lib)


def write_kafka_home(home: Path, java: str, lib: Path, advertised_host: str, address: str) -> Path:
    """Create `home`/bin/kafka-server-start.sh that maps `advertised_host` to `address`; return `home`."""
    extra = {"expected": shlex.quote(f"//{advertised_host}:"), "loopback": shlex.quote(f"//{address}:")}
    return _write(home, "kafka-server-start.sh", _KAFKA, java=java, lib=lib, **extra)


def _write(home: Path, name: str, template: str, *, java: str, lib: Path, **extra: str) -> Path:
    script = home / "bin" / name
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(
        template.format(
            args_file=shlex.quote(str(home / ARGS_FILE)),
            java=shlex.quote(java),
            jvm_opts=" ".join(shlex.quote(o) for o in SERVER_JVM_OPTS),
            classpath=shlex.quote(f"{lib}/*"),
            **extra,
        ),
        encoding="utf-8",
    )
    script.chmod(0o755)
    return home


def recorded_args(home: Path) -> list[str]:
    """The arguments the generated start script passed to the shim."""
    return (home / ARGS_FILE).read_text(encoding="utf-8").splitlines()
