"""The AddIn against a fake daemon: registration, heartbeats, pushes, commands, and
registering again when the daemon forgot it."""

from __future__ import annotations

import unittest
from typing import Any, Dict

from chauffeur_addin import AddIn, ApiError, Backoff, envelope, item, report, result, selected

from .fake_daemon import FakeDaemon


class AddInTest(unittest.TestCase):
    """One add-in, one fake daemon."""

    def setUp(self) -> None:
        self.fake = FakeDaemon()
        self.addin = AddIn(
            "notes",
            url=self.fake.url,
            token="user",
            poll_wait_ms=200,
            backoff=Backoff(initial=0.05, maximum=0.2),
        )

        @self.addin.on("restore")
        def restore(state: Dict[str, Any], options: Dict[str, Any]) -> Dict[str, Any]:
            return report(result(i["key"], "restored") for i in selected(state, options))

        @self.addin.on("boom")
        def boom() -> None:
            raise RuntimeError("it broke")

    def tearDown(self) -> None:
        self.addin.close()
        self.fake.stop()

    def test_registers_heartbeats_pushes_and_closes(self) -> None:
        self.addin.start()
        body = self.fake.registrations[0]
        self.assertEqual(body["protocols"], [1])
        self.assertEqual(body["type"], "push")
        self.assertEqual(body["capabilities"], ["capture", "restore"])
        self.assertNotIn("callback", body)
        self.assertEqual(self.addin.registration["heartbeat_interval_ms"], 100)
        self.assertTrue(self.fake.wait(lambda: self.fake.heartbeats >= 3))

        state = envelope([item("a", "note")])
        self.assertTrue(self.addin.push(state))
        self.assertTrue(self.addin.push(state))
        self.assertFalse(self.addin.push_if_changed(state))
        self.assertEqual([seq for _, seq, _ in self.fake.pushes], [1, 2])

        self.addin.close()
        self.assertEqual(self.fake.gone, ["notes"])
        self.assertEqual(self.fake.deleted, [])

    def test_close_can_unregister_instead(self) -> None:
        self.addin.start()
        self.addin.close(unregister=True)
        self.assertEqual(self.fake.deleted, ["notes"])
        self.assertEqual(self.fake.gone, [])

    def test_commands_are_answered_and_errors_reported(self) -> None:
        self.addin.start()
        saved = envelope([item("a", "note"), item("b", "note")])
        self.fake.commands.put({"id": "c1", "function": "restore", "args": [saved, {"only": ["b"]}], "deadline_ms": 5000})
        self.fake.commands.put({"id": "c2", "function": "boom", "args": [], "deadline_ms": 5000})
        self.fake.commands.put({"id": "c3", "function": "nope", "args": [], "deadline_ms": 5000})
        self.assertTrue(self.fake.wait(lambda: len(self.fake.results) == 3))
        self.assertEqual(
            self.fake.results["c1"],
            {"result": {"results": [{"key": "b", "outcome": "restored", "message": ""}]}},
        )
        self.assertEqual(self.fake.results["c2"], {"error": "it broke"})
        self.assertIn("nope", self.fake.results["c3"]["error"])

    def test_registers_again_and_repushes_when_forgotten(self) -> None:
        self.addin.start()
        self.addin.push(envelope([item("a", "note")]))
        self.addin.push(envelope([item("a", "note"), item("b", "note")]))
        self.fake.forget()
        self.assertTrue(self.fake.wait(lambda: len(self.fake.registrations) >= 2))
        # The latest state again, with the sequence started again.
        self.assertTrue(self.fake.wait(lambda: len(self.fake.pushes) == 3))
        who, seq, state = self.fake.pushes[2]
        self.assertEqual((who, seq, len(state["items"])), ("notes", 1, 2))

    def test_refusals_reach_the_caller(self) -> None:
        addin = AddIn("old", url=self.fake.url, token="user", protocols=[99])
        with self.assertRaises(ApiError) as caught:
            addin.start()
        self.assertEqual((caught.exception.status, caught.exception.code), (422, "no_common_protocol"))
        self.assertIn("[1]", caught.exception.message)


if __name__ == "__main__":
    unittest.main()
