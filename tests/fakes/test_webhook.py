#!/usr/bin/env python3
"""Self-test of tests/fakes/webhook: starts it on a free loopback port and
drives the recording, the control API, failures and delays over HTTP."""

import hashlib
import hmac
import http.client
import json
import os
import signal
import socket
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakeproc  # noqa: E402



def start_fake():
    return fakeproc.start("webhook", ["--host", "127.0.0.1", "--port", "0"])


def stop_fake(proc):
    fakeproc.stop(proc)


class WebhookFakeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc, cls.base = start_fake()
        u = urllib.parse.urlsplit(cls.base)
        cls.host, cls.port = u.hostname, u.port

    @classmethod
    def tearDownClass(cls):
        stop_fake(cls.proc)

    def setUp(self):
        self.call("POST", "/__fake/reset")

    def call(self, method, path, body=None, headers=None, raw=None):
        """(status, parsed JSON or None, seconds taken)"""
        c = http.client.HTTPConnection(self.host, self.port, timeout=20)
        h = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        t0 = time.monotonic()
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        text = r.read()
        took = time.monotonic() - t0
        ctype = r.getheader("Content-Type")
        c.close()
        doc = json.loads(text) if text else None
        if text:
            self.assertEqual(ctype, "application/json")
        return r.status, doc, took

    def calls(self):
        st, doc, _ = self.call("GET", "/__fake/calls")
        self.assertEqual(st, 200)
        return doc["calls"]

    def test_records_and_answers(self):
        payload = {"appname": "hello", "commits": [{"id": "abc1234", "message": "fix"}],
                   "authors": ["a@x.com"]}
        st, doc, _ = self.call("POST", "/hook/a?x=1", payload, {"X-Thing": "yes"})
        self.assertEqual((st, doc), (200, {}))
        st, doc, _ = self.call("PUT", "/", raw=b"not json", headers={"Content-Type": "text/plain"})
        self.assertEqual((st, doc), (200, {}))
        st, doc, _ = self.call("GET", "/other")
        self.assertEqual((st, doc), (200, {}))
        calls = self.calls()
        self.assertEqual([(c["method"], c["path"], c["status"]) for c in calls],
                         [("POST", "/hook/a", 200), ("PUT", "/", 200), ("GET", "/other", 200)])
        first = calls[0]
        self.assertEqual(first["body"], payload)
        self.assertEqual(json.loads(first["raw"]), payload)
        self.assertEqual(first["query"], "x=1")
        self.assertEqual(first["headers"]["content-type"], "application/json")
        self.assertEqual(first["headers"]["x-thing"], "yes")
        self.assertIsInstance(first["time"], float)
        self.assertGreaterEqual(first["answered"], first["time"])
        self.assertEqual(calls[1]["body"], "not json")
        self.assertIsNone(calls[2]["body"])
        seqs = [c["seq"] for c in calls]
        self.assertEqual(seqs, sorted(seqs))
        self.assertEqual(len(set(seqs)), 3)

    def test_chunked_body(self):
        c = http.client.HTTPConnection(self.host, self.port, timeout=20)
        c.request("POST", "/chunked", body=iter([b'{"a":', b' 1}']),
                  headers={"Content-Type": "application/json"}, encode_chunked=True)
        r = c.getresponse()
        r.read()
        c.close()
        self.assertEqual(r.status, 200)
        self.assertEqual(self.calls()[0]["body"], {"a": 1})

    def test_control_not_recorded_and_clear(self):
        self.call("POST", "/x", {"n": 1})
        self.call("GET", "/__fake/calls")
        self.assertEqual(len(self.calls()), 1)
        st, doc, _ = self.call("DELETE", "/__fake/calls")
        self.assertEqual((st, doc), (200, {"calls": []}))
        self.assertEqual(self.calls(), [])
        self.assertEqual(self.call("GET", "/__fake/nothing")[0], 404)
        self.assertEqual(self.call("POST", "/__fake/fail", raw=b"{bad")[0], 400)
        self.assertEqual(self.call("POST", "/__fake/fail", {"status": "x"})[0], 400)
        self.assertEqual(self.call("POST", "/__fake/fail", {"status": 42})[0], 400)
        self.assertEqual(self.call("POST", "/__fake/fail", {"delay": -1})[0], 400)
        self.assertEqual(self.call("POST", "/__fake/fail", [1])[0], 400)
        self.assertEqual(self.calls(), [])

    def test_fail_status(self):
        st, doc, _ = self.call("POST", "/__fake/fail", {"status": 500})
        self.assertEqual((st, doc), (200, {"status": 500, "delay": 0.0}))
        self.assertEqual(self.call("POST", "/hook", {"n": 1})[0], 500)
        self.assertEqual(self.call("POST", "/hook", {"n": 2})[0], 500)
        # the control API is never failed
        self.assertEqual(self.call("GET", "/__fake/calls")[0], 200)
        self.call("POST", "/__fake/fail", {"status": 0})
        self.assertEqual(self.call("POST", "/hook", {"n": 3})[0], 200)
        self.assertEqual([(c["body"]["n"], c["status"]) for c in self.calls()],
                         [(1, 500), (2, 500), (3, 200)])

    def test_delay_is_per_request(self):
        delay = 1.0
        st, doc, _ = self.call("POST", "/__fake/fail", {"delay": delay})
        self.assertEqual((st, doc), (200, {"status": 0, "delay": delay}))
        st, _, took = self.call("POST", "/slow", {"n": 0})
        self.assertEqual(st, 200)
        self.assertGreaterEqual(took, delay - 0.05)
        # the control API answers at once while answers are delayed; a call
        # being delayed is not answered yet
        waiting = threading.Thread(target=self.call, args=("POST", "/waiting", {}))
        waiting.start()
        while len(self.calls()) < 2:
            time.sleep(0.01)
        _, _, took = self.call("GET", "/__fake/calls")
        self.assertLess(took, delay)
        self.assertIsNone(self.calls()[1]["answered"])
        waiting.join()
        self.assertIsNotNone(self.calls()[1]["answered"])
        self.call("DELETE", "/__fake/calls")
        self.call("POST", "/slow", {"n": 0})
        # two delayed requests at once: served concurrently
        results = []
        threads = [threading.Thread(target=lambda i=i: results.append(self.call("POST", "/slow", {"n": i})))
                   for i in (1, 2)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertLess(time.monotonic() - t0, 2 * delay)
        self.assertEqual([r[0] for r in results], [200, 200])
        # recorded on arrival, with the status they got
        self.assertEqual(len(self.calls()), 3)
        # a failure status and a delay together, then both off
        self.call("POST", "/__fake/fail", {"status": 503, "delay": delay})
        st, _, took = self.call("POST", "/slow", {"n": 3})
        self.assertEqual(st, 503)
        self.assertGreaterEqual(took, delay - 0.05)
        st, doc, _ = self.call("POST", "/__fake/fail", {"status": 0, "delay": 0})
        self.assertEqual(doc, {"status": 0, "delay": 0.0})
        st, _, took = self.call("POST", "/fast", {"n": 4})
        self.assertEqual(st, 200)
        self.assertLess(took, delay - 0.1)

    def test_reset(self):
        self.call("POST", "/__fake/fail", {"status": 500, "delay": 0.1})
        self.call("POST", "/hook", {})
        st, doc, _ = self.call("POST", "/__fake/reset")
        self.assertEqual((st, doc), (200, {"status": 0, "delay": 0.0}))
        self.assertEqual(self.calls(), [])
        self.assertEqual(self.call("POST", "/hook", {})[0], 200)
        self.call("POST", "/__fake/secret", {"secret": "x"})
        self.call("POST", "/__fake/reset")
        self.call("POST", "/hook", {})
        self.assertIsNone(self.calls()[-1]["signature"])


    def signed(self, secret, body, ts="1700000000"):
        mac = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        return {"X-Lain-Timestamp": ts, "X-Lain-Signature": "sha256=" + mac,
                "Content-Type": "application/json"}

    def test_signature_check(self):
        body = b'{"appname": "hello"}'
        # no secret set: nothing concluded
        self.call("POST", "/hook", raw=body, headers=self.signed("s1", body))
        st, doc, _ = self.call("POST", "/__fake/secret", {"secret": "s1"})
        self.assertEqual((st, doc), (200, {"secret": "s1"}))
        self.call("POST", "/hook", raw=body, headers=self.signed("s1", body))
        self.call("POST", "/hook", raw=body, headers=self.signed("s2", body))
        # the timestamp is signed too: another one with the same signature fails
        h = self.signed("s1", body)
        h["X-Lain-Timestamp"] = "1700000001"
        self.call("POST", "/hook", raw=body, headers=h)
        # and the body
        self.call("POST", "/hook", raw=body + b" ", headers=self.signed("s1", body))
        self.call("POST", "/hook", raw=body, headers={"Content-Type": "application/json"})
        self.assertEqual([c["signature"] for c in self.calls()],
                         [None, "valid", "invalid", "invalid", "invalid", "missing"])
        # every one answered all the same
        self.assertEqual({c["status"] for c in self.calls()}, {200})
        self.assertEqual(self.call("POST", "/__fake/secret", {"secret": 5})[0], 400)
        self.assertEqual(self.call("POST", "/__fake/secret", {"secret": None})[1], {"secret": None})
        self.call("POST", "/hook", raw=body, headers=self.signed("s1", body))
        self.assertIsNone(self.calls()[-1]["signature"])


class DownTest(unittest.TestCase):
    def test_down_then_back(self):
        proc, base = start_fake()
        u = urllib.parse.urlsplit(base)
        try:
            def call(method, path, body=None):
                c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
                c.request(method, path, body=json.dumps(body).encode() if body is not None else None)
                r = c.getresponse()
                doc = json.loads(r.read() or b"null")
                c.close()
                return r.status, doc
            self.assertEqual(call("POST", "/before", {}), (200, {}))
            self.assertEqual(call("POST", "/__fake/down", {"seconds": 0})[0], 400)
            self.assertEqual(call("POST", "/__fake/down", {"seconds": 2}), (200, {"down": 2.0}))
            refused = False
            t0 = time.monotonic()
            while time.monotonic() - t0 < 1.5 and not refused:
                try:
                    call("POST", "/while-down", {})
                except ConnectionRefusedError:
                    refused = True
                except ConnectionResetError:
                    pass    # caught while the listener was closing
                time.sleep(0.05)
            self.assertTrue(refused, "still listening while down")
            # the port stays its own: nobody else can take it meanwhile
            other = socket.socket()
            with self.assertRaises(OSError):
                other.bind((u.hostname, u.port))
            other.close()
            # back on the same port, with what it recorded before
            for _ in range(100):
                try:
                    st, doc = call("GET", "/__fake/calls")
                    break
                except (ConnectionRefusedError, ConnectionResetError):
                    time.sleep(0.1)
            self.assertEqual(st, 200)
            self.assertEqual([c["path"] for c in doc["calls"]], ["/before"])
            self.assertEqual(call("POST", "/after", {}), (200, {}))
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(5), 0)
        finally:
            if proc.poll() is None:
                stop_fake(proc)
            proc.stdout.close()


class LifecycleTest(unittest.TestCase):
    def test_sigterm_stops_it(self):
        proc, base = start_fake()
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(5), 0)
        self.assertEqual(proc.stdout.read(), "")     # nothing after the first line
        proc.stdout.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
