"""Command-line tools of Kafka and ZooKeeper, run from the same classpath with a bounded time."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .artifacts import LOG4J_CONFIG
from .process import ServerProcess

# Short-lived JVMs: the C1 compiler alone starts them faster on two busy cores.
TOOL_JVM_OPTS = (
    "-Xms32m", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djava.awt.headless=true",
    f"-Dlog4j.configuration=file:{LOG4J_CONFIG}",
)  # fmt: skip
DEFAULT_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class ToolResult:
    command: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def describe(self) -> str:
        err = "\n".join(self.stderr.splitlines()[-20:])
        tool = " ".join(self.command[self.command.index("-cp") + 2 :])
        outcome = f"exit {self.returncode} after {self.seconds:.1f} s"
        return f"{tool}\n{outcome}\nstdout:\n{self.stdout}\nstderr (tail):\n{err}"


@dataclass(frozen=True)
class JavaRuntime:
    java: str  # absolute path of the java binary
    lib: Path  # folder of jars from artifacts.ensure_classpath

    def run(
        self,
        main_class: str,
        args: Sequence[str],
        timeout: float = DEFAULT_TIMEOUT_S,
        stdin: str | None = None,
    ) -> ToolResult:
        command = (self.java, *TOOL_JVM_OPTS, "-cp", f"{self.lib}/*", main_class, *args)
        started = time.monotonic()
        try:
            done = subprocess.run(
                command, input=stdin if stdin is not None else "", capture_output=True, text=True,
                timeout=timeout, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired as e:
            err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else e.stderr or ""
            tail = "\n".join(err.splitlines()[-20:])
            raise TimeoutError(f"{main_class} {' '.join(args)}: not done after {timeout:.0f} s\n{tail}") from e
        return ToolResult(command, done.returncode, done.stdout, done.stderr, time.monotonic() - started)

    def start(self, main_class: str, args: Sequence[str], log: Path, stdin: Path | None = None) -> ServerProcess:
        """A tool left running in the background (stdout and stderr to `log`); use it in a `with` block."""
        command = (self.java, *TOOL_JVM_OPTS, "-cp", f"{self.lib}/*", main_class, *args)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        return ServerProcess(main_class.rsplit(".", 1)[-1], command, env, log, log.parent, stdin)

    def zookeeper_cli(self, connect: str, command: Sequence[str], timeout: float = DEFAULT_TIMEOUT_S) -> ToolResult:
        """One command of ZooKeeper's own CLI (zkCli.sh), e.g. ("create", "/x", "y")."""
        return self.run("org.apache.zookeeper.ZooKeeperMain", ["-server", connect, *command], timeout=timeout)


def run_script(
    script: Path, args: Sequence[str] = (), timeout: float = 20.0, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """A generated shell script (e.g. a probe) as the kubelet would run it, bounded in time; `env` adds
    to this process's environment what the container's would hold (POD_NAME, ...)."""
    full_env = {**os.environ, **(env or {})}
    command = ["bash", str(script), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False, env=full_env)
