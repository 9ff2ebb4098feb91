#!/usr/bin/env python3
"""Self-test of tests/tools/push-image against the real Debian docker-registry.

Starts /usr/bin/docker-registry on a free loopback port with a temporary
filesystem store (no auth), pushes an app and reads everything back: tags,
the schema2 manifests, config blobs (diff_ids) and the meta layer's lain.yaml.
The Bearer token flow is exercised through a small proxy that demands a token
(WWW-Authenticate challenge + token endpoint with Basic auth) in front of the
same registry.  Run by `make check`; skipped (exit 77) without docker-registry.
"""

import base64
import contextlib
import importlib.machinery
import importlib.util
import gzip
import hashlib
import http.server
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PUSH = os.path.join(HERE, "push-image")
REGISTRY_BIN = "/usr/bin/docker-registry"
MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"
V1 = "1524455982-f478c2b1a1e7c5a0ea0f0f1d6cbb1a1e2c3d4e5f"
V2 = "1524459999-0123456789abcdef0123456789abcdef01234567"
LAIN_YAML = b"""appname: hello
build:
  base: golang
  script: [go build -o hello]
web:
  cmd: /hello
  port: 80
"""


def load_push_image():
    """push-image as a module, so most cases run without a new interpreter."""
    sys.dont_write_bytecode = True     # never write into the (maybe read-only) source tree
    loader = importlib.machinery.SourceFileLoader("push_image", PUSH)
    spec = importlib.util.spec_from_loader("push_image", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


PUSH_MODULE = load_push_image()


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(method, url, headers=None, body=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class AuthProxy(http.server.BaseHTTPRequestHandler):
    """Demands `Bearer good-token`; /token hands it out for alice:secret."""
    protocol_version = "HTTP/1.1"
    upstream = None
    token_requests = []

    def log_message(self, *a):
        pass

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/token":
            AuthProxy.token_requests.append(urllib.parse.parse_qs(url.query))
            want = "Basic " + base64.b64encode(b"alice:secret").decode()
            if self.headers.get("Authorization") != want:
                return self.reply(401, b'{"errors":"bad credentials"}')
            return self.reply(200, b'{"token": "good-token", "expires_in": 300}',
                              [("Content-Type", "application/json")])
        if self.headers.get("Authorization") != "Bearer good-token":
            host = self.headers.get("Host")
            chal = ('Bearer realm="http://%s/token",service="test-registry"' % host)
            parts = url.path.split("/")
            if len(parts) > 3 and parts[1] == "v2":
                chal += ',scope="repository:%s:pull,push"' % parts[2]
            return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}',
                              [("WWW-Authenticate", chal), ("Content-Type", "application/json")])
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("authorization", "connection")}
        req = urllib.request.Request(self.upstream + self.path, data=body, method=self.command, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                status, rh, data = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, rh, data = e.code, e.headers, e.read()
        keep = [(k, v) for k, v in rh.items() if k.lower() not in ("content-length", "connection", "transfer-encoding")]
        self.reply(status, data, keep)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


class PushImageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="test-push-image-")
        cls.port = free_port()
        cls.base = "http://127.0.0.1:%d" % cls.port
        cfg = os.path.join(cls.tmp, "config.yml")
        with open(cfg, "w") as f:
            f.write("version: 0.1\n"
                    "log:\n  level: error\n  accesslog:\n    disabled: true\n"
                    "storage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\n"
                    "http:\n  addr: 127.0.0.1:%d\n  secret: test-secret\n"
                    % (os.path.join(cls.tmp, "data"), cls.port))
        cls.log = open(os.path.join(cls.tmp, "registry.log"), "w")
        cls.proc = subprocess.Popen([REGISTRY_BIN, "serve", cfg], stdout=cls.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while True:
            try:
                if call("GET", cls.base + "/v2/")[0] == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline or cls.proc.poll() is not None:
                cls.tearDownClass()
                raise RuntimeError("docker-registry did not come up")
            time.sleep(0.1)
        cls.yaml_path = os.path.join(cls.tmp, "lain.yaml")
        with open(cls.yaml_path, "wb") as f:
            f.write(LAIN_YAML)

    @classmethod
    def tearDownClass(cls):
        if cls.proc.poll() is None:
            cls.proc.terminate()
            try:
                cls.proc.wait(5)
            except subprocess.TimeoutExpired:
                cls.proc.kill()
                cls.proc.wait()
        cls.log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_push(self, *args, registry=None, subprocess_=False):
        argv = ["--registry", registry or self.base] + list(args)
        if subprocess_:
            return subprocess.run([sys.executable, PUSH] + argv, capture_output=True, text=True, timeout=30)
        out, err = io.StringIO(), io.StringIO()
        old_argv = sys.argv
        sys.argv = ["push-image"] + argv
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    rc = PUSH_MODULE.main()
                except SystemExit as e:
                    rc = e.code
        finally:
            sys.argv = old_argv
        return Result(rc, out.getvalue(), err.getvalue())

    def manifest(self, app, tag):
        st, h, body = call("GET", "%s/v2/%s/manifests/%s" % (self.base, app, tag), {"Accept": MANIFEST_V2})
        self.assertEqual(st, 200, body)
        self.assertEqual(h["Content-Type"], MANIFEST_V2)
        self.assertEqual(h["Docker-Content-Digest"], "sha256:" + hashlib.sha256(body).hexdigest())
        return json.loads(body)

    def blob(self, app, digest):
        st, _, body = call("GET", "%s/v2/%s/blobs/%s" % (self.base, app, digest))
        self.assertEqual(st, 200)
        self.assertEqual("sha256:" + hashlib.sha256(body).hexdigest(), digest)
        return body

    def check_image(self, app, tag):
        """Manifest, config and layer consistent; returns {path: bytes} of the layer."""
        m = self.manifest(app, tag)
        self.assertEqual(m["schemaVersion"], 2)
        self.assertEqual(m["mediaType"], MANIFEST_V2)
        self.assertEqual(len(m["layers"]), 1)
        cfg_raw = self.blob(app, m["config"]["digest"])
        self.assertEqual(len(cfg_raw), m["config"]["size"])
        cfg = json.loads(cfg_raw)
        self.assertEqual((cfg["architecture"], cfg["os"]), ("amd64", "linux"))
        layer = self.blob(app, m["layers"][0]["digest"])
        self.assertEqual(len(layer), m["layers"][0]["size"])
        tar_bytes = gzip.decompress(layer)
        self.assertEqual(cfg["rootfs"], {"type": "layers",
                                         "diff_ids": ["sha256:" + hashlib.sha256(tar_bytes).hexdigest()]})
        files = {}
        with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
            for member in tar.getmembers():
                if member.isfile():
                    files[member.name] = tar.extractfile(member).read()
        return files, cfg

    def tags(self, app):
        st, _, body = call("GET", "%s/v2/%s/tags/list" % (self.base, app))
        self.assertEqual(st, 200, body)
        return sorted(json.loads(body)["tags"])

    def test_push_meta_and_release(self):
        # once as the executable it is
        r = self.run_push("--app", "hello", "--version", V1, "--lain-yaml", self.yaml_path, subprocess_=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("pushed hello:meta-" + V1, r.stdout)
        self.assertIn("pushed hello:release-" + V1, r.stdout)
        self.assertEqual(self.tags("hello"), ["meta-" + V1, "release-" + V1])
        files, cfg = self.check_image("hello", "meta-" + V1)
        self.assertEqual(files, {"lain.yaml": LAIN_YAML})
        files, cfg = self.check_image("hello", "release-" + V1)
        self.assertEqual(list(files), ["lain/app/RELEASE"])
        self.assertEqual(cfg["config"]["WorkingDir"], "/lain/app")
        # a second push of the same images (blobs already there) is fine and idempotent
        r = self.run_push("--app", "hello", "--version", V1, "--lain-yaml", self.yaml_path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.tags("hello"), ["meta-" + V1, "release-" + V1])

    def test_no_release_and_no_meta(self):
        r = self.run_push("--app", "meta-only", "--version", V1, "--lain-yaml", self.yaml_path, "--no-release")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.tags("meta-only"), ["meta-" + V1])
        r = self.run_push("--app", "meta-only", "--version", V2, "--no-meta")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.tags("meta-only"), ["meta-" + V1, "release-" + V2])

    def test_app_names_with_dots(self):
        r = self.run_push("--app", "resource.mysql.hello", "--version", V1, "--lain-yaml", self.yaml_path)
        self.assertEqual(r.returncode, 0, r.stderr)
        files, _ = self.check_image("resource.mysql.hello", "meta-" + V1)
        self.assertEqual(files["lain.yaml"], LAIN_YAML)

    def test_meta_layer_as_given(self):
        # a hostile layer from bomb-layer, pushed as it is: the stream is what
        # the tool wrote, and it decompresses to the tar it announced
        bomb = os.path.join(self.tmp, "bomb.bz2")
        r = subprocess.run([sys.executable, os.path.join(HERE, "bomb-layer"), "--out", bomb,
                            "--zeros", str(150 << 20), "--entries", "3", "--compress", "bzip2",
                            "--lain-yaml", self.yaml_path], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(bomb, "rb") as f:
            blob = f.read()
        self.assertLess(len(blob), 2048)
        r = self.run_push("--app", "bomb", "--version", V1, "--meta-layer", bomb, "--no-release")
        self.assertEqual(r.returncode, 0, r.stderr)
        m = self.manifest("bomb", "meta-" + V1)
        self.assertEqual(m["layers"][0]["mediaType"], "application/vnd.docker.image.rootfs.diff.tar")
        self.assertEqual(self.blob("bomb", m["layers"][0]["digest"]), blob)
        with tarfile.open(fileobj=io.BytesIO(blob), mode="r:bz2") as tar:
            members = tar.getmembers()
            self.assertEqual([(x.name, x.size) for x in members],
                             [("zeros", 150 << 20), ("e/000000", 0), ("e/000001", 0), ("e/000002", 0),
                              ("lain.yaml", len(LAIN_YAML))])
            self.assertEqual(tar.extractfile(members[-1]).read(), LAIN_YAML)
        # gzip: members concatenated, the gzip media type; --present cuts it
        cut = os.path.join(self.tmp, "cut.gz")
        r = subprocess.run([sys.executable, os.path.join(HERE, "bomb-layer"), "--out", cut,
                            "--zeros", str(100 << 20), "--present", str(1 << 20), "--compress", "gzip"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(cut, "rb") as f:
            raw = gzip.decompress(f.read())
        self.assertEqual(len(raw), 512 + (1 << 20))
        r = self.run_push("--app", "bomb", "--version", V2, "--meta-layer", cut, "--no-release")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.manifest("bomb", "meta-" + V2)["layers"][0]["mediaType"],
                         "application/vnd.docker.image.rootfs.diff.tar.gzip")

    def test_bad_usage(self):
        for args in (["--app", "x", "--version", "123-abc", "--lain-yaml", self.yaml_path],
                     ["--app", "Bad_Name", "--version", V1, "--lain-yaml", self.yaml_path],
                     ["--app", "x", "--version", V1, "--lain-yaml", "/nonexistent/lain.yaml"]):
            r = self.run_push(*args)
            self.assertEqual(r.returncode, 2, (args, r.stdout, r.stderr))

    def test_registry_down(self):
        r = self.run_push("--app", "x", "--version", V1, "--lain-yaml", self.yaml_path,
                          registry="http://127.0.0.1:%d" % free_port())
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot reach", r.stderr)

    def test_bearer_token_flow(self):
        AuthProxy.upstream = self.base
        AuthProxy.token_requests = []
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), AuthProxy)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        proxy = "http://127.0.0.1:%d" % srv.server_address[1]
        try:
            r = self.run_push("--app", "secured", "--version", V1, "--lain-yaml", self.yaml_path,
                              registry=proxy)
            self.assertEqual(r.returncode, 1)
            self.assertIn("--username", r.stderr)
            r = self.run_push("--app", "secured", "--version", V1, "--lain-yaml", self.yaml_path,
                              "--username", "alice", "--password", "wrong", registry=proxy)
            self.assertEqual(r.returncode, 1)
            self.assertIn("token server", r.stderr)
            AuthProxy.token_requests = []
            r = self.run_push("--app", "secured", "--version", V1, "--lain-yaml", self.yaml_path,
                              "--username", "alice", "--password", "secret", registry=proxy)
            self.assertEqual(r.returncode, 0, r.stderr)
            # one token, reused for every later call
            self.assertEqual(len(AuthProxy.token_requests), 1)
            q = AuthProxy.token_requests[0]
            self.assertEqual(q["service"], ["test-registry"])
            self.assertIn("repository:secured:pull,push", q["scope"])
        finally:
            srv.shutdown()
            srv.server_close()
        self.assertEqual(self.tags("secured"), ["meta-" + V1, "release-" + V1])
        files, _ = self.check_image("secured", "meta-" + V1)
        self.assertEqual(files["lain.yaml"], LAIN_YAML)

    @unittest.skipUnless(shutil.which("skopeo"), "skopeo not installed")
    def test_skopeo_reads_it(self):
        r = self.run_push("--app", "skopeoapp", "--version", V1, "--lain-yaml", self.yaml_path)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = subprocess.run(["skopeo", "inspect", "--tls-verify=false",
                              "docker://127.0.0.1:%d/skopeoapp:meta-%s" % (self.port, V1)],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        doc = json.loads(out.stdout)
        self.assertEqual((doc["Architecture"], doc["Os"]), ("amd64", "linux"))
        self.assertEqual(len(doc["Layers"]), 1)


if __name__ == "__main__":
    if not os.access(REGISTRY_BIN, os.X_OK):
        print("skip: %s not installed" % REGISTRY_BIN)
        sys.exit(77)
    unittest.main(verbosity=2)
