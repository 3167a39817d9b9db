"""Chauffeur add-ins in Python: register, heartbeat, push state, serve restores.

A push add-in in a dozen lines::

    from chauffeur_addin import AddIn, envelope, item, report, result, selected

    addin = AddIn("notes", name="Notes")

    @addin.on("restore")
    def restore(state, options):
        return report(result(i["key"], "restored") for i in selected(state, options))

    addin.start()
    addin.watch(lambda: envelope([item("a.md", "document", data={"path": "/home/me/a.md"})]))

See ``docs/protocol.md`` in the Chauffeur repository for the protocol itself.
"""

from .addin import PROTOCOLS, AddIn, Handler, PairingFailed
from .client import ApiError, Backoff, Client, DaemonUnreachable
from .discovery import DaemonInfo, DaemonNotFound, discover, runtime_dir
from .envelope import (
    ACTIONS,
    OUTCOMES,
    EnvelopeError,
    action,
    envelope,
    item,
    items_of,
    plan,
    report,
    result,
    selected,
    validate_envelope,
)

__version__ = "0.1.0"

__all__ = [
    "ACTIONS",
    "OUTCOMES",
    "PROTOCOLS",
    "AddIn",
    "ApiError",
    "Backoff",
    "Client",
    "DaemonInfo",
    "DaemonNotFound",
    "DaemonUnreachable",
    "EnvelopeError",
    "Handler",
    "PairingFailed",
    "action",
    "discover",
    "envelope",
    "item",
    "items_of",
    "plan",
    "report",
    "result",
    "runtime_dir",
    "selected",
    "validate_envelope",
]
