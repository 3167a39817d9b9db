"""Finding the daemon's runtime directory and reading its files."""

from __future__ import annotations

import json
import os
import tempfile
import unittest
from pathlib import Path

from chauffeur_addin.discovery import DaemonNotFound, discover, runtime_dir


class RuntimeDirTest(unittest.TestCase):
    """The order of protocol.md: CHAUFFEUR_HOME, XDG_RUNTIME_DIR, ~/.local/share."""

    def test_chauffeur_home_wins(self) -> None:
        env = {"CHAUFFEUR_HOME": "/tmp/h", "XDG_RUNTIME_DIR": "/run/user/1"}
        self.assertEqual(runtime_dir(env), Path("/tmp/h/run"))

    def test_xdg_runtime_dir(self) -> None:
        self.assertEqual(runtime_dir({"XDG_RUNTIME_DIR": "/run/user/7"}), Path("/run/user/7/chauffeur"))

    def test_fallback_under_home(self) -> None:
        self.assertEqual(
            runtime_dir({}, home=Path("/home/me")), Path("/home/me/.local/share/chauffeur/run")
        )

    def test_empty_values_are_unset(self) -> None:
        self.assertEqual(
            runtime_dir({"CHAUFFEUR_HOME": "", "XDG_RUNTIME_DIR": ""}, home=Path("/h")),
            Path("/h/.local/share/chauffeur/run"),
        )


class DiscoverTest(unittest.TestCase):
    """Reading daemon.json and token."""

    def setUp(self) -> None:
        self._dir = tempfile.TemporaryDirectory()
        self.dir = Path(self._dir.name)

    def tearDown(self) -> None:
        self._dir.cleanup()

    def write(self, record: object, token: "str | None" = "secret\n") -> None:
        (self.dir / "daemon.json").write_text(json.dumps(record))
        if token is not None:
            (self.dir / "token").write_text(token)
            os.chmod(self.dir / "token", 0o600)

    def test_reads_url_token_pid_version(self) -> None:
        self.write({"pid": 42, "url": "http://127.0.0.1:7467/", "version": "0.1.0", "started_at": "x"})
        info = discover(self.dir)
        self.assertEqual(info.url, "http://127.0.0.1:7467")
        self.assertEqual(info.token, "secret")
        self.assertEqual(info.pid, 42)
        self.assertEqual(info.version, "0.1.0")
        self.assertEqual(info.directory, self.dir)

    def test_missing_token_means_pairing(self) -> None:
        self.write({"url": "http://127.0.0.1:1"}, token=None)
        self.assertIsNone(discover(self.dir).token)

    def test_no_daemon_json(self) -> None:
        with self.assertRaises(DaemonNotFound) as caught:
            discover(self.dir)
        self.assertIn("daemon.json", str(caught.exception))

    def test_broken_daemon_json(self) -> None:
        (self.dir / "daemon.json").write_text("{not json")
        with self.assertRaises(DaemonNotFound):
            discover(self.dir)
        self.write({"pid": 1})
        with self.assertRaises(DaemonNotFound):
            discover(self.dir)

    def test_rereading_sees_a_restarted_daemon(self) -> None:
        self.write({"url": "http://127.0.0.1:1000"}, token="one")
        first = discover(self.dir)
        self.write({"url": "http://127.0.0.1:2000"}, token="two")
        second = discover(self.dir)
        self.assertEqual((first.url, first.token), ("http://127.0.0.1:1000", "one"))
        self.assertEqual((second.url, second.token), ("http://127.0.0.1:2000", "two"))


if __name__ == "__main__":
    unittest.main()
