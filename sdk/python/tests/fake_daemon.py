"""A tiny stand-in for the daemon's add-in routes, for SDK tests that need no real daemon.

It keeps exactly what the tests look at: registrations, heartbeats, pushes (checking seq the
way protocol.md says), queued commands and their results. ``forget()`` makes it answer
``404 register_again`` like a daemon that declared the add-in dead.
"""

from __future__ import annotations

import http.server
import json
import queue
import threading
from typing import Any, Dict, List, Optional, Tuple


class FakeDaemon:
    """Serves on 127.0.0.1 on a free port until :meth:`stop`."""

    def __init__(self, user_token: str = "user") -> None:
        self.user_token = user_token
        self.lock = threading.Lock()
        self.registrations: List[Dict[str, Any]] = []
        self.tokens: Dict[str, str] = {}  # add-in token -> id
        self.pushes: List[Tuple[str, int, Any]] = []
        self.last_seq: Dict[str, int] = {}
        self.heartbeats = 0
        self.deleted: List[str] = []
        self.gone: List[str] = []
        self.commands: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        self.results: Dict[str, Any] = {}
        self.results_posted = threading.Event()
        self.changed = threading.Condition(self.lock)
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                fake.handle(self, "POST")

            def do_PUT(self) -> None:  # noqa: N802
                fake.handle(self, "PUT")

            def do_GET(self) -> None:  # noqa: N802
                fake.handle(self, "GET")

            def do_DELETE(self) -> None:  # noqa: N802
                fake.handle(self, "DELETE")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Stops serving."""
        self.server.shutdown()
        self.server.server_close()

    def forget(self) -> None:
        """Drops every registration: the next add-in request gets ``404 register_again``."""
        with self.lock:
            self.tokens.clear()

    def wait(self, predicate: Any, timeout: float = 5.0) -> bool:
        """Waits until ``predicate()`` (called under the lock) is true."""
        with self.changed:
            return bool(self.changed.wait_for(predicate, timeout))

    def handle(self, h: http.server.BaseHTTPRequestHandler, method: str) -> None:
        length = int(h.headers.get("Content-Length", "0"))
        body = json.loads(h.rfile.read(length)) if length else None
        auth = h.headers.get("Authorization", "").removeprefix("Bearer ")
        status, answer = self.route(method, h.path, body, auth)
        raw = b"" if answer is None else json.dumps(answer).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(raw)))
        h.end_headers()
        h.wfile.write(raw)

    def route(self, method: str, path: str, body: Any, auth: str) -> Tuple[int, Optional[Any]]:
        def error(status: int, code: str, message: str = "") -> Tuple[int, Any]:
            return status, {"error": {"code": code, "message": message}}

        with self.changed:
            self.changed.notify_all()
            if method == "POST" and path == "/register":
                if auth != self.user_token and auth not in self.tokens:
                    return error(401, "unauthorized")
                if 1 not in body["protocols"]:
                    return error(422, "no_common_protocol", "the core speaks [1]")
                token = f"t{len(self.registrations)}"
                self.tokens = {t: i for t, i in self.tokens.items() if i != body["id"]}
                self.tokens[token] = body["id"]
                self.registrations.append(body)
                self.last_seq[body["id"]] = 0
                return 201, {
                    "id": body["id"],
                    "protocol": 1,
                    "token": token,
                    "heartbeat_interval_ms": 100,
                    "dead_after_ms": 300,
                    "protocols": [1],
                    "core_version": "test",
                    "a_field_from_the_future": True,
                }
            who = self.tokens.get(auth)
            if who is None:
                return error(404, "register_again", "register again")
            if method == "POST" and path == f"/plugin/alive/{who}":
                self.heartbeats += 1
                return 204, None
            if method == "PUT" and path == f"/v1/addins/{who}/state":
                if body["seq"] <= self.last_seq[who]:
                    return error(409, "stale_sequence", f"last was {self.last_seq[who]}")
                self.last_seq[who] = body["seq"]
                self.pushes.append((who, body["seq"], body["state"]))
                return 204, None
            if method == "GET" and path.startswith(f"/v1/addins/{who}/commands"):
                self.changed.release()
                try:
                    command = self.commands.get(timeout=0.2)
                    return 200, {"commands": [command]}
                except queue.Empty:
                    return 200, {"commands": []}
                finally:
                    self.changed.acquire()
            if method == "POST" and path.startswith(f"/v1/addins/{who}/commands/"):
                self.results[path.rsplit("/", 1)[1]] = body
                self.results_posted.set()
                return 204, None
            if method == "POST" and path == f"/v1/addins/{who}/gone":
                self.gone.append(who)
                return 204, None
            if method == "DELETE" and path == f"/v1/addins/{who}":
                self.deleted.append(who)
                del self.tokens[auth]
                return 204, None
            return error(404, "not_found", path)
