"""HTTP to the daemon: one request at a time, JSON in and out, errors as exceptions.

Every error the daemon answers has the shape ``{"error": {"code", "message"}}``; it becomes an
:class:`ApiError` with those fields and the status. A daemon that cannot be reached (not
running, restarting, a refused or reset connection) is a :class:`DaemonUnreachable`.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import urllib.error
import urllib.request
from typing import Any, Dict, Optional, Tuple

__all__ = [
    "ApiError",
    "Backoff",
    "Client",
    "DaemonUnreachable",
    "JSON",
]

JSON = Any
"""Any value ``json.loads`` returns."""


class DaemonUnreachable(Exception):
    """The daemon could not be reached (connection refused, reset, timed out...)."""


class ApiError(Exception):
    """The daemon answered a 4xx or 5xx.

    ``code`` is the machine-readable reason (``register_again``, ``stale_sequence``,
    ``already_registered``...), ``message`` the sentence for a person.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class Client:
    """Requests to one daemon at ``url`` (``http://127.0.0.1:PORT``).

    The client holds no connection between requests: a daemon restart costs nothing but a
    :class:`DaemonUnreachable` on the next request.
    """

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        """``timeout`` is the default time, in seconds, one request may take."""
        self.url = url.rstrip("/")
        self.timeout = timeout

    def request(
        self,
        method: str,
        path: str,
        body: JSON = None,
        token: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> Tuple[int, JSON]:
        """Sends one request and answers ``(status, parsed JSON body or None)``.

        Raises :class:`ApiError` for a 4xx/5xx and :class:`DaemonUnreachable` when there is
        no answer.
        """
        headers: Dict[str, str] = {"Accept": "application/json"}
        data: Optional[bytes] = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            self.url + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(
                request, timeout=self.timeout if timeout is None else timeout
            ) as answer:
                return answer.status, _parse(answer.read())
        except urllib.error.HTTPError as e:
            raise error_from(e.code, e.read()) from None
        except (
            urllib.error.URLError,
            http.client.HTTPException,
            ConnectionError,
            socket.timeout,
            OSError,
        ) as e:
            raise DaemonUnreachable(f"{method} {self.url}{path}: {e}") from None


def _parse(raw: bytes) -> JSON:
    """The JSON of a body, or ``None`` when it is empty or not JSON."""
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def error_from(status: int, raw: bytes) -> ApiError:
    """The :class:`ApiError` for an error answer (``{"error": {"code", "message"}}``).

    A body of another shape still gives an error, with code ``http_<status>``.
    """
    body = _parse(raw)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        return ApiError(status, str(err.get("code", f"http_{status}")), str(err.get("message", "")))
    text = raw.decode("utf-8", "replace").strip()
    return ApiError(status, f"http_{status}", text)


class Backoff:
    """Exponential backoff with jitter, for reconnecting to a daemon that went away.

    Each :meth:`next_delay` doubles the delay up to ``maximum``; :meth:`reset` starts again
    after a success. With ``jitter`` 0.2 a delay is spread over ±20 % so many add-ins do not
    reconnect at the same instant.
    """

    def __init__(
        self,
        initial: float = 0.1,
        maximum: float = 5.0,
        factor: float = 2.0,
        jitter: float = 0.2,
        rng: Optional[random.Random] = None,
    ) -> None:
        """Delays are in seconds; ``rng`` is for tests."""
        if initial <= 0 or maximum < initial or factor < 1 or not 0 <= jitter < 1:
            raise ValueError("backoff needs 0 < initial <= maximum, factor >= 1, 0 <= jitter < 1")
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self.jitter = jitter
        self._rng = rng or random.Random()
        self._current = initial

    def next_delay(self) -> float:
        """The delay to wait before the next attempt; grows each time."""
        base = self._current
        self._current = min(self.maximum, self._current * self.factor)
        if self.jitter:
            base *= 1 + self._rng.uniform(-self.jitter, self.jitter)
        return min(base, self.maximum)

    def reset(self) -> None:
        """Back to the initial delay (call after a success)."""
        self._current = self.initial
