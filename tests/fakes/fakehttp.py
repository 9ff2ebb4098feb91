"""What the stand-ins built on it (gitlab, webrouter) share: the HTTP
plumbing, the call log and the failure rules of their /__fake/ control API.

A stand-in subclasses State (its own data, reset by reset_state) and
Handler (serve: answer one request of the real API; control: its own
/__fake/ endpoints), then calls main().  Every request outside /__fake/ is
recorded; the common control endpoints are:

    GET    /__fake/calls[?since=SEQ]   {"calls": [{"seq", "time", "done",
                            "method", "path", "query", "params", "headers",
                            "body", "status", ...}]}: every request received
                            (the last 20000); time: Unix seconds (float) of
                            its arrival, done: when its answer was handed
                            to the socket (null while in flight); path as
                            received (not percent-decoded); params: the
                            query parsed (last value of a repeated name);
                            headers: {lower-case name: value}; body: the
                            JSON sent, else its text, null when empty;
                            status: the HTTP status answered (0: dropped
                            without an answer).  A stand-in adds its own
                            keys.
    DELETE /__fake/calls   clear the call log
    POST   /__fake/fail    add a failure rule (below); 200 {"rules": [...]}
    DELETE /__fake/fail    remove every rule; 200 {"rules": []}
    POST   /__fake/reset   the stand-in's state back to its start, no calls,
                           no rules
Control requests are never recorded, delayed or failed.

A failure rule: {"status": S, "delay": D, "down": true, "lose": true,
"match": "/prefix", "method": "GET", "count": N} plus the keys a stand-in
adds.  It applies to the next N requests (default -1: until removed) whose
path starts with match (default any) and, when given, whose method is
method.  Such a request is delayed D seconds (default 0; other requests are
served meanwhile), then dropped with a TCP reset and no answer (down), or
answered S with the stand-in's error body, without touching the state; with
only a delay it is then served as usual.  lose: it is served as usual (what
it changes is changed), then the connection is reset instead of the answer
(a peer that did the work and died before answering).  A rule must ask for
at least one of these.  Rules stack; the first that matches applies.
Unknown keys are refused (400).
"""

import argparse
import http.server
import itertools
import json
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse

RULE_KEYS = ("status", "delay", "down", "lose", "match", "method", "count")


def decode_body(raw):
    """The JSON of a body, its text when it is no JSON, None when empty."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class RuleError(Exception):
    pass


class State:
    """The call log and the failure rules; a stand-in adds its data in
    reset_state().  Everything changes under self.lock."""

    # keys a rule may carry besides RULE_KEYS: name -> check(value) -> error or None
    RULE_MATCH_KEYS = {}     # matched against the request's query parameter of that name
    RULE_ANSWER_KEYS = {}    # handed to Handler.rule_answer()

    def __init__(self, opts):
        self.opts = opts
        self.lock = threading.Lock()
        self.seq = itertools.count(1)
        self.reset()

    def reset(self):
        self.calls = []
        self.rules = []
        self.reset_state()

    def reset_state(self):
        pass

    def parse_rule(self, doc):
        if not isinstance(doc, dict):
            raise RuleError("a rule is a JSON object")
        allowed = set(RULE_KEYS) | set(self.RULE_MATCH_KEYS) | set(self.RULE_ANSWER_KEYS)
        unknown = sorted(set(doc) - allowed)
        if unknown:
            raise RuleError("unknown rule keys: %s (known: %s)" % (", ".join(unknown), ", ".join(sorted(allowed))))
        rule = {"status": doc.get("status", 0), "delay": doc.get("delay", 0),
                "down": doc.get("down", False), "lose": doc.get("lose", False),
                "match": doc.get("match", ""),
                "method": doc.get("method", ""), "count": doc.get("count", -1)}
        if not is_int(rule["status"]) or not (rule["status"] == 0 or 100 <= rule["status"] <= 599):
            raise RuleError("status must be 0 or an HTTP status")
        if not is_number(rule["delay"]) or rule["delay"] < 0:
            raise RuleError("delay must be a number of seconds >= 0")
        if not isinstance(rule["down"], bool) or not isinstance(rule["lose"], bool):
            raise RuleError("down and lose must be true or false")
        if not isinstance(rule["match"], str) or not isinstance(rule["method"], str):
            raise RuleError("match and method must be strings")
        if not is_int(rule["count"]) or rule["count"] == 0 or rule["count"] < -1:
            raise RuleError("count must be -1 or a positive integer")
        rule["delay"] = float(rule["delay"])
        rule["method"] = rule["method"].upper()
        for table in (self.RULE_MATCH_KEYS, self.RULE_ANSWER_KEYS):
            for key, check in table.items():
                if key in doc:
                    why = check(doc[key])
                    if why:
                        raise RuleError("%s %s" % (key, why))
                    rule[key] = doc[key]
        if not (rule["status"] or rule["delay"] or rule["down"] or rule["lose"] or
                any(k in rule for k in self.RULE_ANSWER_KEYS)):
            raise RuleError("a rule needs status, delay, down, lose%s" %
                            "".join(" or " + k for k in self.RULE_ANSWER_KEYS))
        return rule

    def take_rule(self, method, path, params):
        """The rule that applies to this request (a copy), counted down."""
        for r in self.rules:
            if r["match"] and not path.startswith(r["match"]):
                continue
            if r["method"] and r["method"] != method:
                continue
            if any(k in r and params.get(k) != r[k] for k in self.RULE_MATCH_KEYS):
                continue
            hit = dict(r)
            if r["count"] > 0:
                r["count"] -= 1
                if r["count"] == 0:
                    self.rules.remove(r)
            return hit
        return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without this, Nagle + the
    # client's delayed ACK stall every keep-alive answer by ~40 ms
    disable_nagle_algorithm = True
    NAME = "fake"
    state = None      # set by main()

    # -- what a stand-in provides -------------------------------------------
    def serve(self, path, params, raw, entry):
        """Answer one request of the real API, called with the state's lock
        held: (status, content type, bytes); may add keys to entry."""
        raise NotImplementedError

    def annotate(self, path, params, entry):
        """Add the stand-in's own keys to a new call log entry (lock held)."""

    def control(self, path, params, doc):
        """The stand-in's own /__fake/ endpoints, lock held: (status, doc) or
        None when path is not one of them."""
        return None

    def error_body(self, status):
        """(content type, bytes) of a failure rule's answer."""
        return "application/json", json_bytes({"message": "%d fake failure" % status})

    def rule_answer(self, rule, entry):
        """A rule without status (lock held): (status, content type, bytes)
        from its RULE_ANSWER_KEYS, or None to serve the request as usual."""
        return None

    # -- plumbing -----------------------------------------------------------
    def log_message(self, fmt, *args):
        if self.state.opts.verbose:
            sys.stderr.write("%s fake: %s %s\n" % (self.NAME, self.address_string(), fmt % args))

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send(self, status, ctype, body, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status, doc):
        self.send(status, "application/json", json_bytes(doc))

    def do_any(self):
        url = urllib.parse.urlsplit(self.path)
        params = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        try:
            raw = self.read_body()
        except ValueError:
            self.close_connection = True
            return self.send_json(400, {"message": "bad chunked body"})
        if url.path.startswith("/__fake/"):
            return self.common_control(url.path, params, raw)
        st = self.state
        with st.lock:
            entry = {"seq": next(st.seq), "time": time.time(), "done": None,
                     "method": self.command, "path": url.path, "query": url.query,
                     "params": params, "headers": {k.lower(): v for k, v in self.headers.items()},
                     "body": decode_body(raw), "status": None}
            self.annotate(url.path, params, entry)
            st.calls.append(entry)
            del st.calls[:-20000]
            rule = st.take_rule(self.command, url.path, params)
        answer = None
        if rule is not None:
            if rule["delay"]:
                time.sleep(rule["delay"])
            if rule["down"]:
                return self.reset_instead(entry)
            if rule["status"]:
                answer = (rule["status"],) + self.error_body(rule["status"])
        with st.lock:
            if answer is None and rule is not None:
                answer = self.rule_answer(rule, entry)
            if answer is None:
                answer = self.serve(url.path, params, raw, entry)
            status, ctype, body = answer[:3]
            headers = answer[3] if len(answer) > 3 else ()
            entry["status"] = status
            if rule is None or not rule["lose"]:
                # stamped before the answer goes out: a client that has the
                # answer and then reads the call log must find it done
                entry["done"] = time.time()
        if rule is not None and rule["lose"]:
            return self.reset_instead(entry)
        self.send(status, ctype, body, headers)

    def reset_instead(self, entry):
        """A TCP reset instead of the answer: the client sees a dead peer."""
        with self.state.lock:
            entry["status"], entry["done"] = 0, time.time()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def common_control(self, path, params, raw):
        st = self.state
        m = self.command
        try:
            doc = json.loads(raw) if raw else {}
        except ValueError:
            return self.send_json(400, {"message": "control body is not JSON"})
        with st.lock:
            if path == "/__fake/calls" and m == "GET":
                since = params.get("since", "0")
                if not since.isdigit():
                    return self.send_json(400, {"message": "since must be a sequence number"})
                return self.send_json(200, {"calls": [c for c in st.calls if c["seq"] > int(since)]})
            if path == "/__fake/calls" and m == "DELETE":
                st.calls = []
                return self.send_json(200, {"calls": []})
            if path == "/__fake/fail" and m == "POST":
                try:
                    st.rules.append(st.parse_rule(doc))
                except RuleError as e:
                    return self.send_json(400, {"message": str(e)})
                return self.send_json(200, {"rules": st.rules})
            if path == "/__fake/fail" and m == "DELETE":
                st.rules = []
                return self.send_json(200, {"rules": []})
            if path == "/__fake/reset" and m == "POST":
                st.reset()
                return self.send_json(200, {"message": "reset"})
            out = self.control(path, params, doc)
        if out is None:
            return self.send_json(404, {"message": "unknown control endpoint %s %s" % (m, path)})
        return self.send_json(*out)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_any


def json_bytes(doc):
    return (json.dumps(doc) + "\n").encode()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # a client that gave up (its timeout, a delayed answer) is no failure here
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def main(name, description, state_cls, handler_cls, add_arguments=None):
    """Parse --port/--host/--verbose (and the stand-in's own options), listen,
    print "<name> fake listening on http://HOST:PORT", serve until SIGTERM."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--port", type=int, required=True, help="port to listen on (0: any free port)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--verbose", action="store_true", help="log every request on stderr")
    if add_arguments:
        add_arguments(ap)
    opts = ap.parse_args()
    srv = Server((opts.host, opts.port), handler_cls)
    host, port = srv.server_address[:2]
    opts.base_url = "http://%s:%d" % (host, port)
    try:
        handler_cls.state = state_cls(opts)
    except ValueError as e:       # a bad seed, say
        print("%s fake: %s" % (name, e), file=sys.stderr)
        return 2

    def stop(signum, frame):
        threading.Thread(target=srv.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("%s fake listening on %s" % (name, opts.base_url), flush=True)
    srv.serve_forever()
    srv.server_close()
    return 0


def request(base, method, path, body=None, raw=None, headers=None, timeout=20):
    """For self-tests: one request to base ("http://HOST:PORT") on its own
    connection.  Returns (status, {lower-case header: value}, the JSON
    answered, else its text, None when empty)."""
    import http.client
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        conn.request(method, path, body=data, headers=headers or {})
        r = conn.getresponse()
        text = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, decode_body(text)
    finally:
        conn.close()
