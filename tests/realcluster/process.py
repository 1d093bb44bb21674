"""One server process: started in its own session, output to a log file, always stoppable by id."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

POLL_S = 0.25
LOG_TAIL_LINES = 40
LOG_LINE_CHARS = 400
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent() -> None:
    """Runs in the child before exec: if the test runner is killed outright, no teardown runs, so the
    kernel kills the server instead of leaving it holding the loopback ports for the next run."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class ServerDied(RuntimeError):
    """A server exited while the harness was waiting for it."""


class ServerProcess:
    """A long-running process (a server, or a client tool left running during a fault), logging to a file.

    As a context manager it is stopped on exit by its own id, whatever happened inside.
    """

    stop_grace_s = 10.0

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        env: Mapping[str, str],
        log: Path,
        cwd: Path,
        stdin: Path | None = None,
    ):
        self.name = name
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        # A restarted server appends to its log: output() starts where this process began.
        self._log_start = log.stat().st_size if log.exists() else 0
        with log.open("ab") as out, stdin.open("rb") if stdin else open(os.devnull, "rb") as source:
            # Own session: a signal for the test runner never reaches the servers and vice versa, and
            # the whole group (the JVM exec'd by the start script) can be signalled by this one id.
            self._popen = subprocess.Popen(
                list(command), env=dict(env), cwd=cwd, stdin=source,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent,
            )  # fmt: skip

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        stop_all([self], self.stop_grace_s)

    def output(self) -> str:
        """What this process wrote to its log (not what an earlier process of the same server wrote)."""
        try:
            with self.log.open("rb") as log:
                log.seek(self._log_start)
                return log.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    @property
    def pid(self) -> int:
        return self._popen.pid

    def alive(self) -> bool:
        return self._popen.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._popen.poll()

    def signal(self, sig: signal.Signals) -> None:
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError):  # exited between the check and the signal
            os.killpg(self._popen.pid, sig)

    def kill(self) -> None:
        """SIGKILL, as a crashed machine would; returns once the process is gone."""
        self.signal(signal.SIGKILL)
        self._popen.wait(timeout=10)

    def tail(self, lines: int = LOG_TAIL_LINES) -> str:
        text = self.output()
        if not text:
            return "(no log)"
        # Cut long lines: ZooKeeper logs its whole classpath on one line.
        return "\n".join(line[:LOG_LINE_CHARS] for line in text.splitlines()[-lines:])

    def describe(self) -> str:
        state = "running" if self.alive() else f"exited {self._popen.returncode}"
        return f"--- {self.name} (pid {self.pid}, {state}), {self.log}:\n{self.tail()}"

    def wait_exit(self, timeout: float) -> bool:
        try:
            self._popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True


def stop_all(processes: Iterable[ServerProcess], grace_s: float) -> None:
    """SIGTERM every process at once, SIGKILL whatever is still running after `grace_s`."""
    running = [p for p in processes if p.alive()]
    for p in running:
        p.signal(signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for p in running:
        if not p.wait_exit(max(0.0, deadline - time.monotonic())):
            p.kill()


def wait_until(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    watched: Sequence[ServerProcess] = (),
) -> None:
    """Poll `condition` until true; fail early when a watched server dies, late with their logs."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return
        dead = [p for p in watched if not p.alive()]
        if dead:
            raise ServerDied(f"{what}: a server exited\n" + "\n".join(p.describe() for p in dead))
        if time.monotonic() >= deadline:
            logs = "\n".join(p.describe() for p in watched)
            raise TimeoutError(f"{what}: not after {timeout:.0f} s\n{logs}")
        time.sleep(POLL_S)
