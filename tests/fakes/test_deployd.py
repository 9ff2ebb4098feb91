#!/usr/bin/env python3
"""Self-test of the deployd stand-in (tests/fakes/deployd): every endpoint,
status code, the asynchronous scheduling and every failure mode.
Starts the fake on a free loopback port; run by `make check`."""

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "deployd")
DELAY = 0.2
VERSION = "1439365340-06e92b4456116ad5e6875c8c34797d22156d44a5"
RFC3339NANO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")


def annotation(ports=None):
    doc = {"mountpoint": ["hello.lain.local", "hello.lain"], "https_only": False}
    if ports:
        doc["ports"] = [{"srcport": s, "dstport": d, "proto": "tcp"} for s, d in ports]
    return json.dumps(doc)


def pod_spec(name, ns, deps=(), annot=None, image=None, memory=33554432, env=None):
    return {
        "Name": name, "Namespace": ns,
        "Containers": [{
            "Image": image or "registry.lain.local/%s:release-%s" % (ns, VERSION),
            "Env": env or ["TZ=Asia/Shanghai", "LAIN_APPNAME=%s" % ns, "LAIN_PROCNAME=%s" % name.split(".")[-1]],
            "User": "", "WorkingDir": "", "DnsSearch": ["%s.lain" % ns], "Volumes": ["/lain/logs"],
            "SystemVolumes": ["/data/lain/entrypoint:/lain/entrypoint:ro", "/etc/localtime:/etc/localtime:ro"],
            "CloudVolumes": [], "Command": ["/hello"], "Entrypoint": None,
            "CpuLimit": 0, "MemoryLimit": memory, "Expose": 80, "LogConfig": None}],
        "Dependencies": [{"PodName": d, "Policy": 0} for d in deps],
        "Annotation": annotation() if annot is None else annot,
        "Stateful": False, "SetupTime": 0, "KillTimeout": 10, "Labels": {"team": "a"},
        "Filters": ["constraint:group==default"],
        "HealthConfig": {"cmd": "curl -f localhost", "options": {"interval": 5, "timeout": 1, "retries": 1}}}


def pg_spec(name, ns, n=1, **kw):
    return {"Name": name, "Namespace": ns, "NumInstances": n, "RestartPolicy": 1, "Pod": pod_spec(name, ns, **kw)}


class DeploydFakeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc = subprocess.Popen([sys.executable, FAKE, "--port", "0", "--schedule-delay", str(DELAY),
                                     "--node-ip", "10.1.2.3"], stdout=subprocess.PIPE, text=True)
        line = cls.proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)$", line.strip())
        if not m:
            cls.proc.kill()
            raise RuntimeError("fake did not start: %r" % line)
        cls.port = int(m.group(1))

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        try:
            cls.proc.wait(5)
        except subprocess.TimeoutExpired:
            cls.proc.kill()
            cls.proc.wait()
        cls.proc.stdout.close()

    def setUp(self):
        self.assertEqual(self.req("POST", "/__fake/reset")[0], 200)

    # -- helpers -------------------------------------------------------------
    def req(self, method, path, body=None, raw=None, headers=None, timeout=10):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
            conn.request(method, path, body=data, headers=headers or {})
            r = conn.getresponse()
            text = r.read()
            doc = json.loads(text) if text else None
            return r.status, doc, r
        finally:
            conn.close()

    def ok(self, method, path, body=None, status=202):
        st, doc, _ = self.req(method, path, body)
        self.assertEqual(st, status, doc)
        return doc

    def err(self, method, path, body=None, status=400, message=None, raw=None):
        st, doc, _ = self.req(method, path, body, raw=raw)
        self.assertEqual(st, status, doc)
        self.assertIsInstance(doc, dict)
        self.assertIn("message", doc)
        if message:
            self.assertIn(message, doc["message"])
        return doc

    def pg(self, name):
        return self.ok("GET", "/api/podgroups?name=%s&force_update=false" % name, status=200)

    def wait(self, pred, timeout=5.0):
        deadline = time.time() + timeout
        while True:
            v = pred()
            if v:
                return v
            if time.time() > deadline:
                self.fail("condition not reached in %.1f s" % timeout)
            time.sleep(0.05)

    def pause(self, on=True):
        """Hold accepted work (so a test sees the in-between states for sure)."""
        self.assertEqual(self.ok("POST", "/__fake/config", {"paused": on}, status=200)["paused"], on)

    def idle(self):
        """All accepted work done."""
        self.wait(lambda: self.req("GET", "/__fake/state")[1]["pending"] == 0)

    def deploy(self, name, ns, n=1, **kw):
        doc = self.ok("POST", "/api/podgroups", pg_spec(name, ns, n, **kw))
        self.assertEqual(doc["check_url"], "/api/podgroups?name=" + name)
        self.idle()
        return self.pg(name)

    # -- status ---------------------------------------------------------------
    def test_status_and_stopped_mode(self):
        self.assertEqual(self.ok("GET", "/api/status", status=200), {"status": "started"})
        self.assertEqual(self.ok("PATCH", "/api/status", {"status": "stop"}), "Accept")
        self.assertEqual(self.ok("GET", "/api/status", status=200), {"status": "stopped"})
        # stopped: mutating calls refused with 423, reads still work
        self.err("POST", "/api/podgroups", pg_spec("a.web.web", "a"), status=423, message="stopped")
        self.err("POST", "/api/depends", pod_spec("a.portal.p", "a"), status=423)
        self.err("GET", "/api/podgroups?name=a.web.web", status=404)
        self.ok("PATCH", "/api/status", {"status": "start"})
        self.assertEqual(self.ok("GET", "/api/status", status=200), {"status": "started"})
        self.err("PATCH", "/api/status", {"status": "pause"}, status=400)
        self.err("PATCH", "/api/status", raw=b"not json", status=400)

    def test_envelope_404_405(self):
        st, doc, r = self.req("GET", "/api/nothing")
        self.assertEqual((st, doc), (404, {"message": "Page not found"}))
        self.assertEqual(r.getheader("Content-Type"), "application/json; charset=UTF-8")
        for method, path in (("PUT", "/api/status"), ("PUT", "/api/podgroups"), ("PATCH", "/api/depends"),
                             ("DELETE", "/api/ports"), ("POST", "/api/cntstatushistory")):
            doc = self.err(method, path, status=405)
            self.assertEqual(doc["message"], 'Method "%s" is not allowed' % method)

    # -- podgroups ------------------------------------------------------------
    def test_podgroup_lifecycle_async(self):
        spec = pg_spec("hello.web.web", "hello", 2)
        self.pause()
        self.ok("POST", "/api/podgroups", spec)
        doc = self.pg("hello.web.web")
        self.assertIsNone(doc["Pods"], "not yet scheduled: Pods is null")
        self.assertEqual(doc["State"], 0)
        self.assertEqual(set(doc), {"Spec", "PrevState", "Pods", "Healthst", "State", "OOMkilled",
                                    "LastError", "UpdatedAt"})
        # the spec comes back PascalCase, complete, with what was sent kept
        s = doc["Spec"]
        self.assertEqual(list(s), ["Name", "Namespace", "Version", "CreateAt", "UpdateAt", "Pod",
                                   "NumInstances", "RestartPolicy"])
        self.assertEqual(list(s["Pod"]), ["Name", "Namespace", "Version", "CreateAt", "UpdateAt", "Network",
                                          "Containers", "Filters", "Labels", "Dependencies", "Annotation",
                                          "Stateful", "SetupTime", "KillTimeout", "PrevState", "HealthConfig"])
        c = s["Pod"]["Containers"][0]
        self.assertIsNone(c["Entrypoint"])
        self.assertEqual(c["CloudVolumes"], [])
        self.assertEqual(c["LogConfig"], {"Type": "", "Config": None})
        self.assertEqual(c["MemoryLimit"], 33554432)
        self.assertEqual(s["Pod"]["Labels"], {"team": "a"})
        # deployd raises health check options to at least 10/3/3
        self.assertEqual(s["Pod"]["HealthConfig"], {"cmd": "curl -f localhost",
                                                    "options": {"interval": 10, "timeout": 3, "retries": 3}})
        self.assertRegex(s["CreateAt"], RFC3339NANO)
        time.sleep(DELAY + 0.1)
        self.assertIsNone(self.pg("hello.web.web")["Pods"], "paused")
        self.pause(False)
        # later: pods running
        doc = self.wait(lambda: (lambda d: d if d["Pods"] else None)(self.pg("hello.web.web")))
        self.assertEqual(doc["State"], 2)
        self.assertEqual(doc["LastError"], "")
        self.assertEqual([p["InstanceNo"] for p in doc["Pods"]], [1, 2])
        pod = doc["Pods"][0]
        self.assertEqual(set(pod), {"InstanceNo", "Containers", "Healthst", "State", "OOMkilled", "LastError",
                                    "UpdatedAt", "TargetState", "DriftCount", "RestartCount", "RestartAt"})
        ct = pod["Containers"][0]
        self.assertRegex(ct["Id"], r"^[0-9a-f]{64}$")
        self.assertEqual(ct["Runtime"]["Id"], ct["Id"])
        self.assertEqual(ct["NodeIp"], "10.1.2.3")
        self.assertRegex(ct["ContainerIp"], r"^172\.20\.\d+\.\d+$")
        self.assertEqual(ct["ContainerPort"], 80)
        self.assertIs(ct["Runtime"]["State"]["Running"], True)
        self.assertRegex(ct["Runtime"]["State"]["StartedAt"], RFC3339NANO)
        self.assertEqual(ct["Runtime"]["Name"], "/hello.web.web.v0-i1-d0")
        env = ct["Runtime"]["Config"]["Env"]
        self.assertIn("LAIN_APPNAME=hello", env)
        self.assertIn("DEPLOYD_POD_INSTANCE_NO=1", env)
        self.assertEqual(ct["Runtime"]["Config"]["Labels"]["cc.bdp.lain.deployd.pg_name"], "hello.web.web")
        self.assertNotEqual(doc["Pods"][1]["Containers"][0]["ContainerIp"], ct["ContainerIp"])
        self.assertEqual(len(doc["PrevState"]), 2)

    def test_podgroup_create_errors(self):
        self.err("POST", "/api/podgroups", raw=b"{not json", status=400)
        self.err("POST", "/api/podgroups", {"Name": "", "Namespace": "x", "Pod": pod_spec("x", "x")}, status=400)
        bad = pg_spec("x.web.web", "x")
        bad["Pod"]["Containers"][0]["Image"] = ""
        self.err("POST", "/api/podgroups", bad, status=400, message="Image")
        bad = pg_spec("x.web.web", "x")
        bad["Pod"]["Containers"] = []
        self.err("POST", "/api/podgroups", bad, status=400)
        bad = pg_spec("x.web.web", "x")
        bad["Pod"]["Containers"][0]["MemoryLimit"] = "32m"
        self.err("POST", "/api/podgroups", bad, status=400, message="cannot unmarshal string")
        self.err("POST", "/api/podgroups", pg_spec("x.web.web", "x", n=-1), status=400)
        # a dependency that is not registered: 405
        self.err("POST", "/api/podgroups", pg_spec("x.web.web", "x", deps=["redis.portal.portal-redis"]),
                 status=405, message="DependencyPod not existed")
        # keys match case-insensitively, like Go's decoder
        spec = pg_spec("x.web.web", "x")
        spec["name"] = spec.pop("Name")
        spec["numinstances"] = spec.pop("NumInstances")
        self.ok("POST", "/api/podgroups", spec)
        self.assertEqual(self.pg("x.web.web")["Spec"]["Name"], "x.web.web")
        self.err("POST", "/api/podgroups", pg_spec("x.web.web", "x"), status=405,
                 message="PodGroup has already existed")
        self.err("GET", "/api/podgroups", status=400)
        doc = self.err("GET", "/api/podgroups?name=nope.web.web", status=404)
        self.assertEqual(doc, {"message": "PodGroup not existed", "data": "PodGroup not existed"})

    def test_invalid_annotation_never_starts(self):
        self.deploy("bad.web.web", "bad", annot="{mountpoint: nope")
        doc = self.pg("bad.web.web")
        self.assertEqual(len(doc["Pods"]), 1)
        self.assertIs(doc["Pods"][0]["Containers"][0]["Runtime"]["State"]["Running"], False)
        self.assertEqual(doc["Pods"][0]["Containers"][0]["Id"], "")
        self.assertIn("Cannot start podgroup bad.web.web", doc["LastError"])
        self.assertNotEqual(doc["State"], 2)
        # valid JSON that is not an object does not do either
        doc = self.deploy("bad2.web.web", "bad2", annot="[]")
        self.assertIs(doc["Pods"][0]["Containers"][0]["Runtime"]["State"]["Running"], False)

    def test_replica(self):
        self.deploy("s.web.web", "s", 1)
        self.pause()
        self.ok("PATCH", "/api/podgroups?name=s.web.web&num_instances=3&cmd=replica")
        self.assertEqual(self.pg("s.web.web")["Spec"]["NumInstances"], 3)
        # an operation in progress locks the podgroup
        self.err("PATCH", "/api/podgroups?name=s.web.web&num_instances=2&cmd=replica", status=423,
                 message='Another operation "RescheduleInstance" is progressing')
        self.pause(False)
        self.idle()
        pods = self.pg("s.web.web")["Pods"]
        self.assertEqual([p["InstanceNo"] for p in pods], [1, 2, 3])
        self.assertTrue(all(p["Containers"][0]["Runtime"]["State"]["Running"] for p in pods))
        self.ok("PATCH", "/api/podgroups?name=s.web.web&num_instances=0&cmd=replica")
        self.idle()
        self.assertEqual(self.pg("s.web.web")["Pods"], [])
        self.err("PATCH", "/api/podgroups?name=s.web.web&cmd=replica", status=400)
        self.err("PATCH", "/api/podgroups?name=s.web.web&num_instances=-1&cmd=replica", status=400)
        self.err("PATCH", "/api/podgroups?name=s.web.web&num_instances=x&cmd=replica", status=400)
        self.err("PATCH", "/api/podgroups?name=s.web.web&cmd=bogus", status=400)
        self.err("PATCH", "/api/podgroups?name=nope&num_instances=1&cmd=replica", status=404)

    def test_spec_update(self):
        before = self.deploy("u.web.web", "u", 2)
        old_ids = [p["Containers"][0]["Id"] for p in before["Pods"]]
        pod = before["Spec"]["Pod"]           # what console does: read, change, send back
        for c in pod["Containers"]:
            c["MemoryLimit"] = 268435456
            c["CpuLimit"] = 2
        self.pause()
        self.ok("PATCH", "/api/podgroups?name=u.web.web&cmd=spec", pod)
        doc = self.pg("u.web.web")
        self.assertEqual(doc["Spec"]["Pod"]["Version"], 1)
        self.assertEqual(doc["Spec"]["Pod"]["Containers"][0]["MemoryLimit"], 268435456)
        self.assertEqual(doc["Spec"]["Pod"]["Labels"], {"team": "a"})
        self.assertEqual(doc["Spec"]["Pod"]["HealthConfig"]["cmd"], "curl -f localhost")
        self.assertEqual(doc["Spec"]["NumInstances"], 2)
        self.err("PATCH", "/api/podgroups?name=u.web.web&cmd=spec", pod, status=423)
        self.pause(False)
        self.idle()
        doc = self.pg("u.web.web")
        new_ids = [p["Containers"][0]["Id"] for p in doc["Pods"]]
        self.assertEqual(len(new_ids), 2)
        self.assertFalse(set(new_ids) & set(old_ids), "rolled to new containers")
        self.assertEqual(doc["Pods"][0]["Containers"][0]["Runtime"]["Name"], "/u.web.web.v1-i1-d0")
        self.assertEqual(doc["Pods"][0]["Containers"][0]["Runtime"]["HostConfig"]["Memory"], 268435456)
        self.err("PATCH", "/api/podgroups?name=u.web.web&cmd=spec", raw=b"nope", status=400)
        self.err("PATCH", "/api/podgroups?name=u.web.web&cmd=spec", {"Name": "u.web.web", "Namespace": "u"},
                 status=400)
        self.err("PATCH", "/api/podgroups?name=nope&cmd=spec", pod, status=404)
        pod = pod_spec("u.web.web", "u", deps=["missing.portal.p"])
        self.err("PATCH", "/api/podgroups?name=u.web.web&cmd=spec", pod, status=405)

    def test_operation_and_history(self):
        doc = self.deploy("o.web.web", "o", 2)
        cid = doc["Pods"][1]["Containers"][0]["Id"]
        self.pause()
        self.ok("PATCH", "/api/podgroups?name=o.web.web&instance=2&cmd=operation&optype=stop")
        self.err("PATCH", "/api/podgroups?name=o.web.web&instance=1&cmd=operation&optype=stop", status=423)
        self.pause(False)
        self.idle()
        pods = self.pg("o.web.web")["Pods"]
        self.assertIs(pods[0]["Containers"][0]["Runtime"]["State"]["Running"], True)
        self.assertIs(pods[1]["Containers"][0]["Runtime"]["State"]["Running"], False)
        self.assertEqual(pods[1]["TargetState"], 1)
        self.assertEqual(pods[1]["Containers"][0]["Id"], cid, "same container")
        self.ok("PATCH", "/api/podgroups?name=o.web.web&instance=2&cmd=operation&optype=start")
        self.idle()
        self.assertIs(self.pg("o.web.web")["Pods"][1]["Containers"][0]["Runtime"]["State"]["Running"], True)
        started = self.pg("o.web.web")["Pods"][0]["Containers"][0]["Runtime"]["State"]["StartedAt"]
        self.ok("PATCH", "/api/podgroups?name=o.web.web&cmd=operation&optype=restart")  # all instances
        self.idle()
        self.assertNotEqual(self.pg("o.web.web")["Pods"][0]["Containers"][0]["Runtime"]["State"]["StartedAt"],
                            started)
        self.ok("PATCH", "/api/podgroups?name=o.web.web&instance=1&cmd=operation&optype=dance")  # noop
        self.err("PATCH", "/api/podgroups?name=o.web.web&instance=3&cmd=operation&optype=stop", status=500)
        self.err("PATCH", "/api/podgroups?name=o.web.web&instance=x&cmd=operation&optype=stop", status=400)
        self.err("PATCH", "/api/podgroups?name=nope&instance=1&cmd=operation&optype=stop", status=404)
        self.idle()
        hist = self.ok("GET", "/api/cntstatushistory?name=o.web.web&instance=2", status=200)
        self.assertEqual([h["action"] for h in hist], ["create", "start", "die", "stop", "start", "die",
                                                       "start", "restart"])
        for h in hist:
            self.assertEqual(set(h), {"status", "from", "time", "action"})
            self.assertEqual(h["from"], "registry.lain.local/o:release-%s node:node1" % VERSION)
            self.assertIsInstance(h["time"], int)
        self.assertIsNone(self.ok("GET", "/api/cntstatushistory?name=nope&instance=1", status=200))
        self.err("GET", "/api/cntstatushistory?name=o.web.web", status=400)
        self.err("GET", "/api/cntstatushistory?instance=1", status=400)

    def test_delete(self):
        self.deploy("d.worker.w", "d", 1, annot=annotation([(9501, 8000)]))
        self.assertEqual(len(self.ok("GET", "/api/ports", status=200)), 1)
        self.pause()
        doc = self.ok("DELETE", "/api/podgroups?name=d.worker.w")
        self.assertEqual(doc["check_url"], "/api/podgroups?name=d.worker.w")
        self.pg("d.worker.w")  # still there while removing
        self.err("POST", "/api/podgroups", pg_spec("d.worker.w", "d"), status=500, message="is removing")
        self.err("DELETE", "/api/podgroups?name=d.worker.w", status=500)
        self.err("PATCH", "/api/podgroups?name=d.worker.w&num_instances=1&cmd=replica", status=423)
        self.pause(False)
        self.idle()
        self.err("GET", "/api/podgroups?name=d.worker.w", status=404)
        self.assertIsNone(self.ok("GET", "/api/ports", status=200))
        self.err("DELETE", "/api/podgroups?name=d.worker.w", status=404)
        self.err("DELETE", "/api/podgroups", status=400)
        # locked while another operation runs
        self.pause()
        self.ok("POST", "/api/podgroups", pg_spec("d2.web.web", "d2"))
        self.err("DELETE", "/api/podgroups?name=d2.web.web", status=423, message="Deploy")
        self.ok("POST", "/__fake/reset", status=200)   # reset resumes too
        self.assertIs(self.ok("GET", "/__fake/state", status=200)["paused"], False)

    # -- ports ----------------------------------------------------------------
    def test_ports(self):
        st, doc, r = self.req("GET", "/api/ports")
        self.assertEqual((st, doc), (200, None))   # Go's nil slice
        self.assertIsNone(self.ok("POST", "/api/ports?cmd=validate", {"Ports": [9501, 9502]}, status=200))
        self.deploy("p.worker.tcp", "p", 1, annot=annotation([(9501, 8000), (9502, 8001)]))
        ports = self.ok("GET", "/api/ports", status=200)
        self.assertEqual(ports, [
            {"srcport": 9501, "dstport": 8000, "proto": "tcp", "NameSpace": "p", "ProcName": "p.worker.tcp"},
            {"srcport": 9502, "dstport": 8001, "proto": "tcp", "NameSpace": "p", "ProcName": "p.worker.tcp"}])
        doc = self.err("POST", "/api/ports?cmd=validate", {"Ports": [9502, 9503, 9501]}, status=400)
        self.assertEqual(doc["message"], "Conflicted ports: [9502 9501]")
        self.assertIsNone(self.ok("POST", "/api/ports?cmd=validate", {"ports": [9503]}, status=200))
        self.err("POST", "/api/ports", {"Ports": [9503]}, status=400)
        self.err("POST", "/api/ports?cmd=validate", raw=b"[", status=400)
        # a second podgroup that wants a taken port never starts
        doc = self.deploy("q.worker.tcp", "q", 1, annot=annotation([(9501, 80)]))
        self.assertIn("some ports like [9501] were alerady in used", doc["LastError"])
        self.assertIs(doc["Pods"][0]["Containers"][0]["Runtime"]["State"]["Running"], False)

    # -- depends (portals) ------------------------------------------------------
    def test_depends(self):
        portal = "redis.portal.portal-redis"
        self.err("GET", "/api/depends", status=400)
        self.err("GET", "/api/depends?name=" + portal, status=404, message="DependencyPod not existed")
        doc = self.ok("POST", "/api/depends", pod_spec(portal, "redis"))
        self.assertEqual(doc["check_url"], "/api/depends?name=" + portal)
        self.err("POST", "/api/depends", pod_spec(portal, "redis"), status=405, message="already existed")
        self.err("POST", "/api/depends", raw=b"{", status=400)
        self.err("POST", "/api/depends", {"Name": "x", "Namespace": "y"}, status=400)
        doc = self.ok("GET", "/api/depends?name=" + portal, status=200)
        self.assertEqual(set(doc), {"Spec", "Pods"})
        self.assertEqual(doc["Pods"], {})
        self.assertEqual(doc["Spec"]["Name"], portal)
        # two client apps: one portal pod (instance 0) per client namespace
        self.deploy("hello.web.web", "hello", 2, deps=[portal])
        self.deploy("other.web.web", "other", 1, deps=[portal])
        doc = self.ok("GET", "/api/depends?name=" + portal, status=200)
        self.assertEqual(sorted(doc["Pods"]), ["hello", "other"])
        p = doc["Pods"]["hello"][0]
        self.assertEqual(p["InstanceNo"], 0)
        self.assertIs(p["Containers"][0]["Runtime"]["State"]["Running"], True)
        self.assertEqual(p["Containers"][0]["Runtime"]["HostConfig"]["NetworkMode"], portal + "_hello")
        old_id = p["Containers"][0]["Id"]
        # PUT: rolling upgrade of the running copies
        self.ok("PUT", "/api/depends", pod_spec(portal, "redis", memory=64 << 20))
        self.idle()
        doc = self.ok("GET", "/api/depends?name=" + portal, status=200)
        self.assertEqual(doc["Spec"]["Version"], 1)
        self.assertNotEqual(doc["Pods"]["hello"][0]["Containers"][0]["Id"], old_id)
        self.err("PUT", "/api/depends", pod_spec("nope.portal.p", "nope"), status=404)
        self.err("PUT", "/api/depends", raw=b"x", status=400)
        # referenced: refused without force
        self.err("DELETE", "/api/depends?name=" + portal, status=400, message="still used")
        self.ok("DELETE", "/api/podgroups?name=other.web.web")
        self.idle()
        doc = self.ok("GET", "/api/depends?name=" + portal, status=200)
        self.assertEqual(sorted(doc["Pods"]), ["hello"])
        self.ok("DELETE", "/api/depends?name=%s&force=true" % portal)
        self.err("GET", "/api/depends?name=" + portal, status=404)
        self.err("DELETE", "/api/depends?name=" + portal, status=404)
        self.err("DELETE", "/api/depends", status=400)

    # -- transport --------------------------------------------------------------
    def test_keepalive_and_chunked(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            for _ in range(3):
                conn.request("GET", "/api/status")
                r = conn.getresponse()
                self.assertEqual(r.status, 200)
                r.read()
            body = json.dumps(pg_spec("c.web.web", "c")).encode()
            conn.request("POST", "/api/podgroups", body=iter([body[:10], body[10:]]),
                         headers={"Transfer-Encoding": "chunked"}, encode_chunked=True)
            r = conn.getresponse()
            self.assertEqual(r.status, 202, r.read())
        finally:
            conn.close()

    # -- failure injection and control ----------------------------------------
    def test_fail_error500_count_match_method(self):
        self.ok("POST", "/__fake/fail", {"mode": "error500", "match": "/api/podgroups", "count": 2}, status=200)
        self.ok("GET", "/api/status", status=200)   # other paths unaffected
        self.err("GET", "/api/podgroups?name=x", status=500, message="HTTP Error Code: 500")
        self.err("POST", "/api/podgroups", pg_spec("f.web.web", "f"), status=500)
        self.err("GET", "/api/podgroups?name=f.web.web", status=404)   # the POST was not applied
        self.ok("POST", "/__fake/fail", {"mode": "error500", "method": "PATCH", "count": -1}, status=200)
        self.ok("GET", "/api/status", status=200)
        for _ in range(3):
            self.err("PATCH", "/api/status", {"status": "stop"}, status=500)
        self.ok("POST", "/__fake/fail", {"mode": "none"}, status=200)
        self.ok("PATCH", "/api/status", {"status": "stop"})
        self.ok("POST", "/__fake/fail", {"mode": "error500", "match": "/api/podgroups",
                                         "query": "name=g.web", "count": -1}, status=200)
        self.err("GET", "/api/podgroups?name=f.web.web", status=404)   # another podgroup: no rule
        self.err("GET", "/api/podgroups?name=g.web.web", status=500)
        self.ok("POST", "/__fake/fail", {"mode": "none"}, status=200)
        self.ok("POST", "/__fake/fail", {"mode": "error500", "path": "/api/depends", "count": -1}, status=200)
        self.err("GET", "/api/depends?name=x", status=500)
        self.ok("POST", "/__fake/reset", status=200)
        self.err("GET", "/api/depends?name=x", status=404)

    def test_fail_down(self):
        self.ok("POST", "/__fake/fail", {"mode": "down"}, status=200)
        with self.assertRaises((ConnectionError, http.client.HTTPException)):
            self.req("GET", "/api/status")
        self.ok("GET", "/api/status", status=200)   # count 1: only the next call

    def test_fail_slow_and_locked(self):
        self.ok("POST", "/__fake/fail", {"mode": "slow", "delay": 0.5, "match": "/api/status"}, status=200)
        t0 = time.time()
        self.ok("GET", "/api/status", status=200)
        self.assertGreaterEqual(time.time() - t0, 0.5)
        with self.assertRaises(OSError):   # a client with a shorter timeout gives up
            self.ok("POST", "/__fake/fail", {"mode": "slow", "delay": 1.0}, status=200)
            self.req("GET", "/api/status", timeout=0.3)
        self.ok("POST", "/__fake/reset", status=200)
        self.ok("POST", "/__fake/fail", {"mode": "locked"}, status=200)
        self.err("DELETE", "/api/podgroups?name=x", status=423, message="is progressing")
        self.err("POST", "/__fake/fail", {"mode": "explode"}, status=400)

    def test_calls_in_flight(self):
        """Each logged call says how many were being answered when it came."""
        self.ok("POST", "/__fake/fail", {"mode": "slow", "delay": 1.0, "match": "/api/status",
                                         "count": -1}, status=200)
        self.ok("DELETE", "/__fake/calls", status=200)
        threads = [threading.Thread(target=self.req, args=("GET", "/api/status")) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.ok("POST", "/__fake/fail", {"mode": "none"}, status=200)
        self.req("GET", "/api/status")
        calls = self.ok("GET", "/__fake/calls", status=200)["calls"]
        self.assertEqual(sorted(c["in_flight"] for c in calls[:3]), [1, 2, 3])
        self.assertEqual(calls[3]["in_flight"], 1)

    def test_calls_log_and_state(self):
        self.ok("POST", "/api/podgroups", pg_spec("l.web.web", "l"))
        self.ok("GET", "/api/podgroups?name=l.web.web&force_update=false", status=200)
        calls = self.ok("GET", "/__fake/calls", status=200)["calls"]
        self.assertEqual([(c["method"], c["path"], c["status"]) for c in calls],
                         [("POST", "/api/podgroups", 202), ("GET", "/api/podgroups", 200)])
        self.assertEqual(calls[0]["body"]["Name"], "l.web.web")
        self.assertEqual(calls[1]["query"], "name=l.web.web&force_update=false")
        self.assertEqual(calls[1]["params"], {"name": "l.web.web", "force_update": "false"})
        self.assertIsNone(calls[1]["body"])
        since = calls[-1]["seq"]
        self.ok("GET", "/api/status", status=200)
        self.assertEqual([c["path"] for c in self.ok("GET", "/__fake/calls?since=%d" % since,
                                                     status=200)["calls"]], ["/api/status"])
        self.ok("DELETE", "/__fake/calls", status=200)
        self.assertEqual(self.ok("GET", "/__fake/calls", status=200)["calls"], [])
        state = self.ok("GET", "/__fake/state", status=200)
        self.assertEqual(state["status"], "started")
        self.assertIn("l.web.web", state["podgroups"])
        # changing the delay at run time
        self.ok("POST", "/__fake/config", {"schedule_delay": 0.0}, status=200)
        self.ok("POST", "/api/podgroups", pg_spec("z.web.web", "z"))
        self.idle()
        self.assertTrue(self.pg("z.web.web")["Pods"])
        self.ok("POST", "/__fake/config", {"schedule_delay": DELAY}, status=200)
        # reset forgets everything
        self.ok("POST", "/__fake/reset", status=200)
        self.err("GET", "/api/podgroups?name=l.web.web", status=404)
        self.err("GET", "/__fake/nothing", status=404)

    # -- pod fates: pods of an image that do not come up (health-gated deploys) --
    BAD = "1500000000-" + "b" * 40

    def history(self, name, instance=1):
        return [e["action"] for e in self.ok("GET", "/api/cntstatushistory?name=%s&instance=%d" % (name, instance),
                                             status=200) or []]

    def test_fate_control(self):
        self.assertEqual(self.ok("GET", "/__fake/pods", status=200), {"fates": []})
        doc = self.ok("POST", "/__fake/pods", {"image": self.BAD, "fate": "exit", "after": 0.5, "exit_code": 3},
                      status=200)
        self.assertEqual(doc["fates"], [{"image": self.BAD, "fate": "exit", "after": 0.5, "exit_code": 3}])
        self.ok("POST", "/__fake/pods", {"image": "other:tag", "fate": "pending"}, status=200)
        self.assertEqual([f["fate"] for f in self.ok("GET", "/__fake/state", status=200)["pod_fates"]],
                         ["exit", "pending"])
        for bad in ({"fate": "pending"}, {"image": "", "fate": "pending"}, {"image": "x", "fate": "sad"},
                    {"image": "x", "fate": "exit", "after": 0}, {"image": "x", "fate": "exit", "after": "1"},
                    {"image": "x", "fate": "exit", "exit_code": 256}, {"image": "x", "fate": "exit", "bogus": 1}):
            self.err("POST", "/__fake/pods", bad, status=400)
        self.assertEqual(self.ok("DELETE", "/__fake/pods", status=200), {"fates": []})
        self.ok("POST", "/__fake/pods", {"image": "x", "fate": "pending"}, status=200)
        self.ok("POST", "/__fake/reset", status=200)
        self.assertEqual(self.ok("GET", "/__fake/pods", status=200), {"fates": []})
        # a call of the real API is not logged as a control one
        self.assertEqual(self.ok("GET", "/__fake/calls", status=200)["calls"], [])

    def test_fate_pending_forever_then_rollback(self):
        good = self.deploy("p.web.web", "p", 2)
        self.ok("POST", "/__fake/pods", {"image": "release-" + self.BAD, "fate": "pending"}, status=200)
        # the running version is untouched by a rule made later
        self.assertTrue(all(pod["Containers"][0]["Runtime"]["State"]["Running"] for pod in self.pg("p.web.web")["Pods"]))
        bad_pod = pod_spec("p.web.web", "p", image="registry.lain.local/p:release-" + self.BAD)
        self.ok("PATCH", "/api/podgroups?name=p.web.web&cmd=spec", bad_pod)
        self.idle()
        doc = self.pg("p.web.web")
        self.assertEqual(len(doc["Pods"]), 2)
        for pod in doc["Pods"]:
            c = pod["Containers"][0]
            self.assertEqual((c["Id"], c["Runtime"]["State"]["Running"]), ("", False))
            self.assertEqual((pod["State"], pod["LastError"], pod["Healthst"]), (0, "", 0))
        self.assertEqual((doc["State"], doc["LastError"]), (0, ""))
        # scaling adds more of the same
        self.ok("PATCH", "/api/podgroups?name=p.web.web&cmd=replica&num_instances=3")
        self.idle()
        self.assertEqual([pod["State"] for pod in self.pg("p.web.web")["Pods"]], [0, 0, 0])
        # going back to the good image: running again
        self.ok("PATCH", "/api/podgroups?name=p.web.web&cmd=spec", good["Spec"]["Pod"])
        self.idle()
        doc = self.pg("p.web.web")
        self.assertEqual([pod["Containers"][0]["Runtime"]["State"]["Running"] for pod in doc["Pods"]], [True] * 3)
        self.assertEqual(doc["State"], 2)
        # a group of another image is not concerned
        self.assertTrue(self.deploy("q.web.web", "q")["Pods"][0]["Containers"][0]["Runtime"]["State"]["Running"])

    def test_fate_unhealthy(self):
        self.ok("POST", "/__fake/pods", {"image": self.BAD, "fate": "unhealthy"}, status=200)
        doc = self.deploy("h.web.web", "h", 2, image="registry.lain.local/h:release-" + self.BAD)
        for pod in doc["Pods"]:
            st = pod["Containers"][0]["Runtime"]["State"]
            self.assertTrue(st["Running"])
            self.assertEqual(st["Health"]["Status"], "unhealthy")
            self.assertEqual((pod["State"], pod["Healthst"]), (2, 3))
        self.assertEqual(doc["Healthst"], 3)

    def test_fate_exit(self):
        self.ok("POST", "/__fake/pods", {"image": self.BAD, "fate": "exit", "after": 0.3, "exit_code": 3},
                status=200)
        self.deploy("e.web.web", "e", 2, image="registry.lain.local/e:release-" + self.BAD)
        doc = self.wait(lambda: (lambda d: d if all(p["State"] == 3 for p in d["Pods"]) else None)(self.pg("e.web.web")))
        for pod in doc["Pods"]:
            st = pod["Containers"][0]["Runtime"]["State"]
            self.assertEqual((st["Running"], st["Status"], st["ExitCode"]), (False, "exited", 3))
            self.assertNotEqual(st["FinishedAt"], "0001-01-01T00:00:00Z")
            self.assertEqual(pod["TargetState"], 0)     # meant to run
        self.assertEqual(doc["State"], 3)
        self.assertEqual(self.history("e.web.web"), ["create", "start", "die"])
        # started again, it runs and then dies again
        self.ok("PATCH", "/api/podgroups?name=e.web.web&cmd=operation&optype=start&instance=1")
        self.idle()
        self.wait(lambda: self.history("e.web.web") == ["create", "start", "die", "start", "die"])
        # stopped by an operation, a pod is not a casualty of its fate
        self.ok("PATCH", "/api/podgroups?name=e.web.web&cmd=operation&optype=stop&instance=2")
        self.idle()
        self.assertEqual(self.pg("e.web.web")["Pods"][1]["TargetState"], 1)

    def test_fate_restarting(self):
        self.ok("POST", "/__fake/pods", {"image": "release-" + self.BAD, "fate": "restarting", "after": 0.2},
                status=200)
        first = self.deploy("r.web.web", "r", 1, image="registry.lain.local/r:release-" + self.BAD)
        started = first["Pods"][0]["Containers"][0]["Runtime"]["State"]["StartedAt"]
        pod = self.wait(lambda: (lambda p: p if p["RestartCount"] >= 2 else None)(self.pg("r.web.web")["Pods"][0]))
        st = pod["Containers"][0]["Runtime"]["State"]
        self.assertTrue(st["Running"])
        self.assertNotEqual(st["StartedAt"], started)
        self.assertEqual(pod["RestartAt"], st["StartedAt"])
        self.assertEqual(pod["Containers"][0]["Id"], first["Pods"][0]["Containers"][0]["Id"])
        events = self.history("r.web.web")
        self.assertEqual(events[:2], ["create", "start"])
        self.assertGreaterEqual(events.count("restart"), 2)
        self.assertEqual(events[2:5], ["die", "start", "restart"])
        # the count only grows
        self.wait(lambda: self.pg("r.web.web")["Pods"][0]["RestartCount"] > pod["RestartCount"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
