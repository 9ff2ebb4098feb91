#!/usr/bin/env python3
"""Self-test of tests/fakes/sso: starts it on a free loopback port and drives
every endpoint, status and failure mode over HTTP."""

import base64
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakeproc  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "sso")
SEED = os.path.join(HERE, "sso-seed.json")
APPGROUP = "lainapp-lain-local-hello"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


class Resp:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body.decode())

    @property
    def location(self):
        return self.headers.get("Location")


def start_fake(state_file):
    return fakeproc.start("sso", ["--port", "0", "--seed", SEED, "--state-file", state_file])


def stop_fake(proc):
    fakeproc.stop(proc)


class SSOFakeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="test_sso.")
        cls.state_file = os.path.join(cls.tmp, "state.json")
        cls.proc, cls.base = start_fake(cls.state_file)

    @classmethod
    def tearDownClass(cls):
        stop_fake(cls.proc)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        r = self.req("POST", "/__fake/reset")
        self.assertEqual(r.status, 200)

    # -- helpers ------------------------------------------------------------
    def req(self, method, path, body=None, token=None, form=None, headers=None, timeout=5):
        data = None
        hdrs = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        if token:
            hdrs["Authorization"] = "Bearer " + token
        rq = urllib.request.Request(self.base + path, data=data, method=method, headers=hdrs)
        try:
            with OPENER.open(rq, timeout=timeout) as r:
                return Resp(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            with e:
                return Resp(e.code, e.headers, e.read())

    def login(self, user, password=None, client="3", redirect="https://example.com",
              scope="write:group", state="foobar"):
        q = urllib.parse.urlencode({"client_id": client, "response_type": "code",
                                    "scope": scope, "redirect_uri": redirect, "state": state})
        return self.req("POST", "/oauth2/auth?" + q,
                        form={"login": user, "password": password or user})

    def code_of(self, resp):
        self.assertEqual(resp.status, 302, resp.body)
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(resp.location).query)
        return q["code"][0]

    def token_for(self, user, scope="read:group write:group"):
        code = self.code_of(self.login(user, scope=scope))
        r = self.req("POST", "/oauth2/token", form={
            "grant_type": "authorization_code", "code": code, "client_id": "3",
            "client_secret": "lain-cli_admin", "redirect_uri": "https://example.com"})
        self.assertEqual(r.status, 200)
        return r.json()

    def mint(self, user, **kw):
        r = self.req("POST", "/__fake/token", dict(user=user, **kw))
        self.assertEqual(r.status, 200, r.body)
        return r.json()["access_token"]

    def make_app_group(self, owner="alice"):
        tok = self.mint(owner)
        r = self.req("POST", "/api/groups", {"name": APPGROUP, "fullname": "lain app: hello"},
                     token=tok)
        self.assertEqual(r.status, 201, r.body)
        r = self.req("PUT", "/api/groups/%s/group-members/lain" % APPGROUP,
                     {"role": "admin"}, token=tok)
        self.assertEqual(r.status, 200, r.body)
        return tok

    # -- router -------------------------------------------------------------
    def test_trailing_slash_redirects(self):
        r = self.req("GET", "/api/me/?x=1")
        self.assertEqual((r.status, r.location), (301, "/api/me?x=1"))
        r = self.req("POST", "/api/groups/", {"name": "x"})
        self.assertEqual((r.status, r.location), (307, "/api/groups"))
        r = self.req("DELETE", "/api/groups/lain/members/bob/")
        self.assertEqual((r.status, r.location), (307, "/api/groups/lain/members/bob"))
        r = self.req("HEAD", "/api/users/bob/")
        self.assertEqual(r.status, 301)

    def test_unknown_path_and_method(self):
        self.assertEqual(self.req("GET", "/nope").status, 404)
        self.assertEqual(self.req("GET", "/").status, 404)
        r = self.req("DELETE", "/api/me")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.headers["Allow"], "GET")

    def test_keep_alive(self):
        host, port = urllib.parse.urlsplit(self.base).netloc.split(":")
        c = http.client.HTTPConnection(host, int(port), timeout=5)
        try:
            for _ in range(3):
                c.request("GET", "/api/users/bob")
                r = c.getresponse()
                self.assertEqual(r.status, 200)
                r.read()
        finally:
            c.close()
        self.assertEqual(self.req("GET", "/__fake/state").json()["counts"]["GET /api/users/bob"], 3)

    # -- /oauth2/auth -------------------------------------------------------
    def test_auth_login_page(self):
        r = self.req("GET", "/oauth2/auth?client_id=3&response_type=code"
                     "&redirect_uri=https%3A%2F%2Fexample.com&state=s%22x")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["Content-Type"].startswith("text/html"))
        page = r.body.decode()
        self.assertIn('<form method="post" action="/oauth2/auth">', page)
        self.assertIn('name="password"', page)
        self.assertIn('name="state" value="s&quot;x"', page)   # escaped, carried on

    def test_auth_form_post_as_browser(self):
        # The login page's form posts everything in the body.
        r = self.req("POST", "/oauth2/auth", form={
            "client_id": "lain-console", "response_type": "code", "scope": "read:group",
            "redirect_uri": "https://127.0.0.1:8443/api/v1/authorize/", "state": "st",
            "login": "bob", "password": "bob"})
        self.assertEqual(r.status, 302)
        self.assertTrue(r.location.startswith("https://127.0.0.1:8443/api/v1/authorize/?code="))
        self.assertIn("state=st", r.location)

    def test_auth_password_check(self):
        r = self.login("alice")
        self.assertEqual(r.status, 302)
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(r.location).query)
        self.assertEqual(q["state"], ["foobar"])
        self.assertTrue(q["code"][0])
        self.assertTrue(r.location.startswith("https://example.com?"))
        # by e-mail too
        self.assertEqual(self.login("alice@lain.local", "alice").status, 302)
        bad = self.login("alice", "wrong")
        self.assertEqual(bad.status, 200)
        self.assertIsNone(bad.location)
        self.assertIn("wrong login or password", bad.body.decode())
        self.assertEqual(self.login("nobody").status, 200)

    def test_auth_bad_client_or_redirect(self):
        self.assertEqual(self.login("alice", client="99").status, 404)
        self.assertEqual(self.req("GET", "/oauth2/auth?response_type=code").status, 404)
        self.assertEqual(self.login("alice", redirect="https://evil.example").status, 400)
        self.assertEqual(self.login("alice", redirect="https://example.com.evil/x").status, 400)
        # a path below the registered one is accepted
        self.assertEqual(self.login("alice", redirect="https://example.com/cb").status, 302)
        r = self.req("GET", "/oauth2/auth?client_id=3&response_type=id_token&state=z")
        self.assertEqual(r.status, 302)
        self.assertIn("error=unsupported_response_type", r.location)

    def test_auth_implicit_token(self):
        q = "client_id=3&response_type=token&redirect_uri=https%3A%2F%2Fexample.com&state=s"
        r = self.req("POST", "/oauth2/auth?" + q, form={"login": "bob", "password": "bob"})
        self.assertEqual(r.status, 302)
        frag = urllib.parse.parse_qs(urllib.parse.urlsplit(r.location).fragment)
        self.assertEqual(frag["state"], ["s"])
        self.assertEqual(self.req("GET", "/api/me", token=frag["access_token"][0]).json()["name"],
                         "bob")

    # -- /oauth2/token ------------------------------------------------------
    def test_token_code_grant(self):
        code = self.code_of(self.login("alice"))
        # GET with the secret in the query, as the original Console does
        q = urllib.parse.urlencode({"client_id": "3", "client_secret": "lain-cli_admin",
                                    "grant_type": "authorization_code", "code": code,
                                    "redirect_uri": "https://example.com"})
        r = self.req("GET", "/oauth2/token?" + q)
        self.assertEqual(r.status, 200)
        t = r.json()
        self.assertEqual(set(t), {"access_token", "token_type", "expires_in",
                                  "refresh_token", "scope"})
        self.assertEqual(t["token_type"], "Bearer")
        self.assertEqual(t["expires_in"], 1296000)
        self.assertEqual(t["scope"], "write:group")
        self.assertRegex(t["access_token"], r"^[A-Za-z0-9_-]{22}$")
        # a code works once
        r = self.req("GET", "/oauth2/token?" + q)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["error"], "invalid_grant")
        self.assertIn("error_description", r.json())

    def test_token_errors_are_200(self):
        code = self.code_of(self.login("alice"))
        base = {"grant_type": "authorization_code", "code": code, "client_id": "3",
                "client_secret": "lain-cli_admin"}
        for change, err in (({"client_secret": "x"}, "invalid_client"),
                            ({"client_id": "nope"}, "invalid_client"),
                            ({"grant_type": ""}, "invalid_request"),
                            ({"grant_type": "password"}, "unsupported_grant_type"),
                            ({"client_id": "lain-console",
                              "client_secret": "lain-console-secret"}, "invalid_grant"),
                            ({"redirect_uri": "https://example.com/other"}, "invalid_grant")):
            r = self.req("POST", "/oauth2/token", form=dict(base, **change))
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json()["error"], err, change)
            if err == "invalid_grant":   # a misused code is gone
                base["code"] = self.code_of(self.login("alice"))

    def test_token_basic_auth_and_refresh(self):
        code = self.code_of(self.login("alice"))
        basic = "Basic " + base64.b64encode(b"3:lain-cli_admin").decode()
        r = self.req("POST", "/oauth2/token", form={"grant_type": "authorization_code",
                                                    "code": code},
                     headers={"Authorization": basic})
        t = r.json()
        self.assertIn("access_token", t)
        r = self.req("POST", "/oauth2/token", form={
            "grant_type": "refresh_token", "refresh_token": t["refresh_token"],
            "client_id": "3", "client_secret": "lain-cli_admin"})
        t2 = r.json()
        self.assertIn("access_token", t2)
        self.assertNotEqual(t2["access_token"], t["access_token"])
        self.assertEqual(t2["scope"], "write:group")
        self.assertEqual(self.req("GET", "/api/me", token=t["access_token"]).status, 401)
        self.assertEqual(self.req("GET", "/api/me", token=t2["access_token"]).status, 200)
        r = self.req("POST", "/oauth2/token", form={
            "grant_type": "refresh_token", "refresh_token": t["refresh_token"],
            "client_id": "3", "client_secret": "lain-cli_admin"})
        self.assertEqual(r.json()["error"], "invalid_grant")

    # -- users --------------------------------------------------------------
    def test_me(self):
        self.assertEqual(self.req("GET", "/api/me").status, 401)
        self.assertEqual(self.req("GET", "/api/me", token="bogus").status, 401)
        self.assertEqual(self.req("GET", "/api/me", token="unknown").status, 401)
        tok = self.token_for("admin")["access_token"]
        r = self.req("GET", "/api/me", token=tok)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), {"name": "admin", "fullname": "LAIN administrator",
                                    "email": "admin@lain.local", "mobile": "",
                                    "groups": ["admins", "lain"]})
        # access_token as a query or form value
        self.assertEqual(self.req("GET", "/api/me?access_token=" + tok).status, 200)
        self.assertEqual(self.req("GET", "/api/me?access_token=x").status, 401)

    def test_me_groups_through_nesting(self):
        self.make_app_group()
        r = self.req("GET", "/api/me", token=self.mint("admin"))
        self.assertEqual(r.json()["groups"], ["admins", "lain", APPGROUP])
        self.assertEqual(self.req("GET", "/api/me", token=self.mint("alice")).json()["groups"],
                         [APPGROUP])
        self.assertEqual(self.req("GET", "/api/me", token=self.mint("bob")).json()["groups"], [])

    def test_token_expiry(self):
        self.assertEqual(self.req("GET", "/api/me", token=self.mint("bob", expires_in=60)).status,
                         200)
        self.assertEqual(self.req("GET", "/api/me", token=self.mint("bob", expires_in=0)).status,
                         401)

    def test_users(self):
        r = self.req("GET", "/api/users/admin")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), {"name": "admin", "fullname": "LAIN administrator",
                                    "email": "", "mobile": "", "groups": ["admins", "lain"]})
        self.assertEqual(self.req("GET", "/api/users/bob", token=self.mint("bob")).json()["email"],
                         "bob@lain.local")
        self.assertEqual(self.req("GET", "/api/users/bob",
                                  token=self.mint("admin")).json()["email"], "bob@lain.local")
        self.assertEqual(self.req("GET", "/api/users/bob",
                                  token=self.mint("alice")).json()["email"], "")
        self.assertEqual(self.req("GET", "/api/users/bob", token="bogus").status, 200)
        r = self.req("GET", "/api/users/nobody")
        self.assertEqual((r.status, r.json()), (404, "no such user"))

    # -- groups -------------------------------------------------------------
    def test_group_create(self):
        body = {"name": APPGROUP, "fullname": "lain app in lain.local: hello"}
        self.assertEqual(self.req("POST", "/api/groups", body).status, 401)
        r = self.req("POST", "/api/groups", body, token=self.mint("alice", scope="read:group"))
        self.assertEqual(r.status, 403)
        tok = self.mint("alice")
        r = self.req("POST", "/api/groups", body, token=tok)
        self.assertEqual((r.status, r.json()), (201, body))
        r = self.req("POST", "/api/groups", body, token=self.mint("bob"))
        self.assertEqual((r.status, r.json()), (409, "group already exists"))
        for bad in (b"{", b"[]", json.dumps({"fullname": "x"}).encode(),
                    json.dumps({"name": "a.b"}).encode(), json.dumps({"name": ""}).encode()):
            self.assertEqual(self.req("POST", "/api/groups", bad, token=tok).status, 400, bad)
        r = self.req("GET", "/api/groups/" + APPGROUP)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), {"name": APPGROUP, "fullname": body["fullname"],
                                    "members": [{"name": "alice", "role": "admin"}],
                                    "group_members": []})

    def test_group_get(self):
        self.make_app_group()
        r = self.req("GET", "/api/groups/" + APPGROUP)
        self.assertEqual(r.json()["group_members"],
                         [{"name": "lain", "fullname": "LAIN administrators", "role": "admin"}])
        r = self.req("GET", "/api/groups/nope")
        self.assertEqual((r.status, r.json()), (404, "no such group"))

    def test_member_role_lookup(self):
        self.make_app_group()
        path = "/api/groups/%s/members/" % APPGROUP
        self.assertEqual(self.req("GET", path + "alice").json(), {"role": "admin"})
        # admin is in "lain", nested as admin: resolved through nesting
        r = self.req("GET", path + "admin")
        self.assertEqual((r.status, r.json()), (200, {"role": "admin"}))
        r = self.req("GET", path + "bob")
        self.assertEqual((r.status, r.json()), (404, "no such member"))
        r = self.req("GET", path + "nobody")
        self.assertEqual((r.status, r.json()), (404, "no such username"))
        r = self.req("GET", "/api/groups/nope/members/bob")
        self.assertEqual((r.status, r.json()), (404, "no such group"))

    def test_member_put_delete(self):
        alice = self.make_app_group()
        bob = self.mint("bob")
        path = "/api/groups/%s/members/" % APPGROUP
        self.assertEqual(self.req("PUT", path + "bob", {"role": "normal"}).status, 401)
        r = self.req("PUT", path + "bob", {"role": "normal"}, token=alice)
        self.assertEqual(r.status, 200)
        self.assertEqual(self.req("GET", path + "bob").json(), {"role": "normal"})
        members = self.req("GET", "/api/groups/" + APPGROUP).json()["members"]
        self.assertIn({"name": "bob", "role": ""}, members)
        self.assertIn(APPGROUP, self.req("GET", "/api/me", token=bob).json()["groups"])
        # a normal member may not change the group
        r = self.req("PUT", path + "bob", {"role": "admin"}, token=bob)
        self.assertEqual((r.status, r.json()), (403, "Not group admin"))
        r = self.req("DELETE", path + "alice", token=bob)
        self.assertEqual((r.status, r.json()), (403, "Not group admin"))
        # an admin through the nested "lain" group may
        admin = self.mint("admin")
        self.assertEqual(self.req("PUT", path + "bob", {"role": "admin"}, token=admin).status, 200)
        self.assertEqual(self.req("GET", path + "bob").json(), {"role": "admin"})
        r = self.req("PUT", path + "bob", {"role": "owner"}, token=admin)
        self.assertEqual((r.status, r.json()), (400, "unknown role"))
        self.assertEqual(self.req("PUT", path + "bob", {"role": ""}, token=admin).status, 400)
        self.assertEqual(self.req("PUT", path + "bob", b"nope", token=admin).status, 400)
        r = self.req("PUT", path + "nobody", {"role": "normal"}, token=admin)
        self.assertEqual((r.status, r.json()), (404, "no such username"))
        r = self.req("PUT", "/api/groups/nope/members/bob", {"role": "normal"}, token=admin)
        self.assertEqual((r.status, r.json()), (404, "no such group"))
        # delete: 204, and 204 again
        r = self.req("DELETE", path + "bob", token=alice)
        self.assertEqual((r.status, r.body), (204, b""))
        self.assertEqual(self.req("DELETE", path + "bob", token=alice).status, 204)
        self.assertEqual(self.req("GET", path + "bob").status, 404)
        self.assertEqual(self.req("GET", "/api/me", token=bob).json()["groups"], [])
        self.assertEqual(self.req("DELETE", path + "nobody", token=alice).status, 404)
        self.assertEqual(self.req("DELETE", path + "bob", token=bob).status, 403)

    def test_nested_group_members(self):
        alice = self.make_app_group()
        path = "/api/groups/%s/group-members/" % APPGROUP
        self.assertEqual(self.req("GET", path + "lain").json(), {"role": "admin"})
        self.assertEqual(self.req("GET", path + "admins").json(), "no such member")
        self.assertEqual(self.req("GET", path + "nope").status, 404)
        # nesting with role normal: members of that group become normal members
        r = self.req("PUT", path + "admins", {"role": "normal"}, token=alice)
        self.assertEqual((r.status, r.json()), (200, {"name": "admins", "role": "normal"}))
        self.assertEqual(self.req("GET", path + "admins").json(), {"role": "normal"})
        # a cycle is refused (lain is admin-nested in APPGROUP; admin is admin of lain)
        r = self.req("PUT", "/api/groups/lain/group-members/" + APPGROUP, {"role": "normal"},
                     token=self.mint("admin"))
        self.assertEqual(r.status, 400)
        self.assertEqual(self.req("PUT", path + APPGROUP, {"role": "normal"},
                                  token=alice).status, 400)
        self.assertEqual(self.req("PUT", path + "nope", {"role": "normal"},
                                  token=alice).status, 404)
        self.assertEqual(self.req("PUT", path + "admins", {"role": "x"}, token=alice).status, 400)
        self.assertEqual(self.req("PUT", path + "admins", {"role": "admin"},
                                  token=self.mint("bob")).status, 403)
        self.assertEqual(self.req("DELETE", path + "lain", token=self.mint("bob")).status, 403)
        self.assertEqual(self.req("DELETE", path + "lain", token=alice).status, 204)
        self.assertEqual(self.req("GET", "/api/groups/%s/members/admin" % APPGROUP).json(),
                         {"role": "normal"})      # still there through "admins"
        self.assertEqual(self.req("DELETE", path + "admins", token=alice).status, 204)
        self.assertEqual(self.req("GET", "/api/groups/%s/members/admin" % APPGROUP).status, 404)

    def test_group_delete(self):
        alice = self.make_app_group()
        self.assertEqual(self.req("DELETE", "/api/groups/" + APPGROUP,
                                  token=self.mint("bob")).status, 403)
        self.assertEqual(self.req("DELETE", "/api/groups/" + APPGROUP, token=alice).status, 204)
        self.assertEqual(self.req("GET", "/api/groups/" + APPGROUP).status, 404)
        self.assertEqual(self.req("DELETE", "/api/groups/" + APPGROUP, token=alice).status, 404)

    # -- control API --------------------------------------------------------
    def test_fail_error500(self):
        r = self.req("POST", "/__fake/fail", {"mode": "error500", "count": 2})
        self.assertEqual(r.status, 200)
        self.assertEqual(self.req("GET", "/api/users/bob").status, 500)
        self.assertEqual(self.req("GET", "/__fake/state").status, 200)   # control unaffected
        self.assertEqual(self.req("GET", "/api/users/bob").status, 500)
        self.assertEqual(self.req("GET", "/api/users/bob").status, 200)
        self.assertEqual(self.req("GET", "/__fake/state").json()["fail"]["hits"], 2)

    def test_fail_down(self):
        self.req("POST", "/__fake/fail", {"mode": "down", "count": -1, "path": "/api/me"})
        for _ in range(2):
            with self.assertRaises((http.client.RemoteDisconnected, urllib.error.URLError,
                                    ConnectionError)):
                self.req("GET", "/api/me", token="x")
        self.assertEqual(self.req("GET", "/api/users/bob").status, 200)   # other paths
        self.req("POST", "/__fake/fail", {"mode": "none"})
        self.assertEqual(self.req("GET", "/api/me").status, 401)

    def test_fail_slow(self):
        self.req("POST", "/__fake/fail", {"mode": "slow", "delay": 0.4, "count": 1})
        t0 = time.monotonic()
        self.assertEqual(self.req("GET", "/api/users/bob").status, 200)
        self.assertGreaterEqual(time.monotonic() - t0, 0.4)
        self.req("POST", "/__fake/fail", {"mode": "slow", "delay": 2})
        with self.assertRaises((TimeoutError, urllib.error.URLError)):
            self.req("GET", "/api/users/bob", timeout=0.3)
        self.req("POST", "/__fake/reset")
        self.assertIsNone(self.req("GET", "/__fake/state").json()["fail"])
        self.assertEqual(self.req("GET", "/api/users/bob").status, 200)

    def test_fail_bad_requests(self):
        for bad in ({"mode": "explode"}, {"mode": "slow", "delay": -1},
                    {"mode": "down", "count": "x"}, {"mode": "down", "path": "api"}, []):
            self.assertEqual(self.req("POST", "/__fake/fail", bad).status, 400, bad)

    def test_revoke(self):
        t = self.token_for("alice")
        self.assertEqual(self.req("GET", "/api/me", token=t["access_token"]).status, 200)
        r = self.req("POST", "/__fake/revoke", {"token": t["access_token"]})
        self.assertEqual((r.status, r.json()), (200, {"revoked": "access"}))
        self.assertEqual(self.req("GET", "/api/me", token=t["access_token"]).status, 401)
        self.assertEqual(self.req("POST", "/__fake/revoke", {"token": "nope"}).status, 404)
        self.assertEqual(self.req("POST", "/__fake/revoke", {}).status, 400)
        r = self.req("POST", "/__fake/revoke", {"token": t["refresh_token"]})
        self.assertEqual(r.json(), {"revoked": "refresh"})

    def test_revoke_user(self):
        a1, a2, b = self.token_for("alice"), self.token_for("alice"), self.token_for("bob")
        r = self.req("POST", "/__fake/revoke", {"user": "alice"})
        self.assertEqual((r.status, r.json()), (200, {"revoked": 4}))
        for t in (a1, a2):
            self.assertEqual(self.req("GET", "/api/me", token=t["access_token"]).status, 401)
            self.assertEqual(self.req("POST", "/__fake/revoke", {"token": t["refresh_token"]}).status,
                             404)
        self.assertEqual(self.req("GET", "/api/me", token=b["access_token"]).status, 200)
        self.assertEqual(self.req("POST", "/__fake/revoke", {"user": "alice"}).json(), {"revoked": 0})
        self.assertEqual(self.req("POST", "/__fake/revoke", {"user": "nobody"}).status, 404)

    def test_mint(self):
        self.assertEqual(self.req("POST", "/__fake/token", {"user": "nobody"}).status, 404)
        self.assertEqual(self.req("POST", "/__fake/token", {}).status, 400)
        r = self.req("POST", "/__fake/token", {"user": "bob", "expires_in": 60})
        self.assertEqual(r.json()["expires_in"], 60)
        self.assertEqual(r.json()["scope"], "read:group write:group")

    def test_state_and_request_log(self):
        self.req("GET", "/api/me")
        self.req("GET", "/api/me", token="tok1")
        d = self.req("GET", "/__fake/state").json()
        for key in ("users", "groups", "clients", "tokens", "refresh_tokens", "codes",
                    "fail", "requests", "counts"):
            self.assertIn(key, d)
        self.assertEqual([(q["path"], q["token"]) for q in d["requests"]],
                         [("/api/me", None), ("/api/me", "tok1")])
        self.assertEqual(d["counts"], {"GET /api/me": 2})
        self.assertEqual(d["groups"]["lain"]["members"], {"admin": "admin"})

    def test_reset_restores_seed(self):
        self.make_app_group()
        self.req("POST", "/__fake/reset")
        self.assertEqual(self.req("GET", "/api/groups/" + APPGROUP).status, 404)
        self.assertEqual(self.req("GET", "/__fake/state").json()["tokens"], {})

    def test_state_file_survives_restart(self):
        tok = self.make_app_group()
        cls = type(self)
        stop_fake(cls.proc)
        cls.proc, cls.base = start_fake(cls.state_file)
        self.assertEqual(self.req("GET", "/api/groups/" + APPGROUP).status, 200)
        self.assertEqual(self.req("GET", "/api/me", token=tok).json()["name"], "alice")

    def test_bad_seed(self):
        bad = os.path.join(self.tmp, "bad.json")
        with open(bad, "w") as f:
            json.dump({"users": [{"name": "a", "password": "a"}],
                       "groups": [{"name": "g", "members": [{"name": "zz"}]}]}, f)
        p = subprocess.run([sys.executable, FAKE, "--port", "0", "--seed", bad],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(p.returncode, 2)
        self.assertIn("'zz' is not a seeded user", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
