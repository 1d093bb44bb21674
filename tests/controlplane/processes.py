"""Component processes: started in their own session, logged to files, stopped by PID and only by PID."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

PR_SET_PDEATHSIG = 1  # linux/prctl.h
TERM_GRACE_S = 10.0
KILL_WAIT_S = 5.0
TAIL_LINES = 30


def _die_with_parent() -> None:
    """In the child before exec: a test runner killed outright runs no teardown, so let the kernel end us."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Component:
    """One binary of the control plane; `stop()` is idempotent and bounded in time."""

    def __init__(self, name: str, binary: Path, args: Sequence[str], log: Path, env: dict[str, str]):
        self.name, self.binary, self.log = name, binary.resolve(), log
        with log.open("ab") as out:
            self._popen = subprocess.Popen(
                [str(self.binary), *args], stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                env=env, start_new_session=True, preexec_fn=_die_with_parent,
            )  # fmt: skip
        self.pid = self._popen.pid
        atexit.register(self.stop)  # a session that dies between fixtures still stops what it started

    def alive(self) -> bool:
        return self._popen.poll() is None

    def _is_ours(self) -> bool:
        """The PID still names our binary: never signal a process that reused the number."""
        try:
            exe = os.readlink(f"/proc/{self.pid}/exe")
        except OSError:
            return False
        # A rebuilt binary leaves the running one as "<path> (deleted)": still ours.
        return exe in (str(self.binary), f"{self.binary} (deleted)")

    def _signal(self, sig: signal.Signals) -> None:
        if self.alive() and self._is_ours():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def stop(self) -> None:
        self._signal(signal.SIGTERM)
        try:
            self._popen.wait(timeout=TERM_GRACE_S)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._popen.wait(timeout=KILL_WAIT_S)

    def tail(self, lines: int = TAIL_LINES) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log)"
        state = "running" if self.alive() else f"exited {self._popen.returncode}"
        body = "\n".join(line[:400] for line in text.splitlines()[-lines:])
        return f"--- {self.name} (pid {self.pid}, {state}) {self.log}:\n{body}"


def stop_all(components: Sequence[Component]) -> None:
    """Reverse start order: clients of the API server first, etcd last."""
    for component in reversed(components):
        component.stop()


def wait_for(
    what: str, check: Callable[[], object], timeout: float, watched: Sequence[Component] = (), poll: float = 0.5
) -> None:
    """Poll `check()` until truthy; fail at once when a watched component exits, with its log."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError):
            if check():
                return
        dead = [c for c in watched if not c.alive()]
        if dead:
            raise RuntimeError(f"{what}: a component exited\n" + "\n".join(c.tail() for c in dead))
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not after {timeout:.0f} s\n" + "\n".join(c.tail() for c in watched))
        time.sleep(poll)
