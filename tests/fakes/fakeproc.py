"""Starting and stopping a stand-in of tests/fakes in its self-test.

    proc, base = fakeproc.start("webhook", ["--port", "0"])
    ...
    fakeproc.stop(proc)

start() waits (30 s at most: a loaded machine can take seconds to start
Python, but make check must never hang) for the fake's first stdout line,
"<name> fake listening on http://HOST:PORT", and returns the process and
that URL; anything else kills it and raises (its stderr is in the log).
"""

import os
import select
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def start(name, args):
    script = os.path.join(HERE, name)
    proc = subprocess.Popen([sys.executable, script] + list(args),
                            stdout=subprocess.PIPE, text=True)   # stderr: into the test log
    ready, _, _ = select.select([proc.stdout], [], [], 30)
    line = proc.stdout.readline() if ready else ""
    if not line.startswith("%s fake listening on http://" % name):
        proc.kill()
        proc.wait()
        proc.stdout.close()
        raise RuntimeError("%s did not start (first line %r; its stderr is above)" % (script, line))
    return proc, line.split()[-1]


def stop(proc):
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()
