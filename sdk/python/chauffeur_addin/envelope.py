"""Building and checking the JSON the verbs exchange (DESIGN section 2).

* the **state envelope** an add-in pushes (or a pull add-in's ``capture`` returns):
  ``{"schema": N, "items": [{"key", "kind", "title", "parent"?, "data"?}]}``,
* a **plan** answer: ``{"actions": [{"key", "action", "detail"}]}``,
* a **restore** answer: ``{"results": [{"key", "outcome", "message"}]}``,
* the restore **options** the core sends: ``{"only": [keys], "allow_commands": bool, ...}``.

These are plain dicts, so a handler may also build them by hand.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional

__all__ = [
    "ACTIONS",
    "OUTCOMES",
    "EnvelopeError",
    "action",
    "envelope",
    "item",
    "items_of",
    "plan",
    "report",
    "result",
    "selected",
    "validate_envelope",
]

OUTCOMES = ("restored", "already-present", "skipped", "failed")
"""What a restore may say about one item."""

ACTIONS = ("open", "already-present", "skip", "needs-confirmation")
"""What a plan may say it would do with one item."""


class EnvelopeError(ValueError):
    """A state envelope that the core would refuse (``422 invalid_body``)."""


def item(
    key: str,
    kind: str,
    title: Optional[str] = None,
    parent: Optional[str] = None,
    data: Optional[Mapping[str, Any]] = None,
) -> Dict[str, Any]:
    """One item of a state envelope; ``title`` defaults to ``key``."""
    out: Dict[str, Any] = {"key": key, "kind": kind, "title": key if title is None else title}
    if parent is not None:
        out["parent"] = parent
    if data is not None:
        out["data"] = dict(data)
    return out


def envelope(items: Iterable[Mapping[str, Any]], schema: int = 1) -> Dict[str, Any]:
    """A state envelope of these items; raises :class:`EnvelopeError` if it is not valid."""
    state: Dict[str, Any] = {"schema": schema, "items": [dict(i) for i in items]}
    validate_envelope(state)
    return state


def validate_envelope(state: Any) -> None:
    """Raises :class:`EnvelopeError` unless ``state`` is an envelope the core accepts.

    Checked: ``schema`` is a non-negative integer, ``items`` a list of objects with a
    non-empty string ``key`` (unique), string ``kind`` and ``title``, optional string
    ``parent`` and optional ``data``, and no other fields.
    """
    if not isinstance(state, dict):
        raise EnvelopeError("a state envelope is an object")
    extra = set(state) - {"schema", "items"}
    if extra:
        raise EnvelopeError(f"unknown envelope fields: {sorted(extra)}")
    schema = state.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 0:
        raise EnvelopeError("\"schema\" must be a non-negative integer")
    items = state.get("items")
    if not isinstance(items, list):
        raise EnvelopeError("\"items\" must be a list")
    seen = set()
    for n, entry in enumerate(items):
        if not isinstance(entry, dict):
            raise EnvelopeError(f"item {n} is not an object")
        key = entry.get("key")
        if not isinstance(key, str) or not key:
            raise EnvelopeError(f"item {n} has no key")
        if key in seen:
            raise EnvelopeError(f"duplicate key {key!r}")
        seen.add(key)
        for field in ("kind", "title"):
            if not isinstance(entry.get(field), str):
                raise EnvelopeError(f"item {key!r}: \"{field}\" must be a string")
        if "parent" in entry and not isinstance(entry["parent"], str):
            raise EnvelopeError(f"item {key!r}: \"parent\" must be a string")
        extra = set(entry) - {"key", "kind", "title", "parent", "data"}
        if extra:
            raise EnvelopeError(f"item {key!r}: unknown fields {sorted(extra)}")


def items_of(state: Any) -> List[Dict[str, Any]]:
    """The items of an envelope (an empty list for anything else)."""
    if isinstance(state, dict) and isinstance(state.get("items"), list):
        return [i for i in state["items"] if isinstance(i, dict)]
    return []


def selected(state: Any, options: Optional[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """The items of ``state`` a plan or restore must handle: those in ``options["only"]``
    when the options name some, otherwise all of them."""
    only = (options or {}).get("only")
    everything = items_of(state)
    if not only:
        return everything
    wanted = set(only)
    return [i for i in everything if i.get("key") in wanted]


def action(key: str, what: str, detail: str = "") -> Dict[str, str]:
    """One plan action; ``what`` is one of :data:`ACTIONS`."""
    if what not in ACTIONS:
        raise ValueError(f"unknown plan action {what!r}; one of {ACTIONS}")
    return {"key": key, "action": what, "detail": detail}


def plan(actions: Iterable[Mapping[str, str]]) -> Dict[str, Any]:
    """A plan answer: ``{"actions": [...]}``."""
    return {"actions": [dict(a) for a in actions]}


def result(key: str, outcome: str, message: str = "") -> Dict[str, str]:
    """One restore result; ``outcome`` is one of :data:`OUTCOMES`."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown restore outcome {outcome!r}; one of {OUTCOMES}")
    return {"key": key, "outcome": outcome, "message": message}


def report(results: Iterable[Mapping[str, str]]) -> Dict[str, Any]:
    """A restore answer: ``{"results": [...]}``."""
    return {"results": [dict(r) for r in results]}
