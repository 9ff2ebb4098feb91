#!/usr/bin/env python3
"""Self-test of tests/fakes/docker: starts it on a free loopback port and
drives the network calls (with and without an API version prefix), the
call log, the state dump, the failure rules and reset over HTTP."""

import http.client
import json
import re
import os
import signal
import socket
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakeproc  # noqa: E402

RFC3339NANO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")
CALICO = {"Name": "hello", "Driver": "calico",
          "IPAM": {"Driver": "calico-ipam", "Config": [{"Subnet": "172.20.0.0/16"}]}}


def start_fake():
    return fakeproc.start("docker", ["--host", "127.0.0.1", "--port", "0"])


def stop_fake(proc):
    fakeproc.stop(proc)


class DockerFakeTest(unittest.TestCase):
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

    def call(self, method, path, body=None, raw=None, timeout=20):
        """(status, parsed JSON / text / None, response)"""
        c = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        headers = {"Content-Type": "application/json"} if data is not None else {}
        c.request(method, path, body=data, headers=headers)
        r = c.getresponse()
        text = r.read()
        c.close()
        ctype = r.getheader("Content-Type") or ""
        if ctype == "application/json":
            doc = json.loads(text)
        elif text:
            doc = text.decode()
        else:
            doc = None
        return r.status, doc, r

    def calls(self):
        st, doc, _ = self.call("GET", "/__fake/calls")
        self.assertEqual(st, 200)
        return doc["calls"]

    def state(self):
        st, doc, _ = self.call("GET", "/__fake/state")
        self.assertEqual(st, 200)
        return doc

    def create(self, body, prefix="/v1.26"):
        return self.call("POST", prefix + "/networks/create", body)

    # -- the API -------------------------------------------------------------
    def test_inspect_missing(self):
        st, doc, r = self.call("GET", "/v1.26/networks/hello")
        self.assertEqual((st, doc), (404, {"message": "network hello not found"}))
        self.assertEqual(r.getheader("Content-Type"), "application/json")

    def test_create_then_inspect(self):
        st, doc, _ = self.create(CALICO)
        self.assertEqual(st, 201)
        self.assertEqual(set(doc), {"Id", "Warning"})
        self.assertEqual(doc["Warning"], "")
        self.assertRegex(doc["Id"], r"^[0-9a-f]{64}$")
        nid = doc["Id"]
        st, net, _ = self.call("GET", "/v1.26/networks/hello")
        self.assertEqual(st, 200)
        self.assertEqual(net["Name"], "hello")
        self.assertEqual(net["Id"], nid)
        self.assertEqual(net["Driver"], "calico")
        self.assertEqual(net["IPAM"], {"Driver": "calico-ipam", "Options": None,
                                       "Config": [{"Subnet": "172.20.0.0/16"}]})
        self.assertRegex(net["Created"], RFC3339NANO)
        self.assertEqual(net["Containers"], {})
        # by id and by a unique id prefix, as the daemon resolves
        self.assertEqual(self.call("GET", "/v1.26/networks/" + nid)[1], net)
        self.assertEqual(self.call("GET", "/v1.26/networks/" + nid[:12])[1], net)

    def test_any_version_prefix_or_none(self):
        self.assertEqual(self.create(dict(CALICO, Name="a"), "")[0], 201)
        self.assertEqual(self.create(dict(CALICO, Name="b"), "/v1.41")[0], 201)
        for path in ("/networks/a", "/v1.26/networks/a", "/v1.24/networks/b", "/networks/b"):
            self.assertEqual(self.call("GET", path)[0], 200, path)
        # not a version: no prefix stripped
        self.assertEqual(self.call("GET", "/vX/networks/a")[0], 404)
        self.assertEqual(self.call("GET", "/v1.26")[0], 404)

    def test_defaults(self):
        self.assertEqual(self.create({"Name": "plain"})[0], 201)
        net = self.call("GET", "/networks/plain")[1]
        self.assertEqual(net["Driver"], "bridge")
        self.assertEqual(net["IPAM"], {"Driver": "default", "Options": None, "Config": []})

    def test_conflict(self):
        self.assertEqual(self.create(CALICO)[0], 201)
        first = self.call("GET", "/networks/hello")[1]
        st, doc, _ = self.create(dict(CALICO, Driver="bridge"))
        self.assertEqual((st, doc), (409, {"message": "network with name hello already exists"}))
        # untouched
        self.assertEqual(self.call("GET", "/networks/hello")[1], first)
        self.assertEqual(list(self.state()["networks"]), ["hello"])

    def test_bad_bodies(self):
        for body in ({}, {"Name": ""}, {"Name": 3}, {"Driver": "calico"}, [1], "x"):
            st, doc, _ = self.create(body)
            self.assertEqual(st, 400, body)
            self.assertIsInstance(doc["message"], str)
        self.assertEqual(self.call("POST", "/v1.26/networks/create", raw=b"{bad")[0], 400)
        self.assertEqual(self.call("POST", "/v1.26/networks/create")[0], 400)
        for subnet in ("", "172.20.0.0", "nonsense/16", "172.20.0.0/33", 5):
            body = dict(CALICO, IPAM={"Driver": "calico-ipam", "Config": [{"Subnet": subnet}]})
            st, doc, _ = self.create(body)
            self.assertEqual(st, 400, subnet)
            self.assertIn("invalid CIDR", doc["message"])
        self.assertEqual(self.create(dict(CALICO, IPAM=[1]))[0], 400)
        self.assertEqual(self.state()["networks"], {})

    def test_list_and_filters(self):
        st, doc, _ = self.call("GET", "/v1.26/networks")
        self.assertEqual((st, doc), (200, []))
        for n in ("hello", "redis", "redis.portal.portal-redis_hello"):
            self.assertEqual(self.create(dict(CALICO, Name=n))[0], 201)
        self.assertEqual(self.create({"Name": "other"})[0], 201)
        names = [n["Name"] for n in self.call("GET", "/v1.26/networks")[1]]
        self.assertEqual(names, ["hello", "redis", "redis.portal.portal-redis_hello", "other"])
        self.assertEqual(len(self.call("GET", "/networks/")[1]), 4)

        def listed(filters):
            q = urllib.parse.quote(json.dumps(filters))
            st, doc, _ = self.call("GET", "/v1.26/networks?filters=" + q)
            self.assertEqual(st, 200)
            return [n["Name"] for n in doc]
        self.assertEqual(listed({"name": ["redis"]}), ["redis", "redis.portal.portal-redis_hello"])
        self.assertEqual(listed({"name": {"hello": True}}), ["hello", "redis.portal.portal-redis_hello"])
        self.assertEqual(listed({"driver": ["bridge"]}), ["other"])
        nid = self.call("GET", "/networks/other")[1]["Id"]
        self.assertEqual(listed({"id": [nid[:10]]}), ["other"])
        self.assertEqual(self.call("GET", "/networks?filters=%7Bbad")[0], 400)
        self.assertEqual(self.call("GET", "/networks?filters=" +
                                   urllib.parse.quote('{"nosuch": ["x"]}'))[0], 400)

    def test_delete(self):
        self.create(CALICO)
        st, doc, _ = self.call("DELETE", "/v1.26/networks/hello")
        self.assertEqual((st, doc), (204, None))
        self.assertEqual(self.call("GET", "/networks/hello")[0], 404)
        st, doc, _ = self.call("DELETE", "/v1.26/networks/hello")
        self.assertEqual((st, doc), (404, {"message": "network hello not found"}))

    def test_unknown_paths_and_methods(self):
        st, doc, _ = self.call("GET", "/v1.26/containers/json")
        self.assertEqual((st, doc), (404, {"message": "page not found"}))
        self.assertEqual(self.call("GET", "/v1.26/networks/a/b")[0], 404)
        self.assertEqual(self.call("PUT", "/v1.26/networks/create", {})[0], 405)
        self.assertEqual(self.call("POST", "/v1.26/networks", {})[0], 405)
        self.assertEqual(self.call("PATCH", "/v1.26/networks/hello", {})[0], 405)
        st, doc, _ = self.call("GET", "/_ping")
        self.assertEqual((st, doc), (200, "OK"))
        self.assertEqual(self.call("GET", "/v1.26/_ping")[0], 200)

    # -- the control API -----------------------------------------------------
    def test_calls_logged_control_not(self):
        self.call("GET", "/v1.26/networks/hello")
        self.create(CALICO)
        self.create(CALICO)
        self.call("GET", "/v1.26/networks?x=1")
        self.state()
        calls = self.calls()
        self.assertEqual([(c["method"], c["path"], c["status"]) for c in calls],
                         [("GET", "/v1.26/networks/hello", 404),
                          ("POST", "/v1.26/networks/create", 201),
                          ("POST", "/v1.26/networks/create", 409),
                          ("GET", "/v1.26/networks", 200)])
        self.assertIsNone(calls[0]["body"])
        self.assertEqual(calls[1]["body"], CALICO)
        self.assertEqual(calls[3]["query"], "x=1")
        self.assertIsInstance(calls[0]["time"], float)
        seqs = [c["seq"] for c in calls]
        self.assertEqual(seqs, sorted(set(seqs)))
        # a body that is no JSON is logged as text
        self.call("POST", "/v1.26/networks/create", raw=b"not json")
        self.assertEqual(self.calls()[-1]["body"], "not json")
        st, doc, _ = self.call("DELETE", "/__fake/calls")
        self.assertEqual((st, doc), (200, {"calls": []}))
        self.assertEqual(self.calls(), [])
        # clearing the log keeps the networks
        self.assertEqual(list(self.state()["networks"]), ["hello"])

    def test_state(self):
        self.create(CALICO)
        st = self.state()
        self.assertEqual(set(st), {"networks", "rules"})
        self.assertEqual(st["networks"]["hello"], self.call("GET", "/networks/hello")[1])
        self.assertEqual(st["rules"], [])

    def test_control_errors(self):
        self.assertEqual(self.call("GET", "/__fake/nothing")[0], 404)
        self.assertEqual(self.call("POST", "/__fake/fail", raw=b"{bad")[0], 400)
        self.assertEqual(self.call("POST", "/__fake/fail", [1])[0], 400)
        self.assertEqual(self.call("POST", "/__fake/fail", {"mode": "explode"})[0], 400)
        self.assertEqual(self.call("POST", "/__fake/fail", {"mode": "down", "count": 0})[0], 400)
        self.assertEqual(self.call("POST", "/__fake/fail", {"mode": "down", "count": "x"})[0], 400)
        self.assertEqual(self.call("POST", "/__fake/fail", {"mode": "slow", "delay": -1})[0], 400)
        self.assertEqual(self.calls(), [])
        self.assertEqual(self.state()["rules"], [])

    def test_error500_match_and_count(self):
        st, doc, _ = self.call("POST", "/__fake/fail",
                               {"mode": "error500", "match": "/v1.26/networks/create", "count": 2})
        self.assertEqual(st, 200)
        self.assertEqual(doc["rules"][0]["count"], 2)
        # other paths are not failed
        self.assertEqual(self.call("GET", "/v1.26/networks/hello")[0], 404)
        st, doc, _ = self.create(CALICO)
        self.assertEqual((st, doc), (500, {"message": "fake docker failure"}))
        self.assertEqual(self.create(CALICO)[0], 500)
        self.assertEqual(self.state()["networks"], {})        # the state untouched
        self.assertEqual(self.create(CALICO)[0], 201)           # count used up
        self.assertEqual(self.state()["rules"], [])
        self.assertEqual([c["status"] for c in self.calls()], [404, 500, 500, 201])
        # the match is a prefix of the path as received: no version, no match
        self.call("POST", "/__fake/fail", {"mode": "error500", "match": "/v1.26/networks/create"})
        self.assertEqual(self.create(dict(CALICO, Name="x"), "")[0], 201)
        self.assertEqual(self.create(dict(CALICO, Name="y"))[0], 500)

    def test_error500_until_none(self):
        self.call("POST", "/__fake/fail", {"mode": "error500"})     # any path, count -1
        for _ in range(3):
            self.assertEqual(self.call("GET", "/v1.26/networks")[0], 500)
        self.assertEqual(self.state()["rules"][0]["count"], -1)
        st, doc, _ = self.call("POST", "/__fake/fail", {"mode": "none"})
        self.assertEqual((st, doc), (200, {"rules": []}))
        self.assertEqual(self.call("GET", "/v1.26/networks")[0], 200)

    def test_method_filter(self):
        self.call("POST", "/__fake/fail", {"mode": "error500", "match": "/v1.26/networks", "method": "post"})
        self.assertEqual(self.call("GET", "/v1.26/networks/x")[0], 404)
        self.assertEqual(self.create(CALICO)[0], 500)

    def raw_request(self, path):
        """Sends a GET by hand; the bytes answered (b"" when closed without one)."""
        s = socket.create_connection((self.host, self.port), timeout=10)
        try:
            s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
            out = b""
            while True:
                try:
                    chunk = s.recv(4096)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                out += chunk
                if b"\r\n\r\n" in out:
                    break
            return out
        finally:
            s.close()

    def test_down(self):
        self.call("POST", "/__fake/fail", {"mode": "down", "match": "/v1.26/networks"})
        self.assertEqual(self.raw_request("/v1.26/networks/hello"), b"")
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            self.create(CALICO)
        self.assertEqual(self.state()["networks"], {})
        # the control API still answers; other paths too
        self.assertEqual(self.call("GET", "/_ping")[0], 200)
        self.call("POST", "/__fake/fail", {"mode": "none"})
        self.assertEqual(self.create(CALICO)[0], 201)
        self.assertEqual([c["status"] for c in self.calls()], [0, 0, 200, 201])

    def test_down_with_count(self):
        self.call("POST", "/__fake/fail", {"mode": "down", "count": 1})
        self.assertEqual(self.raw_request("/v1.26/networks"), b"")
        self.assertTrue(self.raw_request("/v1.26/networks").startswith(b"HTTP/1.1 200"))

    def test_slow(self):
        self.call("POST", "/__fake/fail", {"mode": "slow", "delay": 0.5, "count": 1})
        t0 = time.monotonic()
        self.assertEqual(self.create(CALICO)[0], 201)
        self.assertGreaterEqual(time.monotonic() - t0, 0.45)
        t0 = time.monotonic()
        self.assertEqual(self.call("GET", "/networks/hello")[0], 200)
        self.assertLess(time.monotonic() - t0, 0.4)

    def test_rules_stack(self):
        self.call("POST", "/__fake/fail", {"mode": "error500", "match": "/v1.26/networks/a", "count": 1})
        self.call("POST", "/__fake/fail", {"mode": "down", "match": "/v1.26/networks/a", "count": 1})
        self.assertEqual(self.call("GET", "/v1.26/networks/a")[0], 500)
        self.assertEqual(self.raw_request("/v1.26/networks/a"), b"")
        self.assertEqual(self.call("GET", "/v1.26/networks/a")[0], 404)

    def test_reset(self):
        self.create(CALICO)
        self.call("POST", "/__fake/fail", {"mode": "error500"})
        st, doc, _ = self.call("POST", "/__fake/reset")
        self.assertEqual((st, doc), (200, {"message": "reset"}))
        self.assertEqual(self.state(), {"networks": {}, "rules": []})
        self.assertEqual(self.calls(), [])
        self.assertEqual(self.call("GET", "/v1.26/networks/hello")[0], 404)

    def test_keep_alive(self):
        c = http.client.HTTPConnection(self.host, self.port, timeout=10)
        for name in ("k1", "k2"):
            c.request("POST", "/v1.26/networks/create", body=json.dumps({"Name": name}),
                      headers={"Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            self.assertEqual(r.status, 201)
            c.request("GET", "/v1.26/networks/" + name)
            r = c.getresponse()
            self.assertEqual(json.loads(r.read())["Name"], name)
        c.request("DELETE", "/v1.26/networks/k1")
        r = c.getresponse()
        self.assertEqual((r.status, r.read()), (204, b""))
        c.request("GET", "/v1.26/networks/k2")
        self.assertEqual(c.getresponse().status, 200)
        c.close()

    def test_chunked_body(self):
        c = http.client.HTTPConnection(self.host, self.port, timeout=10)
        c.request("POST", "/v1.26/networks/create", body=iter([b'{"Name":', b' "chunky"}']),
                  headers={"Content-Type": "application/json"}, encode_chunked=True)
        r = c.getresponse()
        r.read()
        c.close()
        self.assertEqual(r.status, 201)
        self.assertIn("chunky", self.state()["networks"])


class LifecycleTest(unittest.TestCase):
    def test_sigterm_stops_it(self):
        proc, base = start_fake()
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(5), 0)
        self.assertEqual(proc.stdout.read(), "")     # nothing after the first line
        proc.stdout.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
