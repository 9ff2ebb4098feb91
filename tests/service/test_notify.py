#!/usr/bin/env python3
"""lain-console's sd_notify messages (Type=notify), as systemd would see them.

The test plays the service manager: it listens on a unix datagram socket,
starts ./lain-console (the build's binary, or $LAIN_CONSOLE_BIN) with
NOTIFY_SOCKET pointing there, and asserts on the sequence of messages it
receives and on who sent them (SO_PASSCRED: the master's pid, since the unit
has NotifyAccess=main):

  READY=1 first, and when it arrives the FastCGI socket accepts a connection
  and a worker answers a request; SIGHUP -> RELOADING=1 (with
  MONOTONIC_USEC) then READY=1, also when the new configuration is refused;
  SIGTERM -> STOPPING=1, then exit 0 and nothing more.

Without NOTIFY_SOCKET, or with one nobody listens on, lain-console serves as
before. Only the order of events is asserted, never durations: the waits
below are upper bounds so that make check cannot hang.
"""

import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import unittest

BOUND = 30  # seconds: an upper bound on any one wait, never an assertion


def binary():
    path = os.environ.get("LAIN_CONSOLE_BIN") or os.path.abspath("lain-console")
    if not os.access(path, os.X_OK):
        raise unittest.SkipTest("no lain-console binary at %s (run from the build directory)" % path)
    return path


# --- a FastCGI client, just enough for one GET ------------------------------

FCGI_BEGIN_REQUEST, FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT = 1, 3, 4, 5, 6


def _record(rtype, content, request_id=1):
    return struct.pack("!BBHHBx", 1, rtype, request_id, len(content), 0) + content


def _pair(name, value):
    out = b""
    for part in (name, value):
        n = len(part)
        out += bytes([n]) if n < 128 else struct.pack("!I", n | 0x80000000)
    return out + name + value


def _read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("connection closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def fcgi_get(sock_path, path):
    """GET path over FastCGI at sock_path: (status, headers text, body bytes)."""
    params = {
        "REQUEST_METHOD": "GET", "REQUEST_URI": path, "DOCUMENT_URI": path,
        "QUERY_STRING": "", "SCRIPT_NAME": "", "PATH_INFO": path,
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "localhost",
        "REQUEST_ID": "test-notify",
    }
    body = b"".join(_pair(k.encode(), v.encode()) for k, v in params.items())
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(BOUND)
        s.connect(sock_path)
        s.sendall(_record(FCGI_BEGIN_REQUEST, struct.pack("!HB5x", 1, 0))
                  + _record(FCGI_PARAMS, body) + _record(FCGI_PARAMS, b"")
                  + _record(FCGI_STDIN, b""))
        out = b""
        while True:
            _, rtype, _, length, padding = struct.unpack("!BBHHBx", _read_exact(s, 8))
            content = _read_exact(s, length + padding)[:length]
            if rtype == FCGI_STDOUT:
                out += content
            elif rtype == FCGI_END_REQUEST:
                break
    head, _, payload = out.partition(b"\r\n\r\n")
    head = head.decode("latin-1")
    status = 200
    for line in head.split("\r\n"):
        if line.lower().startswith("status:"):
            status = int(line.split()[1])
    return status, head, payload


# --- the service manager's side -----------------------------------------------

class Manager:
    """A NOTIFY_SOCKET: receives datagrams with the sender's credentials."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(path)

    def close(self):
        self.sock.close()

    def next(self, bound=BOUND):
        """The next message as (sender pid, {VAR: value}, raw text)."""
        self.sock.settimeout(bound)
        try:
            data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
        except socket.timeout:
            raise AssertionError("no sd_notify message within %ds" % bound) from None
        pid = None
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid, _, _ = struct.unpack("iii", payload[:12])
        text = data.decode()
        fields = dict(line.split("=", 1) for line in text.split("\n") if "=" in line)
        return pid, fields, text

    def pending(self):
        """Every message already queued, without waiting."""
        out = []
        self.sock.setblocking(False)
        try:
            while True:
                out.append(self.sock.recv(4096).decode())
        except BlockingIOError:
            pass
        finally:
            self.sock.setblocking(True)
        return out


class NotifyTest(unittest.TestCase):
    def setUp(self):
        self.bin = binary()
        self.dir = tempfile.mkdtemp(prefix="lc-notify-")
        self.fcgi = os.path.join(self.dir, "fcgi.sock")
        self.conf = os.path.join(self.dir, "console.conf")
        self.log_path = os.path.join(self.dir, "console.log")
        with open(self.conf, "w") as f:
            f.write("CONSOLE_WORKERS=2\n")
        self.manager = Manager(os.path.join(self.dir, "notify.sock"))
        self.proc = None

    def tearDown(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()      # the workers follow (PR_SET_PDEATHSIG)
            self.proc.wait()
        self.manager.close()
        if self.proc:
            self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, notify_socket):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CONSOLE_", "SSO_", "LVAULT_")) and k != "NOTIFY_SOCKET"}
        env.update(CONSOLE_FCGI_SOCKET=self.fcgi, CONSOLE_FCGI_SOCKET_GROUP="",
                   CONSOLE_ETCD_HOST="127.0.0.1:9", CONSOLE_LOG_LEVEL="info")
        if notify_socket:
            env["NOTIFY_SOCKET"] = notify_socket
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([self.bin, "--config", self.conf], env=env,
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def console_log(self):
        with open(self.log_path) as f:
            return f.read()

    def expect(self, var):
        pid, fields, text = self.manager.next()
        self.assertEqual(fields.get(var), "1", "expected %s=1, got %r\n%s" % (var, text,
                                                                           self.console_log()))
        self.assertEqual(pid, self.proc.pid, "%r was sent by pid %s, not by the master %d"
                         % (text, pid, self.proc.pid))
        return fields

    def assert_serves(self):
        status, head, body = fcgi_get(self.fcgi, "/api/v1/openapi.json")
        self.assertEqual(status, 200, head)
        self.assertIn(b'"openapi"', body)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(BOUND), 0, self.console_log())

    def test_ready_reload_stop(self):
        self.start(self.manager.path)

        # The first message is READY=1, and at that moment the socket
        # accepts and a worker answers.
        fields = self.expect("READY")
        self.assertIn("serving on %s with 2 workers" % self.fcgi, fields.get("STATUS", ""))
        self.assert_serves()

        # A reload that takes a new configuration.
        with open(self.conf, "w") as f:
            f.write("CONSOLE_WORKERS=3\n")
        self.proc.send_signal(signal.SIGHUP)
        fields = self.expect("RELOADING")
        self.assertRegex(fields.get("MONOTONIC_USEC", ""), r"^[0-9]+$")
        fields = self.expect("READY")
        self.assertIn("with 3 workers", fields.get("STATUS", ""))
        self.assert_serves()

        # A reload that is refused still ends in READY=1: the old
        # configuration keeps serving.
        with open(self.conf, "w") as f:
            f.write("CONSOLE_WORKERS=0\n")
        self.proc.send_signal(signal.SIGHUP)
        self.expect("RELOADING")
        fields = self.expect("READY")
        self.assertIn("with 3 workers", fields.get("STATUS", ""))
        self.assertIn("reload refused", self.console_log())
        self.assert_serves()

        # SIGTERM: STOPPING=1, then the master exits; nothing after it.
        self.proc.send_signal(signal.SIGTERM)
        self.expect("STOPPING")
        self.assertEqual(self.proc.wait(BOUND), 0, self.console_log())
        self.assertEqual(self.manager.pending(), [])

    def wait_for_socket(self):
        for _ in range(BOUND * 20):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                try:
                    s.connect(self.fcgi)
                    return
                except (FileNotFoundError, ConnectionRefusedError):
                    pass
            self.assertIsNone(self.proc.poll(), self.console_log())
            time.sleep(0.05)
        self.fail("no socket %s\n%s" % (self.fcgi, self.console_log()))

    def test_without_notify_socket_nothing_changes(self):
        self.start(None)
        self.wait_for_socket()
        self.assert_serves()
        self.proc.send_signal(signal.SIGHUP)
        self.assert_serves()
        self.stop()
        self.assertEqual(self.manager.pending(), [])
        self.assertNotIn("cannot notify", self.console_log())

    def test_unreachable_notify_socket_is_only_a_warning(self):
        self.start(os.path.join(self.dir, "nobody-listens.sock"))
        self.wait_for_socket()
        self.assert_serves()
        self.stop()
        self.assertIn("cannot notify the service manager", self.console_log())


if __name__ == "__main__":
    unittest.main(verbosity=2)
