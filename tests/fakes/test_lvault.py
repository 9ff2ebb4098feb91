#!/usr/bin/env python3
"""Self-test of tests/fakes/lvault: starts it on a free loopback port and
drives the secrets API, the call record, the control API and failures."""

import http.client
import json
import os
import signal
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakeproc  # noqa: E402

SECRET_CONF = {"path": "hello/hello.web.web/lain/app/secret.conf", "content": "password=1",
               "mode": "400", "owner": "root", "group": "root", "timestamp": 1522058193}
DB_YAML = {"path": "hello/hello.web.web/lain/app/conf/db.yaml", "content": "db: x",
           "mode": "644", "owner": "root", "group": "root", "timestamp": 1522058200}


def start_fake():
    return fakeproc.start("lvault", ["--host", "127.0.0.1", "--port", "0"])


def stop_fake(proc):
    fakeproc.stop(proc)


class LvaultFakeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc, cls.base = start_fake()
        u = urllib.parse.urlsplit(cls.base)
        cls.host, cls.port = u.hostname, u.port

    @classmethod
    def tearDownClass(cls):
        stop_fake(cls.proc)

    def setUp(self):
        self.assertEqual(self.call("POST", "/__fake/reset")[0], 200)

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

    def seed(self, app, proc, secrets):
        st, doc, _ = self.call("PUT", "/__fake/secrets",
                               {"app": app, "proc": proc, "secrets": secrets})
        self.assertEqual(st, 200, doc)
        return doc

    def get(self, query, token=None):
        h = {"access-token": token} if token is not None else {}
        st, doc, _ = self.call("GET", "/v2/secrets?" + query, headers=h)
        return st, doc

    def calls(self):
        st, doc, _ = self.call("GET", "/__fake/calls")
        self.assertEqual(st, 200)
        return doc["calls"]

    def test_get_seeded_list(self):
        self.seed("hello", "hello.web.web", [SECRET_CONF, DB_YAML])
        st, doc = self.get("app=hello&proc=hello.web.web", token="tok-1")
        self.assertEqual(st, 200)
        self.assertEqual(doc, [SECRET_CONF, DB_YAML])
        # other procs and apps have none
        self.assertEqual(self.get("app=hello&proc=hello.worker.bg"),
                         (404, {"message": "no secrets"}))
        self.assertEqual(self.get("app=other&proc=other.web.web"),
                         (404, {"message": "no secrets"}))

    def test_defaults_and_extra_keys(self):
        doc = self.seed("hello", "hello.web.web",
                        [{"path": "hello/hello.web.web/a", "extra": 1}])
        want = {"path": "hello/hello.web.web/a", "content": "", "mode": "400", "owner": "root",
                "group": "root", "timestamp": 1522058193, "extra": 1}
        self.assertEqual(doc["secrets"], [want])
        self.assertEqual(self.get("app=hello&proc=hello.web.web"), (200, [want]))

    def test_replace_and_empty(self):
        self.seed("hello", "hello.web.web", [SECRET_CONF, DB_YAML])
        self.seed("hello", "hello.web.web", [SECRET_CONF])
        self.assertEqual(self.get("app=hello&proc=hello.web.web"), (200, [SECRET_CONF]))
        self.seed("hello", "hello.web.web", [])
        self.assertEqual(self.get("app=hello&proc=hello.web.web")[0], 404)
        st, doc, _ = self.call("GET", "/__fake/secrets")
        self.assertEqual((st, doc), (200, {"secrets": {}}))

    def test_without_proc_all_of_the_app(self):
        other = dict(SECRET_CONF, path="hello/hello.worker.bg/x")
        self.seed("hello", "hello.worker.bg", [other])
        self.seed("hello", "hello.web.web", [SECRET_CONF])
        self.assertEqual(self.get("app=hello"), (200, [SECRET_CONF, other]))
        st, doc = self.get("proc=hello.web.web")
        self.assertEqual(st, 400)
        self.assertIn("app", doc["message"])

    def test_calls_record_token(self):
        self.seed("hello", "hello.web.web", [SECRET_CONF])
        self.get("app=hello&proc=hello.web.web", token="tok-1")
        self.call("GET", "/v2/secrets?app=hello&proc=hello.web.web",
                  headers={"Access-Token": "tok-2"})
        self.get("app=hello&proc=hello.worker.bg")
        calls = self.calls()
        self.assertEqual([(c["method"], c["path"], c["app"], c["proc"], c["token"], c["status"])
                          for c in calls],
                         [("GET", "/v2/secrets", "hello", "hello.web.web", "tok-1", 200),
                          ("GET", "/v2/secrets", "hello", "hello.web.web", "tok-2", 200),
                          ("GET", "/v2/secrets", "hello", "hello.worker.bg", None, 404)])
        self.assertEqual(calls[0]["query"], "app=hello&proc=hello.web.web")
        self.assertIsInstance(calls[0]["time"], float)
        seqs = [c["seq"] for c in calls]
        self.assertEqual(seqs, sorted(set(seqs)))
        # control calls are not recorded; DELETE clears
        self.assertEqual(len(self.calls()), 3)
        st, doc, _ = self.call("DELETE", "/__fake/calls")
        self.assertEqual((st, doc), (200, {"calls": []}))
        self.assertEqual(self.calls(), [])

    def test_other_paths_and_methods(self):
        st, doc, _ = self.call("GET", "/v1/secrets?app=hello")
        self.assertEqual((st, doc), (404, {"message": "page not found"}))
        self.assertEqual(self.call("PUT", "/v2/secrets?app=hello&proc=p", {"content": "x"})[0],
                         405)
        self.assertEqual([c["status"] for c in self.calls()], [404, 405])

    def test_control_errors(self):
        bad = [
            ("PUT", "/__fake/secrets", None, b"{bad"),
            ("PUT", "/__fake/secrets", [1], None),
            ("PUT", "/__fake/secrets", {"app": "hello", "secrets": []}, None),
            ("PUT", "/__fake/secrets", {"app": "hello", "proc": "p", "secrets": {}}, None),
            ("PUT", "/__fake/secrets", {"app": "hello", "proc": "p", "secrets": [{}]}, None),
            ("PUT", "/__fake/secrets", {"app": "hello", "proc": "p",
                                        "secrets": [{"path": "a", "mode": 400}]}, None),
            ("PUT", "/__fake/secrets", {"app": "hello", "proc": "p",
                                        "secrets": [{"path": "a", "timestamp": "1"}]}, None),
            ("POST", "/__fake/fail", {"mode": "sometimes"}, None),
            ("POST", "/__fake/fail", {"mode": "down", "count": 0}, None),
            ("POST", "/__fake/fail", {"mode": "slow", "delay": -1}, None),
        ]
        for method, path, body, raw in bad:
            st = self.call(method, path, body, raw=raw)[0]
            self.assertEqual(st, 400, (method, path, body, raw))
        self.assertEqual(self.call("GET", "/__fake/nothing")[0], 404)
        self.assertEqual(self.calls(), [])
        self.assertEqual(self.get("app=hello&proc=p")[0], 404)

    def test_fail_error500(self):
        self.seed("hello", "hello.web.web", [SECRET_CONF])
        st, doc, _ = self.call("POST", "/__fake/fail", {"mode": "error500"})
        self.assertEqual((st, doc), (200, {"mode": "error500", "count": -1, "delay": 2.0}))
        self.assertEqual(self.get("app=hello&proc=hello.web.web"),
                         (500, {"message": "fake lvault failure"}))
        self.assertEqual(self.get("app=hello&proc=hello.web.web")[0], 500)
        # the control API is never failed
        self.assertEqual(self.call("GET", "/__fake/secrets")[0], 200)
        self.call("POST", "/__fake/fail", {"mode": "none"})
        self.assertEqual(self.get("app=hello&proc=hello.web.web")[0], 200)
        self.assertEqual([c["status"] for c in self.calls()], [500, 500, 200])

    def test_fail_count(self):
        self.seed("hello", "hello.web.web", [SECRET_CONF])
        self.call("POST", "/__fake/fail", {"mode": "error500", "count": 2})
        got = [self.get("app=hello&proc=hello.web.web")[0] for _ in range(3)]
        self.assertEqual(got, [500, 500, 200])

    def test_fail_down(self):
        self.seed("hello", "hello.web.web", [SECRET_CONF])
        self.call("POST", "/__fake/fail", {"mode": "down"})
        c = http.client.HTTPConnection(self.host, self.port, timeout=20)
        c.request("GET", "/v2/secrets?app=hello&proc=hello.web.web")
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            c.getresponse()
        c.close()
        self.assertEqual([c["status"] for c in self.calls()], [0])
        self.call("POST", "/__fake/reset")
        self.assertEqual(self.get("app=hello&proc=hello.web.web")[0], 404)  # reset: no secrets

    def test_fail_slow(self):
        self.call("POST", "/__fake/fail", {"mode": "slow", "delay": 0.5})
        st, _, took = self.call("GET", "/v2/secrets?app=hello&proc=p")
        self.assertEqual(st, 404)
        self.assertGreaterEqual(took, 0.45)
        _, _, took = self.call("GET", "/__fake/calls")
        self.assertLess(took, 0.45)

    def test_reset(self):
        self.seed("hello", "hello.web.web", [SECRET_CONF])
        self.call("POST", "/__fake/fail", {"mode": "error500"})
        self.get("app=hello&proc=hello.web.web")
        st, doc, _ = self.call("POST", "/__fake/reset")
        self.assertEqual((st, doc), (200, {}))
        self.assertEqual(self.calls(), [])
        self.assertEqual(self.get("app=hello&proc=hello.web.web")[0], 404)


class LifecycleTest(unittest.TestCase):
    def test_sigterm_stops_it(self):
        proc, base = start_fake()
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(5), 0)
        self.assertEqual(proc.stdout.read(), "")     # nothing after the first line
        proc.stdout.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
