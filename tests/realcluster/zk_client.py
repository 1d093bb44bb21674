"""Writes and reads through ZooKeeper's own CLI (org.apache.zookeeper.ZooKeeperMain)."""

from __future__ import annotations

from .tools import JavaRuntime, ToolResult


def create(runtime: JavaRuntime, connect: str, path: str, data: str) -> None:
    result = runtime.zookeeper_cli(connect, ["create", path, data])
    if result.returncode != 0 or f"Created {path}" not in result.stdout + result.stderr:
        raise AssertionError(f"create {path} failed:\n{result.describe()}")


def read(runtime: JavaRuntime, connect: str, path: str) -> str:
    result = try_read(runtime, connect, path)
    if result.returncode != 0:
        raise AssertionError(f"get {path} failed:\n{result.describe()}")
    return data_of(result)


def try_read(runtime: JavaRuntime, connect: str, path: str, timeout: float = 60.0) -> ToolResult:
    return runtime.zookeeper_cli(connect, ["get", path], timeout=timeout)


def data_of(result: ToolResult) -> str:
    # The CLI prints its connection banner on stdout first; the node's data is the last line.
    lines = result.stdout.splitlines()
    return lines[-1] if lines else ""
