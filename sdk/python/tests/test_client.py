"""The HTTP client's error shapes, and the backoff."""

from __future__ import annotations

import random
import unittest

from chauffeur_addin.client import ApiError, Backoff, Client, DaemonUnreachable, error_from

from .fake_daemon import FakeDaemon


class ErrorShapeTest(unittest.TestCase):
    """``{"error": {"code", "message"}}`` becomes an ApiError."""

    def test_error_body(self) -> None:
        e = error_from(409, b'{"error": {"code": "stale_sequence", "message": "last was 4"}}')
        self.assertEqual((e.status, e.code, e.message), (409, "stale_sequence", "last was 4"))

    def test_other_bodies(self) -> None:
        e = error_from(502, b"Bad Gateway")
        self.assertEqual((e.status, e.code, e.message), (502, "http_502", "Bad Gateway"))
        self.assertEqual(error_from(500, b"").code, "http_500")

    def test_against_a_server(self) -> None:
        fake = FakeDaemon()
        try:
            client = Client(fake.url)
            with self.assertRaises(ApiError) as caught:
                client.request("POST", "/plugin/alive/x", token="nobody")
            self.assertEqual((caught.exception.status, caught.exception.code), (404, "register_again"))
            status, reply = client.request(
                "POST", "/register", {"id": "x", "protocols": [1]}, token="user"
            )
            self.assertEqual(status, 201)
            self.assertEqual(reply["protocol"], 1)
        finally:
            fake.stop()

    def test_nobody_listening(self) -> None:
        fake = FakeDaemon()
        url = fake.url
        fake.stop()
        with self.assertRaises(DaemonUnreachable):
            Client(url, timeout=2).request("POST", "/plugin/alive/x")


class BackoffTest(unittest.TestCase):
    """Doubling up to a ceiling, jittered, reset after a success."""

    def test_doubles_to_the_maximum(self) -> None:
        b = Backoff(initial=0.1, maximum=1.0, jitter=0)
        self.assertEqual([round(b.next_delay(), 3) for _ in range(6)], [0.1, 0.2, 0.4, 0.8, 1.0, 1.0])
        b.reset()
        self.assertEqual(b.next_delay(), 0.1)

    def test_jitter_stays_within_bounds(self) -> None:
        b = Backoff(initial=1.0, maximum=1.0, jitter=0.2, rng=random.Random(7))
        delays = [b.next_delay() for _ in range(200)]
        self.assertTrue(all(0.8 <= d <= 1.0 for d in delays))
        self.assertGreater(len(set(delays)), 100)

    def test_bad_parameters(self) -> None:
        for kwargs in ({"initial": 0}, {"initial": 2, "maximum": 1}, {"jitter": 1.0}, {"factor": 0.5}):
            with self.subTest(kwargs=kwargs), self.assertRaises(ValueError):
                Backoff(**kwargs)


if __name__ == "__main__":
    unittest.main()
