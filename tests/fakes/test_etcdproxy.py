#!/usr/bin/env python3
"""Self-test of tests/fakes/etcdproxy: in front of a real etcd (started here
on free loopback ports, its own data directory), requests pass through, and
a "lose" rule applies a write while the client gets no answer; fakehttp's
rule keys as the proxy takes them."""

import base64
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakehttp  # noqa: E402
import fakeproc  # noqa: E402


def b64(s):
    return base64.b64encode(s.encode()).decode()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class EtcdProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("etcd"):
            raise unittest.SkipTest("no etcd: run scripts/bootstrap")
        cls.dir = tempfile.mkdtemp(prefix="test-etcdproxy-")
        client, peer = free_port(), free_port()
        cls.etcd_url = "http://127.0.0.1:%d" % client
        env = {k: v for k, v in os.environ.items() if not k.startswith("ETCD_")}
        cls.etcd = subprocess.Popen(
            ["etcd", "--data-dir", cls.dir, "--listen-client-urls", cls.etcd_url,
             "--advertise-client-urls", cls.etcd_url,
             "--listen-peer-urls", "http://127.0.0.1:%d" % peer,
             "--initial-advertise-peer-urls", "http://127.0.0.1:%d" % peer,
             "--initial-cluster", "default=http://127.0.0.1:%d" % peer],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        for _ in range(300):
            try:
                if fakehttp.request(cls.etcd_url, "GET", "/health", timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        cls.proc, cls.base = fakeproc.start("etcdproxy", ["--port", "0", "--upstream", cls.etcd_url])

    @classmethod
    def tearDownClass(cls):
        fakeproc.stop(cls.proc)
        cls.etcd.terminate()
        cls.etcd.wait(10)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        fakehttp.request(self.base, "POST", "/__fake/reset")

    def put(self, base, key, value):
        return fakehttp.request(base, "POST", "/v3/kv/put", {"key": b64(key), "value": b64(value)})

    def get(self, key):
        st, _, doc = fakehttp.request(self.etcd_url, "POST", "/v3/kv/range", {"key": b64(key)})
        kvs = doc.get("kvs") or []
        return base64.b64decode(kvs[0]["value"]).decode() if kvs else None

    def test_requests_pass_through(self):
        st, hdrs, doc = self.put(self.base, "/p/one", "1")
        self.assertEqual(st, 200)
        self.assertIn("header", doc)
        self.assertEqual(self.get("/p/one"), "1")
        st, _, doc = fakehttp.request(self.base, "GET", "/health")
        self.assertEqual((st, doc.get("health")), (200, "true"))
        calls = fakehttp.request(self.base, "GET", "/__fake/calls")[2]["calls"]
        self.assertEqual([(c["method"], c["path"], c["status"]) for c in calls],
                         [("POST", "/v3/kv/put", 200), ("GET", "/health", 200)])

    def test_lose_applies_and_resets(self):
        st, _, doc = fakehttp.request(self.base, "POST", "/__fake/fail",
                                      {"lose": True, "match": "/v3/kv/put", "count": 1})
        self.assertEqual(st, 200, doc)
        with self.assertRaises((ConnectionError, http.client.HTTPException)):
            self.put(self.base, "/p/lost", "applied")
        self.assertEqual(self.get("/p/lost"), "applied")       # done all the same
        calls = fakehttp.request(self.base, "GET", "/__fake/calls")[2]["calls"]
        self.assertEqual(calls[-1]["status"], 0)
        self.assertEqual(self.put(self.base, "/p/lost", "again")[0], 200)   # count 1

    def test_rule_keys(self):
        bad = [{"lose": "yes"}, {"match": "/v3"}, {"lose": True, "nope": 1}]
        for doc in bad:
            self.assertEqual(fakehttp.request(self.base, "POST", "/__fake/fail", doc)[0], 400, doc)

    def test_upstream_down(self):
        proc, base = fakeproc.start("etcdproxy", ["--port", "0", "--upstream",
                                                  "http://127.0.0.1:%d" % free_port()])
        try:
            st, _, doc = self.put(base, "/p/x", "y")
            self.assertEqual(st, 502)
            self.assertIn("upstream unreachable", doc["message"])
        finally:
            fakeproc.stop(proc)


if __name__ == "__main__":
    unittest.main(verbosity=2)
