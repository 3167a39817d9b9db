"""Finding the running daemon: its ``daemon.json`` and ``token`` files.

The daemon writes both into its runtime directory (see ``docs/protocol.md``, "Finding the
daemon"):

* ``$CHAUFFEUR_HOME/run/`` when ``CHAUFFEUR_HOME`` is set,
* otherwise ``$XDG_RUNTIME_DIR/chauffeur/``,
* otherwise ``~/.local/share/chauffeur/run/``.

When the daemon restarts it writes new files (a new port, a new token), so a client that lost
its connection calls :func:`discover` again rather than keeping the old values.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

__all__ = ["DaemonInfo", "DaemonNotFound", "runtime_dir", "discover"]


class DaemonNotFound(Exception):
    """No ``daemon.json`` (or an unreadable one) in the runtime directory."""


@dataclass(frozen=True)
class DaemonInfo:
    """Where the daemon listens and the user's token, as read from the runtime directory."""

    url: str
    """Base URL, for example ``http://127.0.0.1:7467`` (no trailing slash)."""
    token: Optional[str]
    """The user's bearer token, or ``None`` when the token file cannot be read."""
    pid: Optional[int]
    """The daemon's process id, when ``daemon.json`` says."""
    version: Optional[str]
    """The daemon's version, when ``daemon.json`` says."""
    directory: Path
    """The runtime directory the files were read from."""


def runtime_dir(env: Optional[Mapping[str, str]] = None, home: Optional[Path] = None) -> Path:
    """The directory the daemon writes ``daemon.json`` and ``token`` into.

    ``env`` defaults to ``os.environ`` and ``home`` to the user's home directory; both are
    parameters so the rule can be tested without touching the real environment.
    """
    env = os.environ if env is None else env
    chauffeur_home = env.get("CHAUFFEUR_HOME")
    if chauffeur_home:
        return Path(chauffeur_home) / "run"
    xdg = env.get("XDG_RUNTIME_DIR")
    if xdg:
        return Path(xdg) / "chauffeur"
    base = home if home is not None else Path.home()
    return base / ".local" / "share" / "chauffeur" / "run"


def discover(directory: Optional[Path] = None) -> DaemonInfo:
    """Reads ``daemon.json`` and ``token`` from ``directory`` (default: :func:`runtime_dir`).

    Raises :class:`DaemonNotFound` when ``daemon.json`` is missing or not valid. A missing or
    unreadable ``token`` is not an error: the add-in can still pair (``token`` is ``None``).
    """
    directory = runtime_dir() if directory is None else directory
    record_path = directory / "daemon.json"
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DaemonNotFound(f"no daemon is running ({record_path} does not exist)") from None
    except (OSError, ValueError) as e:
        raise DaemonNotFound(f"cannot read {record_path}: {e}") from None
    if not isinstance(record, dict) or not isinstance(record.get("url"), str):
        raise DaemonNotFound(f"{record_path} has no \"url\"")
    token: Optional[str]
    try:
        token = (directory / "token").read_text(encoding="utf-8").strip() or None
    except OSError:
        token = None
    pid = record.get("pid")
    version = record.get("version")
    return DaemonInfo(
        url=str(record["url"]).rstrip("/"),
        token=token,
        pid=pid if isinstance(pid, int) else None,
        version=version if isinstance(version, str) else None,
        directory=directory,
    )
