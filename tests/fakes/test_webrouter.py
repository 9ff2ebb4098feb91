#!/usr/bin/env python3
"""Self-test of tests/fakes/webrouter: starts it on a free loopback port and
drives the ABTestingGateway admin actions the console uses (§7.3), the
rule checks of each divtype, the state they keep, the call log and the
failure rules over HTTP."""

import json
import os
import signal
import sys
import threading
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakehttp  # noqa: E402
import fakeproc  # noqa: E402

UIDSUFFIX = {"divtype": "uidsuffix", "divdata": [{"suffix": "1", "upstream": "beta1"},
                                                 {"suffix": 3, "upstream": "beta2"}]}
UIDAPPOINT = {"divtype": "uidappoint", "divdata": [{"uidset": [1234, "5124"], "upstream": "beta1"}]}
IPRANGE = {"divtype": "iprange", "divdata": [{"range": {"start": 3333, "end": 4444}, "upstream": "beta2"},
                                             {"range": {"start": 1111, "end": 2222}, "upstream": "beta1"}]}
UIDRANGE = {"divtype": "uidrange", "divdata": [{"range": {"start": 1, "end": 100}, "upstream": "beta1"}]}


def ranges(kind, *spans, upstream="u"):
    return {"divtype": kind, "divdata": [{"range": {"start": a, "end": b}, "upstream": upstream}
                                         for a, b in spans]}


class WebrouterFakeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc, cls.base = fakeproc.start("webrouter", ["--port", "0"])

    @classmethod
    def tearDownClass(cls):
        fakeproc.stop(cls.proc)

    def setUp(self):
        self.assertEqual(self.call("POST", "/__fake/reset")[0], 200)

    def call(self, method, path, body=None, raw=None):
        return fakehttp.request(self.base, method, path, body=body, raw=raw)

    def ab(self, action, body=None, raw=None, **params):
        """(code, desc, data) of one admin call; the HTTP status must be 200."""
        q = urllib.parse.urlencode(dict(params, action=action) if action is not None else params)
        st, h, doc = self.call("POST", "/ab_admin?" + q, body=body, raw=raw)
        self.assertEqual(st, 200, doc)
        self.assertEqual(h["content-type"], "application/json")
        return doc["code"], doc["desc"], doc.get("data")

    def state(self):
        return self.call("GET", "/__fake/state")[2]

    def calls(self):
        return self.call("GET", "/__fake/calls")[2]["calls"]

    # -- the console's path: check, set, bind, look, unbind, delete --------------
    def test_canary_policy_group_lifecycle(self):
        rules = {"1": UIDAPPOINT, "2": IPRANGE}
        self.assertEqual(self.ab("policygroup_check", rules), (200, "success ", None))
        self.assertEqual(self.state()["groups"], {})      # a check stores nothing
        code, desc, data = self.ab("policygroup_set", rules)
        self.assertEqual((code, data), (200, {"groupid": 0, "group": [0, 1]}))
        code, _, data = self.ab("policygroup_set", {"1": UIDSUFFIX})
        self.assertEqual(data, {"groupid": 1, "group": [2]})
        self.assertEqual(self.ab("policygroup_get", policygroupid=0)[2], {"groupid": 0, "group": [0, 1]})
        # bind two hostnames (mountpoints with "/" made ".") to group 0
        for host in ("hello.lain.local", "hello.lain.local.api"):
            self.assertEqual(self.ab("runtime_set", policygroupid=0, hostname=host)[:2], (200, "success "))
        code, _, data = self.ab("runtime_get", hostname="hello.lain.local")
        self.assertEqual(code, 200)
        self.assertEqual(data, {"divsteps": 2, "runtimegroup": {
            "first": {"divModulename": "abtesting.diversion.uidappoint", "divDataKey": "ab:policies:0:divdata",
                      "userInfoModulename": "abtesting.userinfo.uidParser"},
            "second": {"divModulename": "abtesting.diversion.iprange", "divDataKey": "ab:policies:1:divdata",
                       "userInfoModulename": "abtesting.userinfo.ipParser"}}})
        st = self.state()
        self.assertEqual(st["runtime"]["hello.lain.local"]["policygroupid"], 0)
        self.assertEqual(st["runtime"]["hello.lain.local"]["policies"], [0, 1])
        self.assertEqual(st["policies"]["1"], {"divtype": "iprange", "divdata": IPRANGE["divdata"]})
        # rebinding replaces, divsteps limits
        self.ab("runtime_set", policygroupid=0, hostname="hello.lain.local", divsteps=1)
        self.assertEqual(self.ab("runtime_get", hostname="hello.lain.local")[2]["divsteps"], 1)
        self.ab("runtime_set", policygroupid=1, hostname="hello.lain.local")
        self.assertEqual(self.state()["runtime"]["hello.lain.local"]["policygroupid"], 1)
        # undeploy: unbind every mountpoint, then delete the group
        for host in ("hello.lain.local", "hello.lain.local.api"):
            self.assertEqual(self.ab("runtime_del", hostname=host)[0], 200)
        self.assertEqual(self.ab("runtime_get", hostname="hello.lain.local")[2],
                         {"divsteps": 0, "runtimegroup": {}})
        self.assertEqual(self.ab("policygroup_del", policygroupid=0)[0], 200)
        st = self.state()
        self.assertEqual((st["groups"], sorted(st["policies"]), st["runtime"]), ({"1": [2]}, ["2"], {}))
        # ids are never reused
        self.assertEqual(self.ab("policygroup_set", [UIDRANGE])[2], {"groupid": 2, "group": [3]})
        # the gateway's quirks: unknown ids succeed, an empty group is {}
        self.assertEqual(self.ab("policygroup_del", policygroupid=77)[0], 200)
        self.assertEqual(self.ab("runtime_del", hostname="never.bound")[0], 200)
        self.assertEqual(self.ab("policygroup_get", policygroupid=77)[2], {"groupid": 77, "group": {}})

    def test_delete_leaves_bindings_as_the_gateway_does(self):
        self.ab("policygroup_set", {"1": UIDSUFFIX})
        self.ab("runtime_set", policygroupid=0, hostname="h")
        self.ab("policygroup_del", policygroupid=0)
        st = self.state()
        self.assertEqual(st["groups"], {})
        self.assertEqual(st["runtime"]["h"]["policies"], [0])      # dangling: a test can see it

    def test_runtime_set_errors(self):
        self.ab("policygroup_set", {"1": UIDSUFFIX})
        self.ab("runtime_set", policygroupid=0, hostname="h")
        bad_id = (50104, "parameter type error for policyId or policyGroupid invalid", None)
        self.assertEqual(self.ab("runtime_set", hostname="h"), bad_id)
        self.assertEqual(self.ab("runtime_set", hostname="h", policygroupid=-1), bad_id)
        self.assertEqual(self.ab("runtime_set", hostname="h", policygroupid="x"), bad_id)
        self.assertEqual(self.ab("runtime_set", policygroupid=0),
                         (50104, "parameter type error for arg hostname invalid: ", None))
        self.assertEqual(self.ab("runtime_set", policygroupid=0, hostname=""),
                         (50104, "parameter type error for arg hostname invalid: ", None))
        self.assertEqual(self.state()["runtime"]["h"]["policygroupid"], 0)
        # an unknown group or too many steps: the old binding is gone already
        self.assertEqual(self.ab("runtime_set", policygroupid=5, hostname="h"),
                         (50104, "parameter type error for blank policyGroupId", None))
        self.assertEqual(self.state()["runtime"], {})
        self.ab("runtime_set", policygroupid=0, hostname="h")
        self.assertEqual(self.ab("runtime_set", policygroupid=0, hostname="h", divsteps=2),
                         (50104, "parameter type error for divsteps is deeper than policyGroupID", None))
        self.assertEqual(self.state()["runtime"], {})
        # one policy instead of a group
        self.assertEqual(self.ab("runtime_set", policyid=0, hostname="h")[0], 200)
        self.assertEqual(self.state()["runtime"]["h"], {
            "policyid": 0, "divsteps": 1, "policies": [0], "runtimegroup": {"first": {
                "divModulename": "abtesting.diversion.uidsuffix", "divDataKey": "ab:policies:0:divdata",
                "userInfoModulename": "abtesting.userinfo.uidParser"}}})
        self.assertEqual(self.ab("runtime_set", policyid=9, hostname="h"),
                         (50401, "policy contains no data policy NO 9", None))
        for action in ("runtime_get", "runtime_del"):
            self.assertEqual(self.ab(action)[:2], (50104, "parameter type error for arg hostname invalid: "))
        for action in ("policygroup_get", "policygroup_del"):
            self.assertEqual(self.ab(action, policygroupid="x")[:2],
                             (50104, "parameter type error for policyGroupId invalid"))

    # -- what the gateway refuses ------------------------------------------------
    def refused(self, rules, code, desc, raw=None):
        for action in ("policygroup_check", "policygroup_set"):
            self.assertEqual(self.ab(action, rules, raw=raw), (code, desc, None), (action, rules))
        self.assertEqual(self.state()["groups"], {})
        self.assertEqual(self.state()["next_policy_id"], 0)

    def test_group_shape_errors(self):
        self.refused(None, 50101, "expected parameter for request_body or post data")
        self.refused(None, 50102, "parameter error for postData is not a json string", raw=b"{nope")
        self.refused({}, 50101, "expected parameter for blank policy group")
        self.refused({"x": UIDSUFFIX}, 50102, "parameter error for policyGroup error")
        self.refused({"1": "uidsuffix"}, 50102, "parameter error for policyGroup error")
        self.refused({"1": {"divtype": "uidsuffix"}}, 50101, "expected parameter for policy divtype or policy divdata")
        self.refused({"1": {"divdata": []}}, 50101, "expected parameter for policy divtype or policy divdata")
        self.refused({"1": {"divtype": "random", "divdata": []}}, 50104, "parameter type error for unsupported divtype")
        self.refused({"1": UIDSUFFIX, "1.0": UIDSUFFIX}, 50104,
                     "parameter type error for policy in policy group should not overlap")
        self.refused({"1": UIDSUFFIX, "3": UIDSUFFIX}, 50104,
                     "parameter type error for index of policy in policy_group should be one by one")
        self.refused({"0": UIDSUFFIX}, 50104,
                     "parameter type error for index of policy in policy_group should be one by one")
        # the NO. is the policy's index, divdata not a table is the gateway's Lua error
        self.refused({"1": UIDSUFFIX, "2": {"divtype": "uidsuffix", "divdata": "x"}}, 40201,
                     "lua runtime error bad argument #1 to 'pairs' (table expected) in divdata of policy NO.2")
        # a body that is no table makes the gateway's Lua fail unprotected: HTTP 500
        for raw in (b'"rules"', b"3", b"null"):
            st, h, _ = self.call("POST", "/ab_admin?action=policygroup_check", raw=raw)
            self.assertEqual((st, h["content-type"]), (500, "text/html"))
        # a list counts as keys 1..n
        self.assertEqual(self.ab("policygroup_set", [UIDSUFFIX, UIDAPPOINT])[2], {"groupid": 0, "group": [0, 1]})

    def test_divtype_rules(self):
        def check(policy):
            return self.ab("policygroup_check", {"1": policy})[:2]

        ok = (200, "success ")
        invalid = "policies invalid for policy NO.1 "
        for p in (UIDSUFFIX, UIDAPPOINT, IPRANGE, UIDRANGE,
                  {"divtype": "uidsuffix", "divdata": [{"suffix": "0x9", "upstream": "b"}]},
                  {"divtype": "uidsuffix", "divdata": []},
                  {"divtype": "uidsuffix", "divdata": {"a": {"suffix": 0, "upstream": "b"}}},
                  {"divtype": "arg_city", "divdata": [{"city": "BJ0101", "upstream": "b"}]},
                  {"divtype": "url", "divdata": [{"url": "/a/b", "upstream": "b"}]},
                  ranges("iprange", (1, 1), (2, 2))):
            self.assertEqual(check(p), ok, p)
        cases = [
            ({"divtype": "uidsuffix", "divdata": [{"suffix": 10, "upstream": "b"}]},
             "suffix is not between [0 and 10]"),
            ({"divtype": "uidsuffix", "divdata": [{"suffix": -1, "upstream": "b"}]},
             "suffix is not between [0 and 10]"),
            ({"divtype": "uidsuffix", "divdata": [{"suffix": "one", "upstream": "b"}]}, " need suffix and upstream"),
            ({"divtype": "uidsuffix", "divdata": [{"suffix": 1}]}, " need suffix and upstream"),
            ({"divtype": "uidsuffix", "divdata": [{"suffix": 1, "upstream": None}]}, " need suffix and upstream"),
            ({"divtype": "uidsuffix", "divdata": ["1"]}, " need suffix and upstream"),
            ({"divtype": "uidappoint", "divdata": [{"uidset": 5, "upstream": "b"}]}, " k_uidset or k_upstream error"),
            ({"divtype": "uidappoint", "divdata": [{"uidset": [1]}]}, " k_uidset or k_upstream error"),
            ({"divtype": "uidappoint", "divdata": [{"uidset": [1, "bob"], "upstream": "b"}]}, "uid invalid "),
            ({"divtype": "iprange", "divdata": []}, "policy is blank"),
            (ranges("iprange", (1, 10), (10, 20)), "iprange overlapped"),
            (ranges("uidrange", (50, 60), (1, 55)), "uidrange overlapped"),
            (ranges("uidrange", (9, 1)), "range error for start < end"),
            (ranges("iprange", (1, 2), upstream=7), "upstream invalid"),
            ({"divtype": "arg_city", "divdata": [{"upstream": "b"}]}, " need city and upstream"),
            ({"divtype": "url", "divdata": [{"url": "/a"}]}, " need url and upstream"),
        ]
        for policy, why in cases:
            self.assertEqual(check(policy), (50201, invalid + why), policy)
        self.assertEqual(check({"divtype": "iprange", "divdata": [{"range": {"start": "1", "end": 2},
                                                                   "upstream": "u"}]})[0], 40201)
        self.assertEqual(check({"divtype": "uidrange", "divdata": [{"upstream": "u"}]})[0], 40201)
        # the failing policy's own index is named
        self.assertEqual(self.ab("policygroup_check", {"1": UIDSUFFIX, "2": ranges("iprange", (2, 1))})[:2],
                         (50201, "policies invalid for policy NO.2 range error for start < end"))

    def test_actions_paths_and_methods(self):
        self.assertEqual(self.ab(None), (50406, "no action fetched from user req", None))
        self.assertEqual(self.ab("policy_set", UIDSUFFIX), (50501, "error during action of policy_set", None))
        self.assertEqual(self.ab("bogus"), (50501, "error during action of bogus", None))
        # any method reaches the action
        st, _, doc = self.call("GET", "/ab_admin?action=runtime_get&hostname=h")
        self.assertEqual((st, doc["code"]), (200, 200))
        st, h, text = self.call("GET", "/other")
        self.assertEqual((st, h["content-type"]), (404, "text/html"))
        self.assertIn("404 Not Found", text)

    # -- call log and failures ---------------------------------------------------
    def test_call_log(self):
        self.ab("policygroup_set", {"1": UIDSUFFIX})
        self.ab("runtime_set", policygroupid=0, hostname="h")
        self.ab("policygroup_check", {"1": {"divtype": "nope", "divdata": []}})
        self.state()
        calls = self.calls()
        self.assertEqual([(c["action"], c["code"], c["status"]) for c in calls],
                         [("policygroup_set", 200, 200), ("runtime_set", 200, 200), ("policygroup_check", 50104, 200)])
        self.assertEqual(calls[0]["body"], {"1": UIDSUFFIX})
        self.assertEqual(calls[1]["params"], {"action": "runtime_set", "policygroupid": "0", "hostname": "h"})
        self.assertEqual(calls[0]["path"], "/ab_admin")

    def test_fail_code_status_down_by_action(self):
        # the gateway's own failure: HTTP 200 with a code, nothing stored
        st, _, doc = self.call("POST", "/__fake/fail", {"code": 40101, "action": "policygroup_set", "count": 1})
        self.assertEqual(st, 200, doc)
        self.assertEqual(self.ab("policygroup_check", {"1": UIDSUFFIX})[0], 200)       # other action
        self.assertEqual(self.ab("policygroup_set", {"1": UIDSUFFIX}), (40101, "redis error for fake failure", None))
        self.assertEqual(self.state()["groups"], {})
        self.assertEqual(self.ab("policygroup_set", {"1": UIDSUFFIX})[2], {"groupid": 0, "group": [0]})
        # an HTTP failure: nginx's page
        self.call("POST", "/__fake/fail", {"status": 502, "action": "runtime_set"})
        st, h, text = self.call("POST", "/ab_admin?action=runtime_set&policygroupid=0&hostname=h")
        self.assertEqual((st, h["content-type"]), (502, "text/html"))
        self.assertIn("502 Bad Gateway", text)
        self.assertEqual(self.state()["runtime"], {})
        self.assertEqual(self.call("DELETE", "/__fake/fail")[2], {"rules": []})
        self.call("POST", "/__fake/fail", {"down": True, "count": 1})
        with self.assertRaises(OSError):
            self.ab("runtime_get", hostname="h")
        self.assertEqual([(c["action"], c["code"], c["status"]) for c in self.calls()],
                         [("policygroup_check", 200, 200), ("policygroup_set", 40101, 200),
                          ("policygroup_set", 200, 200), ("runtime_set", None, 502), ("runtime_get", None, 0)])
        for bad in ({"code": 200}, {"code": "x"}, {"action": 1, "status": 500}, {"action": "runtime_set"},
                    {"status": 500, "groupid": 1}):
            self.assertEqual(self.call("POST", "/__fake/fail", bad)[0], 400, bad)

    def test_delay_hangs_one_action(self):
        delay = 1.0
        self.call("POST", "/__fake/fail", {"delay": delay, "action": "policygroup_check", "count": 1})
        out = []
        slow = threading.Thread(target=lambda: out.append(self.ab("policygroup_check", {"1": UIDSUFFIX})))
        slow.start()
        got = self.ab("runtime_get", hostname="h")
        slow.join()
        self.assertEqual((out[0][0], got[0]), (200, 200))
        by_action = {c["action"]: c for c in self.calls()}
        hung, quick = by_action["policygroup_check"], by_action["runtime_get"]
        self.assertGreaterEqual(hung["done"] - hung["time"], delay)
        self.assertLess(quick["done"], hung["done"])


class LifecycleTest(unittest.TestCase):
    def test_sigterm_stops_it(self):
        proc, base = fakeproc.start("webrouter", ["--port", "0"])
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(5), 0)
        self.assertEqual(proc.stdout.read(), "")     # nothing after the first line
        proc.stdout.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
