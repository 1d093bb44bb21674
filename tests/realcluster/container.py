"""One container started with bubblewrap as its pod spec says: mounts, user, read-only root, namespaces.

bwrap runs as root (no user namespace) inside the pod's network namespace, with mount, PID, UTS and IPC
namespaces of its own: the command is PID 1 of its PID namespace (as in a container, SIGTERM reaches it
only when it handles the signal; the JVM does). The user switch happens last, by setpriv from the bound
userland: --reuid/--regid/--groups as runAsUser/runAsGroup/fsGroup say, no new privileges and an empty
capability bounding set when the spec asks for them.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .process import ServerProcess


class _Starter:
    """One thread, alive as long as the test run, that starts every container process.

    ServerProcess asks the kernel for SIGKILL when its parent dies (PR_SET_PDEATHSIG), and for the kernel
    the parent is the thread that forked it. A container started from a short-lived thread (a roll's, a
    restart supervisor's) would have its bwrap killed the moment that thread ends, while PID 1 goes on
    (setpriv's user switch clears its own death signal): a broker running unseen, which the harness then
    neither probes nor stops, and a second container started beside it in the same pod.
    """

    def __init__(self) -> None:
        self._work: queue.Queue[tuple[Callable[[], ServerProcess], queue.Queue[ServerProcess | BaseException]]]
        self._work = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self, make: Callable[[], ServerProcess]) -> ServerProcess:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="container-starter", daemon=True)
                self._thread.start()
        answer: queue.Queue[ServerProcess | BaseException] = queue.Queue(maxsize=1)
        self._work.put((make, answer))
        result = answer.get()
        if isinstance(result, BaseException):
            raise result
        return result

    def _run(self) -> None:
        while True:
            make, answer = self._work.get()
            try:
                answer.put(make())
            except BaseException as error:  # handed to the caller, which raises it
                answer.put(error)


_STARTER = _Starter()


@dataclass(frozen=True)
class Mount:
    source: Path
    target: str
    read_only: bool
    kind: str  # pvc, emptyDir, configMap, anonymous (an image VOLUME no mount equals), host (userland, jars)


@dataclass(frozen=True)
class User:
    uid: int
    gid: int
    groups: tuple[int, ...]
    no_new_privileges: bool
    drop_all_capabilities: bool

    def setpriv(self) -> list[str]:
        args = ["/usr/bin/setpriv", f"--reuid={self.uid}", f"--regid={self.gid}"]
        args.append("--groups=" + ",".join(str(g) for g in self.groups) if self.groups else "--clear-groups")
        if self.no_new_privileges:
            args.append("--no-new-privs")
        if self.drop_all_capabilities:
            args += ["--inh-caps=-all", "--bounding-set=-all"]
        return [*args, "--"]


@dataclass(frozen=True)
class ExecResult:
    returncode: int | None  # None: timed out and killed
    output: str


class Container:
    """A started container; stop() and kill() act on its PID 1 by id, bounded in time."""

    def __init__(
        self,
        name: str,
        *,
        netns: str,
        rootfs: Path,
        read_only_root: bool,
        mounts: Sequence[Mount],
        hostname: str,
        workdir: str,
        env: Mapping[str, str],
        command: Sequence[str],
        user: User,
        log: Path,
    ):
        self.name = name
        self.env = dict(env)
        self.user = user
        self.workdir = workdir
        self.mounts = tuple(mounts)
        self.started_at = time.monotonic()
        args = ["nsenter", f"--net={netns}", "--", "bwrap", "--die-with-parent", "--unshare-pid", "--as-pid-1",
                "--unshare-uts", "--unshare-ipc", "--hostname", hostname,
                "--ro-bind" if read_only_root else "--bind", str(rootfs), "/",
                "--proc", "/proc", "--dev", "/dev"]  # fmt: skip
        # Deeper paths last, so a mount at a child path lies over its parent's (containerd sorts them so).
        for mount in sorted(self.mounts, key=lambda m: len(Path(m.target).parts)):
            args += ["--ro-bind" if mount.read_only else "--bind", str(mount.source), mount.target]
        args += ["--chdir", workdir, "--clearenv"]
        for key, value in self.env.items():
            args += ["--setenv", key, value]
        args += [*user.setpriv(), *command]
        host_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        self.process = _STARTER.start(lambda: ServerProcess(name, args, host_env, log, rootfs.parent))
        self.pid1 = self._wait_for_child()

    def _wait_for_child(self, timeout: float = 10.0) -> int | None:
        """The PID (host namespace) of the container's PID 1: bwrap's only child. None when the container
        has already exited (a start script that refuses to start exits within milliseconds) after its
        command ran; bwrap failing to run the command at all is an error."""
        deadline = time.monotonic() + timeout
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                found = children.read_text().split()
                if found:
                    return int(found[0])
            if not self.process.alive():
                if self.process.output().startswith("bwrap:"):
                    raise RuntimeError(f"container {self.name} did not start:\n{self.process.describe()}")
                return None
            time.sleep(0.05)
        raise TimeoutError(f"container {self.name}: no PID 1 after {timeout:.0f} s")

    def alive(self) -> bool:
        return self.process.alive()

    def output(self) -> str:
        return self.process.output()

    def describe(self) -> str:
        return self.process.describe()

    def signal(self, sig: signal.Signals) -> None:
        if self.pid1 is None or not self.alive():  # never signal a PID that may have been reused
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid1, sig)

    def kill(self) -> None:
        """SIGKILL to PID 1 (the kernel then kills the whole PID namespace), as a crash or OOM kill would."""
        self.signal(signal.SIGKILL)
        if not self.process.wait_exit(15):
            self.process.kill()

    def stop(self, grace_s: float) -> float:
        """What the kubelet does: SIGTERM to PID 1, SIGKILL after the grace period; returns seconds taken."""
        started = time.monotonic()
        if self.alive():
            self.signal(signal.SIGTERM)
            if not self.process.wait_exit(grace_s):
                self.kill()
        return time.monotonic() - started

    def exec(self, command: Sequence[str], timeout: float) -> ExecResult:
        """Run a command in the container's namespaces, as its user, with its env and working directory
        (what an exec probe or `kubectl exec` does); killed after `timeout` seconds."""
        if self.pid1 is None:
            return ExecResult(126, f"container {self.name} has exited")
        env = [f"{k}={v}" for k, v in self.env.items()]
        args = ["nsenter", f"--target={self.pid1}", "--mount", "--net", "--uts", "--ipc", "--pid", "--wd",
                "--", *self.user.setpriv(), "/usr/bin/env", "-i", *env, *command]  # fmt: skip
        popen = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            out, _ = popen.communicate(timeout=timeout)
            return ExecResult(popen.returncode, out.decode("utf-8", errors="replace"))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(popen.pid, signal.SIGKILL)
            out, _ = popen.communicate(timeout=10)
            return ExecResult(None, out.decode("utf-8", errors="replace"))

    def process_ids(self) -> list[int]:
        """Every process of the container (host PIDs): PID 1 and its descendants."""
        found: list[int] = []
        todo = [self.pid1] if self.pid1 is not None else []
        while todo:
            pid = todo.pop()
            found.append(pid)
            with contextlib.suppress(OSError):
                for task in Path(f"/proc/{pid}/task").iterdir():
                    todo += [int(c) for c in (task / "children").read_text().split()]
        return found

    def cmdline(self, pid: int | None = None) -> list[str]:
        raw = Path(f"/proc/{pid or self.pid1}/cmdline").read_bytes()
        return [a.decode() for a in raw.split(b"\0")[:-1]]
