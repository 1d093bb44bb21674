"""A small HTTPS client of the API server: the calls whose status codes the tests assert (evictions, watches)."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any

from .pki import Pair

Json = dict[str, Any]
TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Response:
    status: int
    body: Json

    @property
    def message(self) -> str:
        return str(self.body.get("message", ""))


class Api:
    def __init__(self, port: int, ca: Pair, client: Pair):
        self.port = port
        self._context = ssl.create_default_context(cafile=str(ca.cert))
        self._context.load_cert_chain(str(client.cert), str(client.key))

    def _connection(self, timeout: float) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self._context, timeout=timeout)

    def call(
        self, method: str, path: str, body: Json | None = None, content_type: str = "application/json"
    ) -> Response:
        connection = self._connection(TIMEOUT_S)
        try:
            payload = json.dumps(body).encode() if body is not None else None
            headers = {"Accept": "application/json", "Content-Type": content_type} if payload else {}
            connection.request(method, path, body=payload, headers=headers)
            reply = connection.getresponse()
            raw = reply.read()
        finally:
            connection.close()
        try:
            parsed = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            parsed = {"message": raw.decode(errors="replace")}
        return Response(reply.status, parsed if isinstance(parsed, dict) else {"items": parsed})

    def get(self, path: str) -> Json:
        response = self.call("GET", path)
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {response.message}")
        return response.body

    def ready(self) -> bool:
        connection = self._connection(5.0)
        try:
            connection.request("GET", "/readyz")
            reply = connection.getresponse()
            return reply.status == 200 and reply.read().strip() == b"ok"
        finally:
            connection.close()

    def evict(self, namespace: str, pod: str) -> Response:
        """The Eviction API, as `kubectl drain` calls it: 201 evicted, 429 refused by a disruption budget."""
        body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": pod, "namespace": namespace}}
        return self.call("POST", f"/api/v1/namespaces/{namespace}/pods/{pod}/eviction", body)

    def merge_patch(self, path: str, patch: Json) -> Response:
        return self.call("PATCH", path, patch, "application/merge-patch+json")

    def watch(self, path: str, resource_version: str, timeout_s: float) -> Watch:
        return Watch(self._connection(timeout_s + 30.0), path, resource_version, timeout_s)


class Watch:
    """A watch read by a thread of its own: every event after `resource_version`, none lost in between,
    each with the monotonic time it arrived. `stop()` closes the stream."""

    def __init__(self, connection: http.client.HTTPSConnection, path: str, resource_version: str, timeout_s: float):
        separator = "&" if "?" in path else "?"
        query = f"{separator}watch=1&resourceVersion={resource_version}&timeoutSeconds={int(timeout_s)}"
        connection.request("GET", path + query)
        self._reply = connection.getresponse()
        if self._reply.status != 200:
            raise RuntimeError(f"watch {path}: {self._reply.status} {self._reply.read()[:300]!r}")
        self._connection = connection
        self.events: list[tuple[float, Json]] = []
        self.error: BaseException | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._read, name=f"watch {path}", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            while not self._stopping.is_set():
                line = self._reply.readline()
                if not line:
                    return
                self.events.append((time.monotonic(), json.loads(line)))
        except BaseException as error:  # a closed socket at stop() is expected; anything else is kept
            if not self._stopping.is_set():
                self.error = error

    def ended(self) -> bool:
        return not self._thread.is_alive()

    def stop(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            if self._connection.sock is not None:
                self._connection.sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=10)
        self._connection.close()
