#!/usr/bin/env python3
"""make install, checked as an operator would use what it lays out.

Runs `make install DESTDIR=<tmp>` in the build directory (make check runs
tests there) and checks the installed tree:

  * the binary, lain-console-gen-registry-key, openapi.json, README.md;
  * the web UI: exactly the files under app/web/, whatever they are;
  * the example config: every setting of app/config.c's table (as the
    installed binary's --check-config prints them) and of README's
    configuration table, no other, each with its real default; the binary
    accepts it as installed and with every line uncommented;
  * the nginx templates: once the test fills what the operator fills (TLS
    certificate and key), `nginx -t` accepts the installed nginx.conf with the
    console.conf it includes;
  * the systemd unit: `systemd-analyze verify` passes, `systemd-analyze
    security --offline` gives the exposure README states, and it agrees with
    the config defaults (socket, group, drain timeout);
  * the sysusers.d file makes the unit's user (systemd-sysusers --root);
  * a reinstall keeps an edited console.conf, and uninstall leaves nothing.

The installed files hold the configured paths (e.g. /usr/local/...), not the
DESTDIR ones: where a tool must open installed files, the test maps those
paths into DESTDIR in a copy, and checks that nothing else differs.
"""

import filecmp
import os
import re
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.environ.get("srcdir") or os.path.join(HERE, "..", ".."))
BUILD = os.getcwd()
UNIT = "lain-console.service"


def clean_env():
    """The environment without make's (a nested make must not join the
    jobserver of make check) and without lain-console's settings."""
    return {k: v for k, v in os.environ.items()
            if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "DESTDIR")
            and not k.startswith(("CONSOLE_", "SSO_", "LVAULT_"))
            and k not in ("PROTECTED_APPS_ETCD_PREFIX", "NOTIFY_SOCKET")}


def run(args, **kw):
    return subprocess.run(args, env=clean_env(), capture_output=True, text=True, **kw)


def make(*args):
    r = run(["make", "-s"] + list(args), cwd=BUILD)
    if r.returncode:
        raise AssertionError("make %s failed:\n%s%s" % (" ".join(args), r.stdout, r.stderr))
    return r.stdout


def install_dirs():
    return dict(line.split("=", 1) for line in make("print-install-dirs").splitlines()
                if "=" in line)


def files_under(root, hidden=False):
    """Files below root, relative; names starting with '.' (and what is
    below them) only when hidden."""
    out = set()
    for d, subdirs, files in os.walk(root):
        subdirs[:] = [s for s in subdirs if hidden or not s.startswith(".")]
        for f in files:
            if hidden or not f.startswith("."):
                out.add(os.path.relpath(os.path.join(d, f), root))
    return out


SETTING = re.compile(r"^#?([A-Z][A-Z0-9_]*)=(.*)$")


def example_settings(path):
    """NAME -> value of every setting line of an example config, commented or not."""
    out = {}
    with open(path) as f:
        for line in f:
            m = SETTING.match(line.rstrip("\n"))
            if m:
                if m.group(1) in out:
                    raise AssertionError("%s: %s is listed twice" % (path, m.group(1)))
                out[m.group(1)] = m.group(2)
    return out


def readme_settings(known):
    """The names in the first column of README's configuration table. A
    shorthand `_REST` after a full name means that name with its tail
    replaced: the one such name among `known` (e.g. `CONSOLE_FCGI_SOCKET_MODE`,
    `_GROUP` -> CONSOLE_FCGI_SOCKET_GROUP)."""
    with open(os.path.join(SRC, "README.md")) as f:
        text = f.read()
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    names, unresolved = set(), []
    for row in section.splitlines():
        if not row.startswith("| `"):
            continue
        full = None
        for name in re.findall(r"`([A-Z_][A-Z0-9_]*)`", row.split("|")[1]):
            if not name.startswith("_"):
                full = name
                names.add(name)
                continue
            parts = full.split("_") if full else []
            candidates = {"_".join(parts[:i]) + name for i in range(1, len(parts))}
            match = candidates & known
            if len(match) == 1:
                names.add(match.pop())
            else:
                unresolved.append("%s after %s" % (name, full))
    if unresolved:
        raise AssertionError("README's table has shorthands that name no setting: %s"
                             % ", ".join(unresolved))
    return names


def readme_exposure():
    with open(os.path.join(SRC, "README.md")) as f:
        m = re.search(r"exposure level \*\*([0-9]+\.[0-9]) ([A-Z]+)\*\*", f.read())
    if not m:
        raise AssertionError("README states no `exposure level **N.N WORD**` of the unit")
    return m.group(1), m.group(2)


def require(tool):
    path = shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin:/usr/bin")
    if not path:
        raise AssertionError("%s not found: run scripts/bootstrap" % tool)
    return path


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(os.path.join(BUILD, "Makefile")):
            raise unittest.SkipTest("run from the build directory (make check does)")
        cls.tmp = tempfile.mkdtemp(prefix="lc-install-")
        cls.dest = os.path.join(cls.tmp, "root")
        make("install", "DESTDIR=" + cls.dest)
        cls.dirs = install_dirs()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def at(self, name, *rest):
        """The DESTDIR path of an install directory (print-install-dirs)."""
        return os.path.join(self.dest + self.dirs[name], *rest)

    def read(self, path):
        with open(path) as f:
            return f.read()

    def console(self, *args):
        return run([self.at("bindir", "lain-console")] + list(args))

    def check_config(self, conf):
        r = self.console("--check-config", "--config", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        return dict(line.split("=", 1) for line in r.stdout.splitlines())

    def defaults(self):
        return self.check_config(os.devnull)

    def map_paths(self, text, mapping):
        """text with each configured path of mapping replaced (longest first)."""
        for old in sorted(mapping, key=len, reverse=True):
            text = text.replace(old, mapping[old])
        return text

    # --- the files ------------------------------------------------------------

    def test_programs_and_documents(self):
        self.assertEqual(self.console("--help").returncode, 0)
        tool = self.at("bindir", "lain-console-gen-registry-key")
        self.assertTrue(os.access(tool, os.X_OK), tool)
        self.assertTrue(filecmp.cmp(tool, os.path.join(SRC, "scripts", "gen-registry-key"),
                                    shallow=False))
        self.assertTrue(filecmp.cmp(self.at("pkgdatadir", "openapi.json"),
                                    os.path.join(SRC, "app", "api", "openapi.json"), shallow=False))
        self.assertTrue(filecmp.cmp(self.at("docdir", "README.md"),
                                    os.path.join(SRC, "README.md"), shallow=False))

    def test_web_ui_is_the_whole_tree(self):
        src = os.path.join(SRC, "app", "web")
        want = files_under(src)
        self.assertIn("index.html", want)
        got = files_under(self.at("webdir"))
        self.assertEqual(sorted(got), sorted(want))
        for f in want:
            self.assertTrue(filecmp.cmp(os.path.join(src, f), self.at("webdir", f), shallow=False), f)

    # --- the example config ---------------------------------------------------

    def test_example_config_lists_every_setting_with_its_default(self):
        defaults = self.defaults()
        example = example_settings(self.at("pkgsysconfdir", "console.conf"))
        readme = readme_settings(set(defaults))
        self.assertEqual(sorted(set(defaults) - set(example)), [],
                         "settings of app/config.c missing from deploy/console.conf")
        self.assertEqual(sorted(set(example) - set(defaults)), [],
                         "deploy/console.conf names settings app/config.c does not know")
        self.assertEqual(sorted(set(defaults) - readme), [],
                         "settings of app/config.c missing from README's configuration table")
        self.assertEqual(sorted(readme - set(defaults)), [],
                         "README's configuration table names settings app/config.c does not know")
        for name, value in defaults.items():
            if name == "CONSOLE_WORKERS":     # computed from the cores
                continue
            self.assertEqual(example[name], value, "default of %s" % name)

    def test_binary_accepts_the_example_config(self):
        conf = self.at("pkgsysconfdir", "console.conf")
        self.check_config(conf)
        # Every line uncommented: each value is valid and taken as written.
        example = example_settings(conf)
        active = os.path.join(self.tmp, "all-settings.conf")
        with open(active, "w") as out:
            for line in self.read(conf).splitlines():
                out.write((line[1:] if SETTING.match(line) else line) + "\n")
        self.assertEqual(self.check_config(active), example)

    # --- nginx ------------------------------------------------------------------

    def test_nginx_accepts_the_templates_once_tls_is_filled(self):
        nginx = require("nginx")
        d = self.dirs
        op = os.path.join(self.tmp, "nginx-op")
        tls = os.path.join(op, "tls")
        r = run([os.path.join(SRC, "scripts", "gen-cert"), tls])
        self.assertEqual(r.returncode, 0, r.stderr)

        console = self.read(self.at("nginxconfdir", "console.conf"))
        self.assertIn("root %s;" % d["webdir"], console)
        self.assertIn("server unix:%s;" % d["CONSOLE_RUN_SOCKET"], console)
        self.assertEqual(d["CONSOLE_RUN_SOCKET"], self.defaults()["CONSOLE_FCGI_SOCKET"])
        left = set(re.findall(r"@([A-Z][A-Z0-9_]*)@", console))
        self.assertEqual(left, {"TLS_CERT", "TLS_KEY"}, "placeholders for the operator")
        # The operator's step: fill the TLS paths, put the copy where the
        # installed nginx.conf includes it from.
        console = console.replace("@TLS_CERT@", os.path.join(tls, "cert.pem"))
        console = console.replace("@TLS_KEY@", os.path.join(tls, "key.pem"))
        conf_dir = os.path.join(op, "conf")
        os.makedirs(conf_dir)
        with open(os.path.join(conf_dir, "console.conf"), "w") as f:
            f.write(console)

        main = self.read(self.at("nginxconfdir", "nginx.conf"))
        self.assertIsNone(re.search(r"@[A-Z][A-Z0-9_]*@", main))
        self.assertIn("include %s;" % d["NGINX_MIME_TYPES"], main)
        self.assertIn("include %s/console.conf;" % d["NGINX_CONF_DIR"], main)
        # The test's step: the configured state and log paths, into the
        # DESTDIR install (whose empty directories make install made) - in a
        # copy, so that nginx's files stay out of the installed tree.
        for name in ("NGINX_STATE_DIR", "NGINX_LOG_DIR"):
            self.assertTrue(os.path.isdir(self.at(name)), name)
        state, logs = os.path.join(op, "state"), os.path.join(op, "log")
        os.makedirs(os.path.join(state, "tmp"))
        os.makedirs(logs)
        main = self.map_paths(main, {d["NGINX_CONF_DIR"]: conf_dir,
                                     d["NGINX_STATE_DIR"]: state, d["NGINX_LOG_DIR"]: logs})
        with open(os.path.join(conf_dir, "nginx.conf"), "w") as f:
            f.write(main)
        r = run([nginx, "-t", "-p", conf_dir, "-c", os.path.join(conf_dir, "nginx.conf"),
                 "-e", os.path.join(logs, "nginx-error.log")])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("test is successful", r.stderr)

    # --- systemd ----------------------------------------------------------------

    def unit_copy(self):
        """The installed unit with ExecStart's binary mapped into DESTDIR
        (verify checks that it exists), in a folder of its own."""
        text = self.read(self.at("systemdsystemunitdir", UNIT))
        binary = self.dirs["bindir"] + "/lain-console"
        self.assertIn("\nExecStart=%s --config %s/console.conf\n"
                      % (binary, self.dirs["pkgsysconfdir"]), text)
        mapped = text.replace("ExecStart=" + binary, "ExecStart=" + self.at("bindir", "lain-console"))
        self.assertEqual([a for a, b in zip(text.splitlines(), mapped.splitlines()) if a != b],
                         ["ExecStart=%s --config %s/console.conf"
                          % (binary, self.dirs["pkgsysconfdir"])])
        d = tempfile.mkdtemp(dir=self.tmp)
        path = os.path.join(d, UNIT)
        with open(path, "w") as f:
            f.write(mapped)
        return text, path

    def test_unit_passes_systemd_analyze_verify(self):
        analyze = require("systemd-analyze")
        _, path = self.unit_copy()
        r = run([analyze, "verify", path])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn(UNIT, r.stdout + r.stderr)

    def test_unit_exposure_is_the_one_readme_states(self):
        analyze = require("systemd-analyze")
        _, path = self.unit_copy()
        level, word = readme_exposure()
        threshold = str(int(round(float(level) * 10)))
        r = run([analyze, "security", "--offline=yes", "--threshold=" + threshold, path])
        out = r.stdout + r.stderr
        m = re.search(r"Overall exposure level for %s: ([0-9.]+) ([A-Z]+)" % re.escape(UNIT), out)
        self.assertIsNotNone(m, out)
        self.assertEqual(r.returncode, 0, "exposure above README's %s:\n%s" % (level, out))
        self.assertEqual((m.group(1), m.group(2)), (level, word),
                         "README states %s %s; update it:\n%s" % (level, word, out))

    def test_unit_agrees_with_the_config_defaults(self):
        text, _ = self.unit_copy()
        lines = text.splitlines()
        defaults = self.defaults()

        def value(key):
            found = [line.split("=", 1)[1] for line in lines if line.startswith(key + "=")]
            self.assertEqual(len(found), 1, key)
            return found[0]

        self.assertEqual(value("Type"), "notify")
        self.assertEqual(value("ExecReload"), "/bin/kill -HUP $MAINPID")
        self.assertEqual(value("KillMode"), "mixed")
        # The socket lives in the runtime directory systemd makes, and the
        # service is in the group it hands the socket to.
        self.assertEqual(os.path.dirname(defaults["CONSOLE_FCGI_SOCKET"]),
                         "/run/" + value("RuntimeDirectory"))
        self.assertEqual(value("SupplementaryGroups"), defaults["CONSOLE_FCGI_SOCKET_GROUP"])
        stop = value("TimeoutStopSec")
        self.assertRegex(stop, r"^[0-9]+s$")
        self.assertGreater(int(stop[:-1]), int(defaults["CONSOLE_DRAIN_TIMEOUT"]))

    def test_sysusers_makes_the_units_user(self):
        sysusers = require("systemd-sysusers")
        root = os.path.join(self.tmp, "sysroot")
        os.makedirs(os.path.join(root, "etc"))
        r = run([sysusers, "--root=" + root, self.at("sysusersdir", "lain-console.conf")])
        self.assertEqual(r.returncode, 0, r.stderr)
        users = {line.split(":")[0]: line.split(":") for line in
                 self.read(os.path.join(root, "etc", "passwd")).splitlines()}
        text, _ = self.unit_copy()
        user = re.search(r"^User=(.*)$", text, re.M).group(1)
        self.assertIn(user, users)
        self.assertEqual(users[user][6], "/usr/sbin/nologin")
        self.assertLess(int(users[user][2]), 1000, "a system user")

    # --- reinstall and uninstall ----------------------------------------------------

    def test_reinstall_keeps_an_edited_config_and_uninstall_cleans_up(self):
        dest = os.path.join(self.tmp, "again")
        make("install", "DESTDIR=" + dest)
        conf = dest + self.dirs["pkgsysconfdir"] + "/console.conf"
        with open(conf, "a") as f:
            f.write("CONSOLE_ETCD_HOST=etcd1:2379,etcd2:2379\n")
        make("install", "DESTDIR=" + dest)
        self.assertIn("etcd1:2379", self.read(conf))
        self.assertTrue(filecmp.cmp(conf + ".dist", os.path.join(SRC, "deploy", "console.conf"),
                                    shallow=False))
        make("uninstall", "DESTDIR=" + dest)
        self.assertEqual(sorted(files_under(dest, hidden=True)),
                         [os.path.relpath(conf, dest)], "uninstall keeps only the edited config")
        os.unlink(conf)
        make("install", "DESTDIR=" + dest)
        make("uninstall", "DESTDIR=" + dest)
        self.assertEqual(sorted(files_under(dest, hidden=True)), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
