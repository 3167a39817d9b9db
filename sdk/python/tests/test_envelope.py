"""The envelope, plan and report helpers."""

from __future__ import annotations

import unittest
from typing import Any

from chauffeur_addin.envelope import (
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


class EnvelopeTest(unittest.TestCase):
    """What the core accepts as a state envelope."""

    def test_item_and_envelope(self) -> None:
        state = envelope([item("a.md", "document", data={"path": "/x/a.md"}), item("b", "tab", "B", parent="a.md")])
        self.assertEqual(
            state,
            {
                "schema": 1,
                "items": [
                    {"key": "a.md", "kind": "document", "title": "a.md", "data": {"path": "/x/a.md"}},
                    {"key": "b", "kind": "tab", "title": "B", "parent": "a.md"},
                ],
            },
        )

    def test_refused(self) -> None:
        bad: list[Any] = [
            [],
            {"items": []},
            {"schema": -1, "items": []},
            {"schema": True, "items": []},
            {"schema": 1, "items": {}},
            {"schema": 1, "items": [], "extra": 1},
            {"schema": 1, "items": [{"key": "", "kind": "k", "title": "t"}]},
            {"schema": 1, "items": [{"kind": "k", "title": "t"}]},
            {"schema": 1, "items": [{"key": "a", "kind": 3, "title": "t"}]},
            {"schema": 1, "items": [{"key": "a", "kind": "k", "title": "t", "colour": "red"}]},
            {"schema": 1, "items": [{"key": "a", "kind": "k", "title": "t", "parent": 1}]},
            {"schema": 1, "items": [item("a", "k"), item("a", "k")]},
            {"schema": 1, "items": ["a"]},
        ]
        for state in bad:
            with self.subTest(state=state), self.assertRaises(EnvelopeError):
                validate_envelope(state)

    def test_duplicate_keys_are_named(self) -> None:
        with self.assertRaises(EnvelopeError) as caught:
            envelope([item("same", "k"), item("same", "k")])
        self.assertIn("same", str(caught.exception))


class OptionsTest(unittest.TestCase):
    """Selecting items with options.only."""

    state = envelope([item("a", "k"), item("b", "k"), item("c", "k")])

    def keys(self, options: Any) -> list[str]:
        return [i["key"] for i in selected(self.state, options)]

    def test_everything_without_only(self) -> None:
        self.assertEqual(self.keys({}), ["a", "b", "c"])
        self.assertEqual(self.keys(None), ["a", "b", "c"])
        self.assertEqual(self.keys({"only": []}), ["a", "b", "c"])

    def test_only(self) -> None:
        self.assertEqual(self.keys({"only": ["c", "a", "zz"]}), ["a", "c"])

    def test_items_of_anything(self) -> None:
        self.assertEqual(items_of(None), [])
        self.assertEqual(items_of({"items": "x"}), [])


class AnswersTest(unittest.TestCase):
    """Plan and restore answers."""

    def test_plan_and_report(self) -> None:
        self.assertEqual(plan([action("a", "open", "xdg-open a")]), {"actions": [{"key": "a", "action": "open", "detail": "xdg-open a"}]})
        self.assertEqual(report([result("a", "already-present")]), {"results": [{"key": "a", "outcome": "already-present", "message": ""}]})

    def test_unknown_words_refused(self) -> None:
        with self.assertRaises(ValueError):
            action("a", "opened")
        with self.assertRaises(ValueError):
            result("a", "done")


if __name__ == "__main__":
    unittest.main()
