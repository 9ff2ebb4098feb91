"""The several-hosts stack of it_hosts.py, on loopback: three etcd members
in one real cluster, the deployd stand-in, Debian's docker-registry with the
suite's images, two lain-console masters (each its own workers, FastCGI on
its own TCP port) and one nginx with both as upstream servers, rendered from
deploy/nginx/*.conf.in by scripts/render-template.

Every process is started in its own session and stopped by the pid (or, for
a master and its workers, the process group) this module started; nothing is
looked up by name. Python 3 standard library only.
"""

import base64
import json
import os
import random
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.environ.get("srcdir") or os.path.join(HERE, "..", ".."))
NGINX_USER = "www-data"


def b64(s):
    return base64.b64encode(s.encode()).decode()


def unb64(s):
    return base64.b64decode(s).decode()


def free_ports(n):
    """n distinct free loopback ports below the ephemeral range (as
    scripts/stack picks them: outgoing connections cannot take them)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    ports = []
    for port in random.sample(range(10000, max(low, 12000)), 3000):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            s.close()
        ports.append(port)
        if len(ports) == n:
            return ports
    raise RuntimeError("no %d free ports" % n)


def wait_for(what, fn, timeout=30.0, every=0.1):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if fn():
                return
        except OSError:
            pass
        time.sleep(every)
    raise RuntimeError("%s: not within %.0f s" % (what, timeout))


def http(method, url, body=None, timeout=2.0, headers=None):
    """(status, parsed JSON or text) of a plain-HTTP call; raises OSError."""
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        raw = e.read()
        status = e.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def etcd_env():
    """The environment without ETCD_* (etcd reads them as flags)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ETCD_")}


def console_env():
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("CONSOLE_", "SSO_", "LVAULT_", "FCGI_"))
            and k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "NOTIFY_SOCKET")}


class Member:
    """One etcd member of the cluster."""

    def __init__(self, cluster, index, client, peer):
        self.cluster = cluster
        self.name = "m%d" % (index + 1)
        self.client = client
        self.peer = peer
        self.url = "http://127.0.0.1:%d" % client
        self.data = os.path.join(cluster.dir, "etcd-" + self.name)
        self.proc = None
        self.id = None           # raft member id (status header.member_id)
        self.own_calls = 0       # KV calls this test made to it (kv())

    def start(self, initial):
        log = open(os.path.join(self.cluster.logs, "etcd-%s.log" % self.name), "ab")
        args = ["etcd", "--name", self.name, "--data-dir", self.data,
                "--listen-client-urls", self.url, "--advertise-client-urls", self.url,
                "--listen-peer-urls", "http://127.0.0.1:%d" % self.peer,
                "--initial-advertise-peer-urls", "http://127.0.0.1:%d" % self.peer,
                "--initial-cluster", initial, "--initial-cluster-state", "new",
                "--initial-cluster-token", self.cluster.token,
                "--logger", "zap", "--log-outputs", "stderr"]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                     env=etcd_env(), start_new_session=True)
        log.close()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def status(self, timeout=0.5):
        """{"leader": id, "term": n, "id": id} or None when it does not answer."""
        try:
            st, doc = http("POST", self.url + "/v3/maintenance/status", {}, timeout=timeout)
        except OSError:
            return None
        if st != 200 or not isinstance(doc, dict):
            return None
        return {"leader": doc.get("leader"), "term": int(doc.get("raftTerm", 0)),
                "id": doc.get("header", {}).get("member_id")}

    def kv(self, path, doc, timeout=2.0):
        self.own_calls += 1
        st, out = http("POST", self.url + path, doc, timeout=timeout)
        if st != 200:
            raise OSError("etcd %s %s: %s %s" % (self.name, path, st, out))
        return out

    def get_local(self, key):
        """The value of key as this member has it (a serializable read: its
        own store, not the leader's), or None."""
        out = self.kv("/v3/kv/range", {"key": b64(key), "serializable": True})
        kvs = out.get("kvs") or []
        return unb64(kvs[0].get("value", "")) if kvs else None

    def keys_local(self, prefix):
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        out = self.kv("/v3/kv/range", {"key": b64(prefix), "range_end": b64(end),
                                       "keys_only": True, "serializable": True})
        return {unb64(kv["key"]) for kv in out.get("kvs") or []}

    def kv_calls(self):
        """KV calls others made to this member: what its /metrics counts
        (gRPC calls to etcdserverpb.KV started, the JSON gateway's
        included) less the test's own."""
        try:
            with urllib.request.urlopen(self.url + "/metrics", timeout=1) as r:
                text = r.read().decode()
        except OSError:
            return 0
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith("grpc_server_started_total{")
                   and 'grpc_service="etcdserverpb.KV"' in line) - self.own_calls

    def revision_local(self):
        out = self.kv("/v3/kv/range", {"key": b64("/"), "serializable": True,
                                       "count_only": True})
        return int(out.get("header", {}).get("revision", 0))


class Host:
    """One lain-console master and its workers."""

    def __init__(self, cluster, name, port):
        self.cluster = cluster
        self.name = name
        self.port = port
        self.addr = "127.0.0.1:%d" % port
        self.proc = None

    def start(self, env):
        log = open(os.path.join(self.cluster.logs, "console-%s.log" % self.name), "ab")
        e = console_env()
        e.update(env)
        e["CONSOLE_FCGI_SOCKET"] = self.addr
        self.proc = subprocess.Popen([self.cluster.bin], stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=log, env=e, start_new_session=True)
        log.close()

        def listening():
            if self.proc.poll() is not None:
                raise RuntimeError("lain-console %s exited (see %s)" % (self.name, log.name))
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        wait_for("lain-console %s on %s" % (self.name, self.addr), listening)

    def workers(self):
        """Pids of the master's live children."""
        out = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as f:
                    stat = f.read()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if fields[0] != "Z" and int(fields[1]) == self.proc.pid:
                out.append(int(d))
        return out

    def kill9(self):
        """SIGKILL to the master and its workers at once (its process group);
        returns once its FastCGI port refuses connections: until the last of
        them is gone (the kernel takes a while to tear down a big sanitizer
        build), connections are still accepted into the listen backlog and
        then reset, so requests are in flight on the killed host till then."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

        def refused():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return False
            except OSError:
                return True
        wait_for("lain-console %s's port to refuse" % self.name, refused, timeout=30, every=0.05)


class Cluster:
    """Everything of the stack; stop() stops what start() started, remove()
    then removes its directory (kept when a test failed)."""

    def __init__(self):
        # On tmpfs when there is one: each etcd member syncs its log on every
        # write, and a disk busy with other suites can stall that for seconds.
        tmpfs = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
        self.dir = tempfile.mkdtemp(prefix="lain-console-it-hosts-", dir=tmpfs)
        os.chmod(self.dir, 0o755)     # nginx's workers (www-data) read the web root under it
        self.logs = os.path.join(self.dir, "logs")
        os.makedirs(self.logs)
        self.token = "it-hosts-%d" % random.randrange(1 << 30)
        self.bin = os.environ.get("LAIN_CONSOLE_BIN") or os.path.abspath("lain-console")
        self.members, self.hosts, self.others = [], [], []
        self.nginx = None

    # -- starting ---------------------------------------------------------

    def start_etcd(self):
        ports = free_ports(6)
        self.members = [Member(self, i, ports[2 * i], ports[2 * i + 1]) for i in range(3)]
        initial = ",".join("%s=http://127.0.0.1:%d" % (m.name, m.peer) for m in self.members)
        self.initial = initial
        for m in self.members:
            m.start(initial)
        for m in self.members:
            wait_for("etcd %s healthy" % m.name,
                     lambda m=m: http("GET", m.url + "/health")[0] == 200 and m.status())
            m.id = m.status()["id"]
        self.etcd_hosts = ",".join("127.0.0.1:%d" % m.client for m in self.members)

    def restart_member(self, m):
        m.start(self.initial)
        wait_for("etcd %s back" % m.name, lambda: m.status() is not None)

    def start_other(self, name, args, ready_line=None, env=None):
        log = open(os.path.join(self.logs, name + ".log"), "ab")
        p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE if ready_line
                             else log, stderr=log, env=env, start_new_session=True, text=True)
        log.close()
        self.others.append(p)
        if ready_line:
            line = p.stdout.readline()
            if ready_line not in line:
                raise RuntimeError("%s did not start: %r" % (name, line))
            return p, line.split()[-1]
        return p, None

    def start_deployd(self):
        _, self.deployd = self.start_other(
            "deployd", [sys.executable, os.path.join(SRC, "tests/fakes/deployd"), "--port", "0",
                        "--schedule-delay", "0"], ready_line="fake listening on")

    def start_registry(self):
        port = free_ports(1)[0]
        data = os.path.join(self.dir, "registry")
        os.makedirs(data)
        conf = os.path.join(self.dir, "registry.yml")
        with open(conf, "w") as f:
            f.write("version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n"
                    "storage:\n  filesystem:\n    rootdirectory: %s\n"
                    "http:\n  addr: 127.0.0.1:%d\n  secret: it-hosts\n" % (data, port))
        self.start_other("registry", ["docker-registry", "serve", conf])
        self.registry_host = "127.0.0.1:%d" % port
        self.registry = "http://" + self.registry_host
        wait_for("docker-registry", lambda: http("GET", self.registry + "/v2/")[0] == 200)

    def push_images(self, images):
        """images: [(app, version, lain.yaml text)], pushed 4 at a time."""
        todo = list(images)
        running = []
        while todo or running:
            while todo and len(running) < 4:
                app, version, yaml = todo.pop()
                path = os.path.join(self.dir, "lain-%s-%s.yaml" % (app, version[:10]))
                with open(path, "w") as f:
                    f.write(yaml)
                running.append(subprocess.Popen(
                    [sys.executable, os.path.join(SRC, "tests/tools/push-image"), "--registry",
                     self.registry, "--app", app, "--version", version, "--lain-yaml", path],
                    stdout=subprocess.DEVNULL))
            p = running.pop(0)
            if p.wait() != 0:
                raise RuntimeError("push-image failed")

    def registry_key(self):
        keys = os.path.join(self.dir, "keys")
        subprocess.run([os.path.join(SRC, "scripts/gen-registry-key"), keys, "rsa"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return os.path.join(keys, "registry-key.pem")

    def start_hosts(self, n, env):
        ports = free_ports(n)
        for i in range(n):
            h = Host(self, "abcdefgh"[i], ports[i])
            h.start(env)
            self.hosts.append(h)

    def start_nginx(self):
        ndir = os.path.join(self.dir, "nginx")
        os.makedirs(os.path.join(ndir, "tmp"))
        tls = os.path.join(self.dir, "tls")
        subprocess.run([os.path.join(SRC, "scripts/gen-cert"), tls], check=True,
                       stdout=subprocess.DEVNULL)
        os.chmod(tls, 0o755)
        self.ca = os.path.join(tls, "cert.pem")
        web = os.path.join(self.dir, "web")
        shutil.copytree(os.path.join(SRC, "app/web"), web)
        for root, dirs, files in os.walk(web):
            for n in dirs + files:
                os.chmod(os.path.join(root, n), 0o755 if n in dirs else 0o644)
        https, http_port = free_ports(2)
        self.url = "https://127.0.0.1:%d" % https
        # Which host answered: the test's only addition to the templates.
        extra = os.path.join(ndir, "hosts-extra.conf")
        with open(extra, "w") as f:
            f.write("add_header X-Upstream $upstream_addr always;\n")
        servers = " ".join("server %s;" % h.addr for h in self.hosts)
        values = ["PREFIX=" + ndir, "NGINX_USER=" + NGINX_USER, "WORKER_PROCESSES=1",
                  "STATE_DIR=" + ndir, "LOG_DIR=" + self.logs, "CONF_DIR=" + ndir,
                  "MIME_TYPES=/etc/nginx/mime.types", "AUTH_RATE=1000r/s", "AUTH_BURST=1000",
                  "FCGI_SERVERS=" + servers, "HTTP_LISTEN=127.0.0.1:%d" % http_port,
                  "HTTPS_LISTEN=127.0.0.1:%d" % https, "HTTPS_PORT_SUFFIX=:%d" % https,
                  "TLS_CERT=" + self.ca, "TLS_KEY=" + os.path.join(tls, "key.pem"),
                  "CLIENT_MAX_BODY_SIZE=2m", "WEB_ROOT=" + web,
                  "SERVER_NAMES=console.lain.local",
                  "EXTRA_INCLUDE=include %s;" % extra]
        for f in ("nginx.conf", "console.conf"):
            subprocess.run([os.path.join(SRC, "scripts/render-template"),
                            os.path.join(SRC, "deploy/nginx", f + ".in"), os.path.join(ndir, f)]
                           + values, check=True)
        args = ["nginx", "-p", ndir + "/", "-c", os.path.join(ndir, "nginx.conf"),
                "-e", os.path.join(self.logs, "nginx-error.log")]
        subprocess.run(args + ["-t", "-q"], check=True)
        log = open(os.path.join(self.logs, "nginx-stderr.log"), "ab")
        self.nginx = subprocess.Popen(args + ["-g", "daemon off;"], stdin=subprocess.DEVNULL,
                                      stdout=log, stderr=log, start_new_session=True)
        log.close()
        self.ssl = ssl.create_default_context(cafile=self.ca)
        wait_for("nginx", lambda: socket.create_connection(("127.0.0.1", https), 0.5) and True)
        self.https_port = https

    # -- etcd as the test sees it -------------------------------------------

    def live_members(self):
        return [m for m in self.members if m.alive()]

    def etcd_put(self, key, value):
        for m in self.live_members():
            try:
                m.kv("/v3/kv/put", {"key": b64(key), "value": b64(value)})
                return
            except OSError:
                continue
        raise RuntimeError("no etcd member took the put of " + key)

    def etcd_get(self, key):
        """A linearizable read through any member; None when absent."""
        for m in self.live_members():
            try:
                out = m.kv("/v3/kv/range", {"key": b64(key)}, timeout=1.0)
            except OSError:
                continue
            kvs = out.get("kvs") or []
            return unb64(kvs[0].get("value", "")) if kvs else None
        raise OSError("no etcd member answered")

    def leader(self):
        """The member every live member names as leader, or None."""
        seen = set()
        for m in self.live_members():
            st = m.status()
            if st is None:
                return None
            seen.add(st["leader"])
        if len(seen) != 1:
            return None
        lid = seen.pop()
        return next((m for m in self.live_members() if m.id == lid), None)

    # -- stopping -----------------------------------------------------------

    def stop(self):
        procs = []
        if self.nginx:
            procs.append(("pid", self.nginx))
        procs += [("group", h.proc) for h in self.hosts if h.proc]
        procs += [("pid", p) for p in self.others]
        procs += [("pid", m.proc) for m in self.members if m.proc]
        for kind, p in procs:
            if p.poll() is not None:
                continue
            try:
                os.kill(p.pid, signal.SIGCONT)
                if kind == "group":
                    os.killpg(p.pid, signal.SIGTERM)
                else:
                    p.terminate()
            except ProcessLookupError:
                pass
        for kind, p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                if kind == "group":
                    os.killpg(p.pid, signal.SIGKILL)
                else:
                    p.kill()
                p.wait()
            if kind == "group":
                try:   # workers left by a master that is gone
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if getattr(p, "stdout", None):
                p.stdout.close()

    def remove(self, failed):
        """Removes the stack's directory once stop() is done, unless a test
        failed or IT_HOSTS_KEEP is set: then it stays, with its logs (the
        consoles' JSON logs, nginx's and each etcd member's), and its path
        is printed."""
        if failed or os.environ.get("IT_HOSTS_KEEP"):
            # The members' data (64 MB of preallocated log each) is not what
            # anyone reads afterwards, and on tmpfs it would hold memory.
            for name in os.listdir(self.dir):
                if name.startswith("etcd-"):
                    shutil.rmtree(os.path.join(self.dir, name), ignore_errors=True)
            print("it_hosts: kept %s (logs in %s)" % (self.dir, self.logs), flush=True)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def fastcgi_get(port, path, remote_addr, source="127.0.0.1", timeout=5.0):
    """One FastCGI GET (responder role) to 127.0.0.1:port from the local
    address source: the raw stdout lain-console wrote, b"" when the
    connection was closed without an answer."""
    return fastcgi_call(port, "GET", path, remote_addr, source=source, timeout=timeout)


def fastcgi_call(port, method, path, remote_addr, headers=None, body=b"", source="127.0.0.1",
                 timeout=5.0):
    """As fastcgi_get, with any method, request headers ({"access-token":
    ...}, passed as HTTP_*), a body, and a query in path: a request to one
    host, without nginx choosing."""
    def record(rtype, content):
        return struct.pack("!BBHHBx", 1, rtype, 1, len(content), 0) + content

    def length(n):
        return bytes([n]) if n < 128 else struct.pack("!I", n | 0x80000000)

    def pair(k, v):
        k, v = k.encode(), v.encode()
        return length(len(k)) + length(len(v)) + k + v
    uri, _, query = path.partition("?")
    params = [("REQUEST_METHOD", method), ("DOCUMENT_URI", uri), ("REQUEST_URI", path),
              ("QUERY_STRING", query), ("REMOTE_ADDR", remote_addr),
              ("REQUEST_ID", "it-hosts-fcgi"), ("CONTENT_LENGTH", str(len(body)))]
    params += [("HTTP_" + k.upper().replace("-", "_"), v) for k, v in (headers or {}).items()]
    stdin = b"".join(record(5, body[i:i + 65535]) for i in range(0, len(body), 65535))
    msg = (record(1, struct.pack("!HB5x", 1, 0)) + record(4, b"".join(pair(k, v) for k, v in params))
           + record(4, b"") + stdin + record(5, b""))
    s = socket.socket()
    s.settimeout(timeout)
    s.bind((source, 0))
    out = b""
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(msg)
        buf = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        while len(buf) >= 8:
            _, rtype, _, clen, plen = struct.unpack("!BBHHB", buf[:7])
            if rtype == 6:
                out += buf[8:8 + clen]
            buf = buf[8 + clen + plen:]
    except (ConnectionResetError, BrokenPipeError):
        pass
    finally:
        s.close()
    return out
