#!/usr/bin/env python3
"""Self-test of tests/fakes/gitlab: starts it on a free loopback port (with a
seed file) and drives the project and commit calls, their token rules,
since/until and pagination, the call log and the failure rules over HTTP."""

import json
import os
import signal
import sys
import tempfile
import threading
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakehttp  # noqa: E402
import fakeproc  # noqa: E402

TOKEN = "gitlab-token"


def commit(n, date, who="alice", message=None):
    return {"message": message or "change %d\n\nthe body of %d\n" % (n, n),
            "committer_name": who.capitalize(), "committer_email": "%s@example.com" % who,
            "committed_date": date}


SEED = {
    "tokens": [TOKEN],
    "projects": [
        {"path": "team/hello", "id": 7, "commits": [
            commit(1, "2018-04-23T03:00:00Z"),
            commit(2, "2018-04-23T04:00:00Z", "bob"),
            commit(3, "2018-04-23T12:00:00+08:00", "bob"),    # = 04:00:00Z, seeded later
            commit(4, "2018-04-23T05:00:00.750Z", "carol"),
        ]},
        {"path": "team/open", "visibility": "public", "commits": []},
    ],
}


class GitlabFakeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fd, cls.seed = tempfile.mkstemp(suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(SEED, f)
        cls.proc, cls.base = fakeproc.start("gitlab", ["--port", "0", "--seed", cls.seed])

    @classmethod
    def tearDownClass(cls):
        fakeproc.stop(cls.proc)
        os.unlink(cls.seed)

    def setUp(self):
        self.assertEqual(self.call("POST", "/__fake/reset")[0], 200)

    def call(self, method, path, body=None, token=None, headers=None, raw=None):
        h = dict(headers or {})
        if token is not None:
            h["PRIVATE-TOKEN"] = token
        return fakehttp.request(self.base, method, path, body=body, raw=raw, headers=h)

    def commits(self, query="", token=TOKEN, project="7"):
        return self.call("GET", "/api/v4/projects/%s/repository/commits%s" % (project, query), token=token)

    def calls(self, since=0):
        st, _, doc = self.call("GET", "/__fake/calls?since=%d" % since)
        self.assertEqual(st, 200)
        return doc["calls"]

    # -- the API ---------------------------------------------------------------
    def test_project_by_encoded_path_and_id(self):
        st, h, doc = self.call("GET", "/api/v4/projects/team%2Fhello", token=TOKEN)
        self.assertEqual(st, 200)
        self.assertEqual(h["content-type"], "application/json")
        self.assertEqual(doc["id"], 7)
        self.assertEqual(doc["path_with_namespace"], "team/hello")
        self.assertEqual(doc["name_with_namespace"], "team / hello")
        self.assertEqual(doc["namespace"]["full_path"], "team")
        self.assertEqual(doc["web_url"], self.base + "/team/hello")
        self.assertEqual(doc["visibility"], "private")
        self.assertEqual(self.call("GET", "/api/v4/projects/7", token=TOKEN)[2], doc)
        # GitLab matches paths without regard to case
        self.assertEqual(self.call("GET", "/api/v4/projects/TEAM%2FHello", token=TOKEN)[2]["id"], 7)
        # the second project got the next free id
        self.assertEqual(self.call("GET", "/api/v4/projects/team%2Fopen", token=TOKEN)[2]["id"], 8)

    def test_not_found(self):
        self.assertEqual(self.call("GET", "/api/v4/projects/team%2Fnope", token=TOKEN)[:3:2],
                         (404, {"message": "404 Project Not Found"}))
        self.assertEqual(self.call("GET", "/api/v4/projects/99", token=TOKEN)[0], 404)
        self.assertEqual(self.commits(project="team%2Fnope")[:3:2], (404, {"message": "404 Project Not Found"}))
        # an unencoded slash is another route
        self.assertEqual(self.call("GET", "/api/v4/projects/team/hello", token=TOKEN)[:3:2],
                         (404, {"error": "404 Not Found"}))
        self.assertEqual(self.call("GET", "/api/v3/projects/7", token=TOKEN)[0], 404)
        self.assertEqual(self.call("GET", "/api/v4/projects/7/repository/tags", token=TOKEN)[0], 404)
        self.assertEqual(self.call("POST", "/api/v4/projects/7", {}, token=TOKEN)[:3:2],
                         (405, {"message": "405 Method Not Allowed"}))

    def test_tokens(self):
        unauthorized = (401, {"message": "401 Unauthorized"})
        self.assertEqual(self.call("GET", "/api/v4/projects/7", token="wrong")[:3:2], unauthorized)
        self.assertEqual(self.call("GET", "/api/v4/projects/8", token="wrong")[:3:2], unauthorized)
        self.assertEqual(self.commits(token="wrong")[:3:2], unauthorized)
        # without a token: public projects only; a private one does not exist
        self.assertEqual(self.call("GET", "/api/v4/projects/7")[:3:2], (404, {"message": "404 Project Not Found"}))
        self.assertEqual(self.commits(token=None)[0], 404)
        self.assertEqual(self.call("GET", "/api/v4/projects/8")[0], 200)
        # the other two ways GitLab takes a token
        self.assertEqual(self.call("GET", "/api/v4/projects/7?private_token=" + TOKEN)[0], 200)
        self.assertEqual(self.call("GET", "/api/v4/projects/7",
                                   headers={"Authorization": "Bearer " + TOKEN})[0], 200)
        self.assertEqual(self.call("GET", "/api/v4/projects/7", headers={"Authorization": "Bearer x"})[0], 401)
        # what was sent is recorded
        self.assertEqual([(c["token"], c["project"], c["status"]) for c in self.calls()],
                         [("wrong", "7", 401), ("wrong", "8", 401), ("wrong", "7", 401),
                          (None, "7", 404), (None, "7", 404), (None, "8", 200),
                          (TOKEN, "7", 200), (TOKEN, "7", 200), ("x", "7", 401)])

    def test_commits_newest_first_with_gitlab_fields(self):
        st, h, doc = self.commits()
        self.assertEqual(st, 200)
        self.assertEqual([c["title"] for c in doc], ["change 4", "change 3", "change 2", "change 1"])
        c4, c3 = doc[0], doc[1]
        self.assertRegex(c4["id"], r"^[0-9a-f]{40}$")
        self.assertEqual(c4["short_id"], c4["id"][:8])
        self.assertEqual(c4["message"], "change 4\n\nthe body of 4\n")
        self.assertEqual((c4["committer_name"], c4["committer_email"]), ("Carol", "carol@example.com"))
        self.assertEqual((c4["author_name"], c4["author_email"]), ("Carol", "carol@example.com"))
        # whole seconds, written the way GitLab writes them, in the seeded offset
        self.assertEqual(c4["committed_date"], "2018-04-23T05:00:00.000+00:00")
        self.assertEqual(c4["created_at"], c4["committed_date"])
        self.assertEqual(c3["committed_date"], "2018-04-23T12:00:00.000+08:00")
        # parents follow the seeding order
        self.assertEqual(c4["parent_ids"], [c3["id"]])
        self.assertEqual(doc[3]["parent_ids"], [])
        self.assertEqual(c4["web_url"], "%s/team/hello/-/commit/%s" % (self.base, c4["id"]))
        self.assertEqual(h["x-total"], "4")
        self.assertEqual(len({c["id"] for c in doc}), 4)

    def test_since_until_inclusive_whole_seconds(self):
        def titles(q):
            st, _, doc = self.commits(q)
            self.assertEqual(st, 200, doc)
            return [c["title"] for c in doc]
        q = urllib.parse.urlencode
        self.assertEqual(titles("?" + q({"since": "2018-04-23T04:00:00Z"})), ["change 4", "change 3", "change 2"])
        # the original console asks since = deployed commit + 1 s
        self.assertEqual(titles("?" + q({"since": "2018-04-23T04:00:01Z"})), ["change 4"])
        self.assertEqual(titles("?" + q({"until": "2018-04-23T04:00:00Z"})), ["change 3", "change 2", "change 1"])
        self.assertEqual(titles("?" + q({"since": "2018-04-23T03:00:01", "until": "2018-04-23T05:00:00"})),
                         ["change 4", "change 3", "change 2"])
        self.assertEqual(titles("?" + q({"since": "2018-04-23T13:00:00+08:00"})), ["change 4"])
        self.assertEqual(titles("?" + q({"since": "2018-04-24"})), [])
        self.assertEqual(titles("?" + q({"until": "2018-04-23"})), [])
        for bad in ("yesterday", "2018-13-01T00:00:00Z", ""):
            self.assertEqual(self.commits("?" + q({"since": bad}))[:3:2], (400, {"error": "since is invalid"}))
        self.assertEqual(self.commits("?until=x")[:3:2], (400, {"error": "until is invalid"}))
        # accepted and ignored: one branch per project
        self.assertEqual(titles("?ref_name=master&with_stats=true"), ["change 4", "change 3", "change 2", "change 1"])

    def test_pagination(self):
        extra = [commit(10 + i, "2018-05-01T00:00:%02dZ" % i) for i in range(21)]
        st, _, doc = self.call("POST", "/__fake/commits", {"project": "team/hello", "commits": extra})
        self.assertEqual(st, 200, doc)
        self.assertEqual(len(doc["commits"]), 21)
        st, h, page1 = self.commits()
        self.assertEqual((st, len(page1)), (200, 20))
        self.assertEqual((h["x-page"], h["x-per-page"], h["x-total"], h["x-total-pages"]), ("1", "20", "25", "2"))
        self.assertEqual((h["x-next-page"], h["x-prev-page"]), ("2", ""))
        self.assertIn('rel="next"', h["link"])
        self.assertEqual(page1[0]["title"], "change 30")
        st, h, page2 = self.commits("?page=2")
        self.assertEqual([c["title"] for c in page2], ["change 10", "change 4", "change 3", "change 2", "change 1"])
        self.assertEqual((h["x-next-page"], h["x-prev-page"]), ("", "1"))
        self.assertNotIn('rel="next"', h["link"])
        self.assertEqual(len(self.commits("?per_page=100")[2]), 25)
        self.assertEqual(self.commits("?per_page=500")[1]["x-per-page"], "100")
        self.assertEqual(self.commits("?per_page=0")[1]["x-per-page"], "20")
        self.assertEqual(self.commits("?page=9")[2], [])
        self.assertEqual(self.commits("?page=x")[:3:2], (400, {"error": "page is invalid"}))
        self.assertEqual(self.commits("?per_page=1.5")[:3:2], (400, {"error": "per_page is invalid"}))

    # -- seeding -------------------------------------------------------------
    def test_seed_projects_commits_and_reset(self):
        st, _, doc = self.call("POST", "/__fake/projects", {
            "path": "group/sub/app", "id": 42, "visibility": "public", "default_branch": "main",
            "commits": [commit(1, "2019-01-01T00:00:00Z"), dict(commit(2, "2019-01-02T00:00:00Z"),
                                                                id="ab" * 20, author_name="Dan")]})
        self.assertEqual(st, 201, doc)
        self.assertEqual((doc["id"], doc["default_branch"], doc["namespace"]["full_path"]), (42, "main", "group/sub"))
        self.assertEqual([c["id"] for c in doc["commits"]][0], "ab" * 20)
        self.assertEqual(doc["commits"][0]["author_name"], "Dan")
        self.assertEqual(self.call("GET", "/api/v4/projects/group%2Fsub%2Fapp")[0], 200)
        self.assertEqual(self.call("POST", "/__fake/projects", {"path": "group/sub/app"})[0], 409)
        self.assertEqual(self.call("POST", "/__fake/projects", {"path": "x/y", "id": 42})[0], 409)
        for bad in ({"path": "noslash"}, {"path": "a/b", "id": 0}, {"path": "a/b", "visibility": "secret"},
                    {"path": "a/b", "commits": [{"message": "m"}]},
                    {"path": "a/b", "commits": [dict(commit(1, "2019-01-01T00:00:00Z"), id="XYZ")]},
                    {"path": "a/b", "commits": [commit(1, "not a date")]}):
            st, _, doc = self.call("POST", "/__fake/projects", bad)
            self.assertEqual(st, 400, bad)
            self.assertIn("message", doc)
        self.assertEqual(self.call("GET", "/api/v4/projects/a%2Fb", token=TOKEN)[0], 404)
        self.assertEqual(self.call("POST", "/__fake/commits", {"project": 99, "commits": []})[0], 404)
        self.assertEqual(self.call("POST", "/__fake/commits", {"project": 42, "commits": [{}]})[0], 400)
        # a whole new seed replaces everything; a bad one changes nothing
        st, _, doc = self.call("POST", "/__fake/seed", {"tokens": ["t2"], "projects": [{"path": "z/z"}]})
        self.assertEqual((st, [p["id"] for p in doc["projects"]], doc["tokens"]), (200, [1], ["t2"]))
        self.assertEqual(self.call("GET", "/api/v4/projects/7", token="t2")[0], 404)
        self.assertEqual(self.call("GET", "/api/v4/projects/1", token=TOKEN)[0], 401)
        self.assertEqual(self.call("POST", "/__fake/seed", {"tokens": "t3"})[0], 400)
        self.assertEqual(self.call("GET", "/__fake/state")[2]["tokens"], ["t2"])
        # reset: back to the --seed file
        self.call("POST", "/__fake/reset")
        st, _, doc = self.call("GET", "/__fake/state")
        self.assertEqual([p["path_with_namespace"] for p in doc["projects"]], ["team/hello", "team/open"])
        self.assertEqual(len(doc["projects"][0]["commits"]), 4)

    # -- call log and failures ---------------------------------------------------
    def test_call_log(self):
        self.call("GET", "/api/v4/projects/team%2Fhello?x=1", token=TOKEN)
        self.commits("?since=2018-04-23T04:00:01Z")
        self.call("GET", "/__fake/state")      # control: not recorded
        calls = self.calls()
        self.assertEqual([(c["method"], c["path"], c["status"]) for c in calls],
                         [("GET", "/api/v4/projects/team%2Fhello", 200),
                          ("GET", "/api/v4/projects/7/repository/commits", 200)])
        self.assertEqual(calls[0]["project"], "team/hello")
        self.assertEqual(calls[0]["query"], "x=1")
        self.assertEqual(calls[0]["headers"]["private-token"], TOKEN)
        self.assertEqual(calls[1]["params"], {"since": "2018-04-23T04:00:01Z"})
        self.assertLessEqual(calls[0]["time"], calls[0]["done"])
        self.assertEqual(len(self.calls(since=calls[0]["seq"])), 1)
        self.assertEqual(self.call("GET", "/__fake/calls?since=x")[0], 400)
        self.assertEqual(self.call("DELETE", "/__fake/calls")[2], {"calls": []})
        self.assertEqual(self.calls(), [])

    def test_fail_status_count_match(self):
        st, _, doc = self.call("POST", "/__fake/fail", {"status": 503, "match": "/api/v4/projects/7/", "count": 2})
        self.assertEqual(st, 200, doc)
        self.assertEqual(self.commits()[:3:2], (503, {"message": "503 fake failure"}))
        self.assertEqual(self.call("GET", "/api/v4/projects/7", token=TOKEN)[0], 200)   # no match
        self.assertEqual(self.commits()[0], 503)
        self.assertEqual(self.commits()[0], 200)    # count used up
        self.assertEqual(self.call("GET", "/__fake/state")[2]["rules"], [])
        # until removed, by method
        self.call("POST", "/__fake/fail", {"status": 500, "method": "get"})
        self.assertEqual(self.call("GET", "/api/v4/projects/7", token=TOKEN)[0], 500)
        self.assertEqual(self.call("GET", "/api/v4/projects/7", token=TOKEN)[0], 500)
        self.assertEqual(self.call("DELETE", "/__fake/fail")[2], {"rules": []})
        self.assertEqual(self.call("GET", "/api/v4/projects/7", token=TOKEN)[0], 200)
        self.assertEqual([c["status"] for c in self.calls()], [503, 200, 503, 200, 500, 500, 200])
        for bad in ({}, {"status": 42}, {"delay": -1}, {"status": 500, "count": 0},
                    {"status": 500, "bogus": 1}, {"down": "yes"}, [1]):
            self.assertEqual(self.call("POST", "/__fake/fail", bad)[0], 400, bad)
        self.assertEqual(self.call("POST", "/__fake/fail", raw=b"{nope")[0], 400)

    def test_fail_down(self):
        self.call("POST", "/__fake/fail", {"down": True, "count": 1})
        with self.assertRaises(OSError):
            self.call("GET", "/api/v4/projects/7", token=TOKEN)
        self.assertEqual(self.call("GET", "/api/v4/projects/7", token=TOKEN)[0], 200)
        self.assertEqual([c["status"] for c in self.calls()], [0, 200])

    def test_delay_hangs_one_request_not_the_others(self):
        delay = 1.0
        self.call("POST", "/__fake/fail", {"delay": delay, "match": "/api/v4/projects/7/repository"})
        results = []
        slow = threading.Thread(target=lambda: results.append(self.commits()))
        slow.start()
        # served while the first one hangs: the call log shows it done first
        fast = self.call("GET", "/api/v4/projects/7", token=TOKEN)
        slow.join()
        self.assertEqual((fast[0], results[0][0], len(results[0][2])), (200, 200, 4))
        by_path = {c["path"]: c for c in self.calls()}
        hung = by_path["/api/v4/projects/7/repository/commits"]
        quick = by_path["/api/v4/projects/7"]
        self.assertGreaterEqual(hung["done"] - hung["time"], delay)
        self.assertLess(quick["done"], hung["done"])
        # a delay and a status together
        self.call("DELETE", "/__fake/fail")
        self.call("POST", "/__fake/fail", {"delay": 0.2, "status": 502, "count": 1})
        self.assertEqual(self.commits()[0], 502)
        last = self.calls()[-1]
        self.assertGreaterEqual(last["done"] - last["time"], 0.2)


class LifecycleTest(unittest.TestCase):
    def test_bad_seed_refused_and_sigterm(self):
        fd, path = tempfile.mkstemp(suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump({"projects": [{"path": "nope"}]}, f)
        try:
            with self.assertRaises(RuntimeError):
                fakeproc.start("gitlab", ["--port", "0", "--seed", path])
        finally:
            os.unlink(path)
        proc, base = fakeproc.start("gitlab", ["--port", "0", "--external-url", "https://gitlab.example.com/"])
        try:
            self.call_ok(base)
        finally:
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(5), 0)
            self.assertEqual(proc.stdout.read(), "")     # nothing after the first line
            proc.stdout.close()

    def call_ok(self, base):
        st, _, doc = fakehttp.request(base, "POST", "/__fake/projects", {"path": "a/b", "visibility": "public"})
        self.assertEqual(st, 201)
        self.assertEqual(doc["web_url"], "https://gitlab.example.com/a/b")
        self.assertEqual(doc["ssh_url_to_repo"], "git@gitlab.example.com:a/b.git")


if __name__ == "__main__":
    unittest.main(verbosity=2)
