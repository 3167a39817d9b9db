"""The :class:`AddIn`: registration, heartbeats, pushes, commands and the pull callback.

Threads it runs (all daemon threads, all stopped by :meth:`AddIn.close`):

* **heartbeat** — ``POST /plugin/alive/{id}`` every negotiated interval; on ``404
  register_again``, ``401`` or a lost connection it re-reads ``daemon.json``/``token`` (the
  daemon may have restarted on another port with another token), registers again with
  backoff, and re-pushes the latest state.
* **commands** (push add-ins) — long-polls ``GET /v1/addins/{id}/commands`` and runs each
  command on its own thread, posting its result (an exception becomes ``{"error": str(e)}``).
* **callback server** (pull add-ins) — a loopback ``http.server`` answering the core's
  ``{"function", "args", "deadline_ms"}`` calls.
"""

from __future__ import annotations

import copy
import http.server
import hmac
import json
import logging
import signal
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from .client import ApiError, Backoff, Client, DaemonUnreachable, JSON
from .discovery import DaemonNotFound, discover
from .envelope import validate_envelope

__all__ = ["AddIn", "Handler", "PairingFailed", "PROTOCOLS"]

PROTOCOLS: Tuple[int, ...] = (1,)
"""The protocol versions this SDK speaks."""

Handler = Callable[..., JSON]
"""A function the core can call: ``capture(options)``, ``plan(state, options)``,
``restore(state, options)``, or any extra function with the arguments it is called with."""

log = logging.getLogger("chauffeur_addin")


class PairingFailed(Exception):
    """The pairing code expired before the user approved it, or pairing was refused."""


def _print_code(code: str) -> None:
    """The default way to show a pairing code: a line on standard error."""
    print(f"Approve this add-in with: chauffeur addins approve {code}", file=sys.stderr, flush=True)


def _is_reregister(e: ApiError) -> bool:
    """Whether an error means "this registration is gone, register again"."""
    return e.code == "register_again" or e.status == 401


class AddIn:
    """One add-in: ``start()`` it, ``push()`` its state, ``close()`` it.

    ``mode`` is ``"push"`` (send state when it changes; restores arrive as commands) or
    ``"pull"`` (the core calls a loopback HTTP server this object runs). Handlers are given
    with :meth:`on` or ``handlers=``: ``capture(options)`` (pull), ``plan(state, options)``,
    ``restore(state, options)``, and any extra function by name.

    The daemon is found through its runtime directory (:mod:`chauffeur_addin.discovery`)
    unless ``url`` (and ``token``) are given. Without a user token the add-in **pairs**: it
    shows a code through ``on_pairing_code`` (default: a line on stderr) and registers once
    the user ran ``chauffeur addins approve CODE``. ``pair=False`` forbids pairing,
    ``pair=True`` always pairs even when a token could be read.
    """

    def __init__(
        self,
        id: str,
        *,
        name: Optional[str] = None,
        version: str = "0.1.0",
        mode: str = "push",
        handlers: Optional[Mapping[str, Handler]] = None,
        url: Optional[str] = None,
        token: Optional[str] = None,
        runtime_dir: Optional[Path] = None,
        pair: Optional[bool] = None,
        on_pairing_code: Callable[[str], None] = _print_code,
        heartbeat_interval_ms: Optional[int] = None,
        protocols: Sequence[int] = PROTOCOLS,
        callback_host: str = "127.0.0.1",
        callback_port: int = 0,
        poll_wait_ms: int = 25000,
        backoff: Optional[Backoff] = None,
    ) -> None:
        """Describes the add-in; nothing touches the network until :meth:`start`."""
        if mode not in ("push", "pull"):
            raise ValueError("mode is \"push\" or \"pull\"")
        self.id = id
        self.name = name or id
        self.version = version
        self.mode = mode
        self.protocols = list(protocols)
        self.handlers: Dict[str, Handler] = dict(handlers or {})
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.poll_wait_ms = poll_wait_ms
        self._explicit_url = url
        self._explicit_token = token
        self._runtime_dir = runtime_dir
        self._pair = pair
        self._on_pairing_code = on_pairing_code
        self._callback_host = callback_host
        self._callback_port = callback_port
        self._backoff = backoff or Backoff()

        self._closed = threading.Event()  # set when stopping: every loop watches it
        self._done = False  # close() ran
        self._started = False
        # The session: which daemon, which add-in token; replaced on every registration.
        self._lock = threading.Lock()
        self._client: Optional[Client] = None
        self._token: Optional[str] = None
        self._interval = 5.0
        self._generation = 0
        self.registration: Dict[str, Any] = {}
        """The last ``/register`` reply (``protocol``, ``heartbeat_interval_ms``, ...)."""
        self._reconnect_lock = threading.Lock()
        # Pushes: the latest state and its sequence number, sent in order under one lock.
        self._push_lock = threading.Lock()
        self._latest: Optional[Dict[str, Any]] = None
        self._seq = 0
        self._threads: List[threading.Thread] = []
        self._server: Optional[http.server.ThreadingHTTPServer] = None

    # ----- handlers -----------------------------------------------------------------

    def on(self, function: str) -> Callable[[Handler], Handler]:
        """Decorator: ``@addin.on("restore")`` makes the function answer ``restore``."""

        def register(f: Handler) -> Handler:
            self.handlers[function] = f
            return f

        return register

    @property
    def capabilities(self) -> List[str]:
        """The verbs this add-in declares: ``capture`` always (a push add-in captures by
        pushing), ``plan`` and ``restore`` when it has handlers for them."""
        return ["capture"] + [v for v in ("plan", "restore") if v in self.handlers]

    # ----- lifecycle ----------------------------------------------------------------

    def start(self, wait: bool = False) -> "AddIn":
        """Registers and starts the background threads; answers ``self``.

        Raises :class:`ApiError` when the daemon refuses the registration (for example
        ``409 already_registered`` or ``422 no_common_protocol``), :class:`DaemonNotFound` or
        :class:`DaemonUnreachable` when there is no daemon — unless ``wait`` is true, in
        which case it retries with backoff until a daemon answers.
        """
        if self._started:
            raise RuntimeError("start() was already called")
        self._started = True
        if self.mode == "pull":
            if "capture" not in self.handlers:
                raise ValueError("a pull add-in needs a \"capture\" handler")
            self._start_callback_server()
        while True:
            try:
                self._register()
                break
            except (DaemonNotFound, DaemonUnreachable) as e:
                if not wait:
                    self._stop_callback_server()
                    raise
                delay = self._backoff.next_delay()
                log.info("no daemon yet (%s); retrying in %.1fs", e, delay)
                if self._closed.wait(delay):
                    return self
        self._backoff.reset()
        self._spawn("heartbeat", self._heartbeat_loop)
        if self.mode == "push":
            self._spawn("commands", self._command_loop)
        with self._push_lock:
            if self._latest is not None:
                self._send_latest_locked()
        return self

    def close(self, unregister: bool = False) -> None:
        """Stops every thread and tells the daemon.

        By default the add-in says it is going away (``POST /v1/addins/{id}/gone``): the
        daemon keeps its last state, marked ``stale``, in the snapshots it takes until the
        add-in registers again, so quitting the app loses nothing a restore could bring
        back. ``unregister=True`` removes it instead (``DELETE /v1/addins/{id}``): new
        snapshots no longer have a section for it.
        """
        if self._done:
            return
        self._done = True
        self._closed.set()
        with self._lock:
            client, token = self._client, self._token
        if client is not None and token is not None:
            method, path = (
                ("DELETE", f"/v1/addins/{self._quoted_id}")
                if unregister
                else ("POST", f"/v1/addins/{self._quoted_id}/gone")
            )
            try:
                client.request(method, path, token=token, timeout=2)
            except (ApiError, DaemonUnreachable) as e:
                log.info("%s %s: %s", method, path, e)
        self._stop_callback_server()
        for thread in self._threads:
            if thread is not threading.current_thread() and thread.name.endswith("heartbeat"):
                thread.join(timeout=2)

    def __enter__(self) -> "AddIn":
        """``with AddIn(...) as addin:`` starts it and closes it at the end."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Closes the add-in."""
        self.close()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed.is_set()

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Blocks until :meth:`close` is called (or ``timeout`` seconds); answers whether
        it was closed."""
        return self._closed.wait(timeout)

    def run_forever(self) -> None:
        """Blocks until SIGTERM, SIGINT (Ctrl-C) or :meth:`close`, then closes."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: self._closed.set())
        try:
            while not self._closed.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.close()

    def watch(self, capture: Callable[[], Dict[str, Any]], every: float = 1.0) -> None:
        """Calls ``capture()`` every ``every`` seconds and pushes its state when it differs
        from the last one, until the add-in is closed (or SIGTERM / Ctrl-C). The loop of most
        push add-ins."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: self._closed.set())
        try:
            while not self._closed.is_set():
                try:
                    self.push_if_changed(capture())
                except ApiError as e:
                    log.warning("push refused: %s", e)
                except Exception:
                    log.exception("capture failed")
                if self._closed.wait(every):
                    break
        except KeyboardInterrupt:
            pass
        self.close()

    # ----- pushing ------------------------------------------------------------------

    def push(self, state: Dict[str, Any]) -> bool:
        """Sends ``state`` (a state envelope) with the next sequence number.

        Answers whether the daemon took it. When it is unreachable or forgot this add-in,
        the state is kept and sent again as soon as the add-in has registered again, and this
        answers ``False``. Raises :class:`~chauffeur_addin.envelope.EnvelopeError` for a bad
        envelope and :class:`ApiError` when the daemon refuses the push itself.
        """
        validate_envelope(state)
        with self._push_lock:
            self._latest = copy.deepcopy(state)
            if self._token is None:
                return False
            return self._send_latest_locked()

    def push_if_changed(self, state: Dict[str, Any]) -> bool:
        """Pushes ``state`` only when it differs from the last one given; answers whether it
        pushed."""
        with self._push_lock:
            same = self._latest == state
        return False if same else self.push(state)

    @property
    def latest_state(self) -> Optional[Dict[str, Any]]:
        """A copy of the last state given to :meth:`push`."""
        with self._push_lock:
            return copy.deepcopy(self._latest)

    def _send_latest_locked(self) -> bool:
        """PUTs the latest state with the next seq; the caller holds ``_push_lock``."""
        with self._lock:
            client, token = self._client, self._token
        if client is None or token is None or self._latest is None:
            return False
        self._seq += 1
        try:
            client.request(
                "PUT",
                f"/v1/addins/{self._quoted_id}/state",
                {"seq": self._seq, "state": self._latest},
                token=token,
            )
            log.info("pushed seq %d (%d items)", self._seq, len(self._latest.get("items", [])))
            return True
        except DaemonUnreachable as e:
            log.info("push: %s (it is sent again after reconnecting)", e)
            return False
        except ApiError as e:
            if _is_reregister(e):
                log.info("push: %s (it is sent again after registering)", e)
                return False
            raise

    # ----- registration -------------------------------------------------------------

    @property
    def _quoted_id(self) -> str:
        return urllib.parse.quote(self.id, safe="")

    def _body(self) -> Dict[str, Any]:
        body: Dict[str, Any] = {
            "id": self.id,
            "type": self.mode,
            "name": self.name,
            "version": self.version,
            "protocols": self.protocols,
            "capabilities": self.capabilities,
        }
        if self.mode == "pull":
            body["callback"] = self.callback_url
        if self.heartbeat_interval_ms is not None:
            body["heartbeat_interval_ms"] = self.heartbeat_interval_ms
        return body

    def _register(self) -> None:
        """One registration: finds the daemon, registers with the user token (or renews with
        this add-in's own token, or pairs), and installs the new session."""
        if self._explicit_url is not None:
            url, user_token = self._explicit_url, self._explicit_token
        else:
            info = discover(self._runtime_dir)
            url = info.url
            user_token = self._explicit_token if self._explicit_token is not None else info.token
        client = Client(url)
        with self._lock:
            own = self._token
        reply: Optional[Dict[str, Any]] = None
        if user_token is not None and self._pair is not True:
            try:
                reply = self._post_register(client, user_token)
            except ApiError as e:
                if e.code != "already_registered" or own is None:
                    raise
                reply = self._post_register(client, own)  # our own live registration: renew
        else:
            if own is not None:
                try:
                    reply = self._post_register(client, own)
                except ApiError as e:
                    log.info("renewing with the add-in token failed (%s); pairing again", e)
            if reply is None:
                if self._pair is False:
                    raise DaemonNotFound("no user token to register with, and pairing is off")
                reply = self._pair_and_register(client)
        with self._lock:
            self._client = client
            self._token = str(reply["token"])
            interval = reply.get("heartbeat_interval_ms", 5000)
            self._interval = max(0.05, float(interval) / 1000.0)
            self._generation += 1
            self.registration = reply
        with self._push_lock:
            self._seq = 0  # a new registration expects sequence numbers to start again
        log.info(
            "registered %s with %s (protocol %s, heartbeat every %sms)",
            self.id,
            url,
            reply.get("protocol"),
            reply.get("heartbeat_interval_ms"),
        )

    def _post_register(self, client: Client, token: str) -> Dict[str, Any]:
        _, reply = client.request("POST", "/register", self._body(), token=token)
        if not isinstance(reply, dict) or not isinstance(reply.get("token"), str):
            raise ApiError(502, "bad_reply", f"/register answered {reply!r}")
        return reply

    def _pair_and_register(self, client: Client) -> Dict[str, Any]:
        """Asks for a pairing code, shows it, and polls ``/register`` until approved."""
        _, pairing = client.request("POST", "/v1/addins/pair", {"id": self.id, "name": self.name})
        if not isinstance(pairing, dict) or "code" not in pairing:
            raise PairingFailed(f"/v1/addins/pair answered {pairing!r}")
        self._on_pairing_code(str(pairing["code"]))
        expires = time.monotonic() + float(pairing.get("expires_in_ms", 300000)) / 1000.0
        while time.monotonic() < expires:
            try:
                return self._post_register(client, str(pairing["pairing_token"]))
            except ApiError as e:
                if e.code != "pairing_pending":
                    raise
            if self._closed.wait(1.0):
                break
        raise PairingFailed(f"pairing code {pairing['code']} was not approved in time")

    def _reconnect(self, generation: int, why: str) -> None:
        """Registers again (with backoff) unless another thread already did since
        ``generation``; then re-pushes the latest state."""
        with self._reconnect_lock:
            while not self._closed.is_set():
                with self._lock:
                    if self._generation != generation:
                        return
                log.info("%s: registering %s again", why, self.id)
                try:
                    self._register()
                except (ApiError, DaemonNotFound, DaemonUnreachable, PairingFailed) as e:
                    delay = self._backoff.next_delay()
                    log.info("registering again failed (%s); retrying in %.2fs", e, delay)
                    self._closed.wait(delay)
                    continue
                self._backoff.reset()
                with self._push_lock:
                    if self._latest is not None:
                        try:
                            self._send_latest_locked()
                        except ApiError as e:
                            log.warning("re-push refused: %s", e)
                return

    def _session(self) -> Tuple[int, Optional[Client], Optional[str], float]:
        with self._lock:
            return self._generation, self._client, self._token, self._interval

    def _spawn(self, what: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=f"chauffeur-{self.id}-{what}", daemon=True)
        thread.start()
        self._threads.append(thread)

    # ----- heartbeat ----------------------------------------------------------------

    def _heartbeat_loop(self) -> None:
        next_beat = time.monotonic()
        while not self._closed.is_set():
            generation, client, token, interval = self._session()
            next_beat += interval
            if self._closed.wait(max(0.0, next_beat - time.monotonic())):
                return
            if client is None or token is None:
                continue
            try:
                client.request("POST", f"/plugin/alive/{self._quoted_id}", token=token, timeout=5)
            except ApiError as e:
                if _is_reregister(e):
                    self._reconnect(generation, str(e))
                    next_beat = time.monotonic()
                else:
                    log.warning("heartbeat: %s", e)
            except DaemonUnreachable as e:
                self._reconnect(generation, str(e))
                next_beat = time.monotonic()
            if time.monotonic() - next_beat > interval:
                next_beat = time.monotonic()  # after a pause (SIGSTOP, suspend) do not burst

    # ----- commands (push) ----------------------------------------------------------

    def _command_loop(self) -> None:
        while not self._closed.is_set():
            generation, client, token, _ = self._session()
            if client is None or token is None:
                self._closed.wait(0.1)
                continue
            try:
                _, answer = client.request(
                    "GET",
                    f"/v1/addins/{self._quoted_id}/commands?wait_ms={self.poll_wait_ms}",
                    token=token,
                    timeout=self.poll_wait_ms / 1000.0 + 10.0,
                )
            except ApiError as e:
                if self._closed.is_set():
                    return
                if _is_reregister(e):
                    self._reconnect(generation, str(e))
                else:
                    log.warning("polling commands: %s", e)
                    self._closed.wait(1.0)
                continue
            except DaemonUnreachable as e:
                if not self._closed.is_set():
                    self._reconnect(generation, str(e))
                continue
            commands = answer.get("commands", []) if isinstance(answer, dict) else []
            for command in commands:
                if isinstance(command, dict):
                    threading.Thread(
                        target=self._run_command, args=(command,), daemon=True
                    ).start()

    def _run_command(self, command: Dict[str, Any]) -> None:
        command_id = str(command.get("id", ""))
        body = self._answer(command.get("function"), command.get("args"))
        _, client, token, _ = self._session()
        if client is None or token is None:
            return
        path = f"/v1/addins/{self._quoted_id}/commands/{urllib.parse.quote(command_id, safe='')}"
        try:
            client.request("POST", path, body, token=token)
        except ApiError as e:
            if e.code == "unknown_command":
                log.warning("command %s was answered after its deadline", command_id)
            else:
                log.warning("posting the result of %s: %s", command_id, e)
        except DaemonUnreachable as e:
            log.warning("posting the result of %s: %s", command_id, e)

    def _answer(self, function: Any, args: Any) -> Dict[str, Any]:
        """Runs one call and wraps it: ``{"result": ...}`` or ``{"error": "..."}``."""
        try:
            return {"result": self.call(str(function), args if isinstance(args, list) else [])}
        except Exception as e:
            log.warning("%s failed: %s", function, e)
            return {"error": str(e) or type(e).__name__}

    def call(self, function: str, args: List[Any]) -> JSON:
        """Runs the handler for ``function`` with the core's ``args`` and answers its result.

        ``capture`` gets ``(options)``, ``plan`` and ``restore`` get ``(state, options)``,
        any other function gets the arguments as they are. ``describe`` has a default.
        """
        handler = self.handlers.get(function)
        if function == "describe" and handler is None:
            return {
                "name": self.name,
                "version": self.version,
                "schema": 1,
                "capabilities": self.capabilities,
            }
        if handler is None:
            raise LookupError(f"add-in {self.id!r} has no function {function!r}")
        if function == "capture":
            state = handler(args[0] if args else {})
            validate_envelope(state)
            return state
        if function in ("plan", "restore"):
            return handler(args[0] if args else {}, args[1] if len(args) > 1 else {})
        return handler(*args)

    # ----- callback server (pull) ---------------------------------------------------

    @property
    def callback_url(self) -> str:
        """The loopback URL the core calls (pull add-ins, once started)."""
        if self._server is None:
            raise RuntimeError("the callback server runs only for a started pull add-in")
        host = self._callback_host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self._server.server_address[1]}/chauffeur"

    def _start_callback_server(self) -> None:
        addin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            """Answers the core's ``POST {"function", "args", "deadline_ms"}``."""

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                host = self.headers.get("Host", "").rsplit(":", 1)[0]
                if host not in ("127.0.0.1", "localhost", "[::1]"):
                    self._send(403, {"error": "not a loopback Host"})
                    return
                # The core proves who it is with this add-in's own token.
                with addin._lock:
                    expected = addin._token
                presented = self.headers.get("Authorization", "")
                if expected is None or not hmac.compare_digest(presented, f"Bearer {expected}"):
                    self._send(401, {"error": "the caller is not the Chauffeur core"})
                    return
                try:
                    length = int(self.headers.get("Content-Length", "0"))
                    call = json.loads(self.rfile.read(length) or b"null")
                    if not isinstance(call, dict):
                        raise ValueError("the body is not an object")
                except ValueError as e:
                    self._send(400, {"error": f"bad call: {e}"})
                    return
                answer = addin._answer(call.get("function"), call.get("args"))
                self._send(200, answer["result"] if "result" in answer else answer)

            def _send(self, status: int, body: JSON) -> None:
                raw = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("callback: " + format, *args)

        bind = "::1" if self._callback_host == "::1" else self._callback_host
        if bind == "localhost":
            bind = "127.0.0.1"
        server_class = http.server.ThreadingHTTPServer
        if ":" in bind:
            import socket

            class V6Server(http.server.ThreadingHTTPServer):
                address_family = socket.AF_INET6

            server_class = V6Server
        self._server = server_class((bind, self._callback_port), Handler)
        self._server.daemon_threads = True
        self._spawn("callback", self._server.serve_forever)

    def _stop_callback_server(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
