"""Real-process tests of memtop's Python agent (Sources/MemtopCore/Agent).

Each test plays memtop: it makes a private directory holding the agent's three files, listens
on DIR/agent.sock, launches (or attaches to) a real Python program and checks what the agent
says and what the program does. Run all with `python3 Tests/PythonAgent/test_agent.py`, one
with `... test_agent.py AgentTests.test_hello`, the names with `--list`. `swift test --filter
PythonAgentTests` runs each through the Swift suite.

Timeouts are generous (tens of seconds) and every wait polls a deadline: the tests must pass
on a loaded 2-core machine.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
AGENT_DIR = os.path.join(os.path.dirname(os.path.dirname(HERE)), "Sources", "MemtopCore", "Agent")
AGENT_FILES = ("memtop_agent.py", "sitecustomize.py", "attach.py")
PYTHON = os.environ.get("MEMTOP_TEST_PYTHON") or sys.executable
WAIT = 60.0  # seconds: the longest any single expectation may take


class Connection:
    """One agent's connection, read line by line with deadlines."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""
        self.messages = []  # every message received, in order

    def send(self, message):
        self.sock.sendall((json.dumps(message) + "\n").encode())

    def send_raw(self, data):
        self.sock.sendall(data)

    def next(self, timeout=WAIT):
        """The next message, or None at EOF; fails the test after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no message from the agent within %.0f s" % timeout)
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                data = b""
            if not data:
                if self.buffer:
                    raise AssertionError("the agent closed in the middle of a line: %r" % self.buffer[:200])
                return None
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        message = json.loads(line.decode("utf-8"))
        self.messages.append(message)
        return message

    def until(self, predicate, what, timeout=WAIT):
        """Reads until a message satisfies `predicate`; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("waited %.0f s for %s; last: %s" % (timeout, what, self.tail()))
            message = self.next(left)
            if message is None:
                raise AssertionError("the agent closed before %s; last: %s" % (what, self.tail()))
            if predicate(message):
                return message

    def samples(self, predicate, count, what, timeout=WAIT):
        found = []
        deadline = time.monotonic() + timeout
        while len(found) < count:
            left = deadline - time.monotonic()
            found.append(self.until(lambda m: m.get("type") == "sample" and predicate(m), what, max(left, 0.001)))
        return found

    def tail(self):
        return json.dumps(self.messages[-2:])[:1500]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Memtop:
    """memtop's side: a private directory with the agent, a listening socket, programs."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="memtop-agent-test-")
        os.chmod(self.dir, 0o700)
        for name in AGENT_FILES:
            shutil.copyfile(os.path.join(AGENT_DIR, name), os.path.join(self.dir, name))
            os.chmod(os.path.join(self.dir, name), 0o600)
        self.socket_path = os.path.join(self.dir, "agent.sock")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.socket_path)
        os.chmod(self.socket_path, 0o600)
        self.listener.listen(16)
        self.app_dir = tempfile.mkdtemp(prefix="memtop-agent-app-")
        self.children = []
        self.connections = []

    def write(self, relative, text):
        path = os.path.join(self.app_dir, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text).lstrip("\n"))
        return path

    def launch(
        self, script, args=(), agent=True, pythonpath=(), socket_path=None, python=PYTHON, env=None, interpreter_args=(),
        nofile=None, prefix=(),
    ):
        """Starts `python script args` as memtop --python would (agent=True); `nofile` sets the
        program's soft descriptor limit, `prefix` is a command that runs the interpreter."""
        environment = dict(os.environ)
        for name in ("PYTHONPATH", "MEMTOP_AGENT_SOCKET", "PYTHONSTARTUP"):
            environment.pop(name, None)
        path = list(pythonpath)
        if agent:
            path.insert(0, self.dir)
            environment["MEMTOP_AGENT_SOCKET"] = socket_path or self.socket_path
        if path:
            environment["PYTHONPATH"] = os.pathsep.join(path)
        environment.update(env or {})
        limit = None
        if nofile is not None:
            import resource

            def limit():
                hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
                soft = nofile if hard == resource.RLIM_INFINITY else min(nofile, hard)
                resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

        child = subprocess.Popen(
            list(prefix) + [python] + list(interpreter_args) + [script] + list(args),
            cwd=self.app_dir,
            preexec_fn=limit,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.children.append(child)
        return child

    def accept(self, timeout=WAIT):
        self.listener.settimeout(timeout)
        try:
            sock, _ = self.listener.accept()
        except socket.timeout:
            raise AssertionError("no agent connected within %.0f s%s" % (timeout, self.exits())) from None
        connection = Connection(sock)
        self.connections.append(connection)
        return connection

    def exits(self):
        """How the programs that already ended ended, for a failure message."""
        said = ""
        for child in self.children:
            if child.poll() is not None:
                out, err = child.communicate()
                said += "; %s exited %d: %r %r" % (child.args[1:], child.returncode, out[-500:], err[-1500:])
        return said

    def no_connection(self, seconds):
        """Whether no agent connects for `seconds`."""
        self.listener.settimeout(seconds)
        try:
            sock, _ = self.listener.accept()
        except socket.timeout:
            return True
        sock.close()
        return False

    def close(self):
        for connection in self.connections:
            connection.close()
        self.listener.close()
        for child in self.children:
            if child.poll() is None:
                child.kill()
            child.wait()
            for stream in (child.stdin, child.stdout, child.stderr):
                if stream:
                    stream.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        shutil.rmtree(self.app_dir, ignore_errors=True)


def finish(child, stdin=b"", timeout=WAIT):
    """Sends `stdin`, closes it, waits for the exit; returns (code, stdout, stderr) as text."""
    try:
        out, err = child.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        out, err = child.communicate()
        raise AssertionError("the program did not exit within %.0f s; stderr: %s" % (timeout, err[-2000:])) from None
    return child.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def line_of(path, marker):
    """The 1-based number of the line of `path` holding `marker`."""
    with open(path) as f:
        for number, text in enumerate(f, 1):
            if marker in text:
                return number
    raise AssertionError("%s has no line with %r" % (path, marker))


FAST = {"cmd": "config", "interval": 0.2, "census_interval": 0.5}

# A program that waits for its standard input to close, then prints what it was asked to.
WAIT_FOR_STDIN = """
import sys
sys.stdin.read()
print("normal output")
"""

# An unbounded cache on a key that includes a timestamp, in module shop.prices.
PRICES = """
import functools
import time


@functools.lru_cache(maxsize=None)
def price(item, at):
    return hash((item, at)) % 1000
"""
PRICES_APP = """
import select
import sys
import time

from shop import prices

while not select.select([sys.stdin], [], [], 0.02)[0]:
    for item in range(50):
        prices.price(item, time.time())
sys.stdin.read()
print("prices", prices.price.cache_info().currsize > 0)
"""

# Reference cycles with the collector off.
CYCLES_APP = """
import gc
import select
import sys


class Node:
    def __init__(self):
        self.other = None


gc.disable()
while not select.select([sys.stdin], [], [], 0.02)[0]:
    for _ in range(200):
        a, b = Node(), Node()
        a.other, b.other = b, a
sys.stdin.read()
print("cycles done")
"""

# A request loop that keeps every payload in a module-level dict; prints whether tracemalloc
# is on once its standard input closes.
STORE_APP = """
import select
import sys
import tracemalloc

if "--trace" in sys.argv:
    tracemalloc.start()
PAYLOADS = {}


def handle(request):
    PAYLOADS[request] = ("payload %d " % request).encode() * 40  # STORE LINE


request = 0
print("ready", flush=True)
while not select.select([sys.stdin], [], [], 0.01)[0]:
    for _ in range(20):
        request += 1
        handle(request)
sys.stdin.read()
print("tracing", tracemalloc.is_tracing(), flush=True)
"""


# A daemon: waits for "go", closes every descriptor past stderr (argv[2] == "reuse": then puts
# one end of a socketpair on the number the agent's connection had), opens 140 socketpairs and
# checks each end receives exactly the one message sent to it. Prints OK and exits 0 when all
# arrived intact, nothing else came, every end closes cleanly, and the agent's thread ended.
CLOSING_DAEMON = """
import os
import socket
import sys
import time
import tracemalloc

import memtop_agent

memtop_path, variant = sys.argv[1], sys.argv[2]
agent_fd = None
if variant == "reuse":
    # Find the agent's descriptor as any program could: the socket whose peer is memtop's.
    for name in os.listdir("/proc/self/fd"):
        try:
            probe = socket.socket(fileno=os.dup(int(name)))
        except OSError:
            continue
        try:
            if probe.family == socket.AF_UNIX and probe.getpeername() == memtop_path:
                agent_fd = int(name)
        except OSError:
            pass
        probe.close()
    assert agent_fd is not None, "no descriptor connected to memtop"
print("ready", flush=True)
sys.stdin.readline()
os.closerange(3, 1024)
pairs = []
if agent_fd is not None:
    a, b = socket.socketpair()
    if agent_fd not in (a.fileno(), b.fileno()):
        os.dup2(a.fileno(), agent_fd)
        a.close()
        a = socket.socket(fileno=agent_fd)
    pairs.append((a, b))
while len(pairs) < 140:
    pairs.append(socket.socketpair())
time.sleep(1.5)  # several agent ticks with these descriptors in place
for i, (a, b) in enumerate(pairs):
    a.sendall(b"to b %d\\n" % i)
    b.sendall(b"to a %d\\n" % i)
time.sleep(1.0)
bad = []
for i, (a, b) in enumerate(pairs):
    for end, expected in ((a, b"to a %d\\n" % i), (b, b"to b %d\\n" % i)):
        end.setblocking(False)
        got = b""
        try:
            while True:
                data = end.recv(65536)
                if not data:
                    break
                got += data
        except BlockingIOError:
            pass
        if got != expected:
            bad.append((i, end.fileno(), got[:80]))
deadline = time.monotonic() + 20
while memtop_agent.is_running() and time.monotonic() < deadline:
    time.sleep(0.05)
for a, b in pairs:
    a.close()  # raises if someone else closed it
    b.close()
print("bad", len(bad), bad[:3])
print("agent running", memtop_agent.is_running())
print("tracing", tracemalloc.is_tracing())
ok = not bad and not memtop_agent.is_running() and not tracemalloc.is_tracing()
print("OK" if ok else "NOT OK", flush=True)
sys.exit(0 if ok else 1)
"""

# The race a daemon could lose, forced: right after the agent checked its descriptor on the way
# to a receive, the program puts its own blocking socket on that number (as dup2 after a
# closerange would). The agent's receive must not wait on the program's socket nor take what
# arrives there half a second later.
SWAPPING_DAEMON = """
import os
import socket
import sys
import threading
import time

import memtop_agent

swapped = threading.Event()
pair = []
numbers = []
checked = memtop_agent._Connection.ours


def ours(self):
    result = checked(self)
    if result and pair and not swapped.is_set() and sys._getframe(2).f_code.co_name == "receive":
        numbers.append(self.sock.fileno())
        os.dup2(pair[0].fileno(), numbers[0])
        swapped.set()
    return result


memtop_agent._Connection.ours = ours
sys.stdin.readline()
pair.extend(socket.socketpair())  # blocking, as a program's sockets are
print("armed", flush=True)
if not swapped.wait(60):
    print("never swapped", flush=True)
    sys.exit(1)
time.sleep(0.5)
pair[1].sendall(b"for the program")
time.sleep(1.0)
pair[0].setblocking(False)
try:
    got = pair[0].recv(65536)
except BlockingIOError:
    got = b""
print("got", got, flush=True)
deadline = time.monotonic() + 20
while memtop_agent.is_running() and time.monotonic() < deadline:
    time.sleep(0.05)
print("agent running", memtop_agent.is_running(), flush=True)
os.close(numbers[0])
pair[0].close()
pair[1].close()
"""

# Lines that are the agent's or what it calls, never the program's (with one frame).
OWN_FRAMES = re.compile(
    r"(/json/|/heapq\.py:|/socket\.py:|/selectors\.py:|/struct\.py:|/tracemalloc\.py:|/linecache\.py:|^<string>:)"
)

# A bounded lru_cache on two arguments (its dict is GC-tracked: its keys are lists) that fills
# slowly, and a native leak: memory Python does not allocate, so the only Python lines
# tracemalloc could see are the agent's own.
RENDER_APP = """
import ctypes
import functools
import select
import sys

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
kept = []


@functools.lru_cache(maxsize=300)
def render(page, user):
    return ("<p>%d %d</p>" % (page, user)) * 100


n = 0
while not select.select([sys.stdin], [], [], 0.05)[0]:
    n += 1
    render(n % 1000, 7)
    pointer = libc.malloc(65536)
    ctypes.memset(pointer, 1, 65536)
    kept.append(pointer)
sys.stdin.read()
print("render", render.cache_info().currsize)
"""

# A module-level dict that keeps every reply, as a request handler's cache would.
HANDLERS = """
import time

_RESPONSE_CACHE = {}  # DEFINED HERE


def render(request):
    return ("<p>reply %d</p>" % request) * 20


def handle(request):
    reply = render(request)
    _RESPONSE_CACHE[request] = reply
    return reply
"""
HANDLERS_APP = """
import select
import sys

import handlers

request = 0
while not select.select([sys.stdin], [], [], 0.02)[0]:
    for _ in range(20):
        request += 1
        handlers.handle(request)
sys.stdin.read()
print("replies", len(handlers._RESPONSE_CACHE) == request)
"""

# An event bus whose listeners (closures) are kept in a class attribute.
BUS = """
class Bus:
    listeners = []  # DEFINED HERE

    @classmethod
    def subscribe(cls, callback):
        cls.listeners.append(callback)

    @classmethod
    def publish(cls, event):
        for listener in cls.listeners[-3:]:
            listener(event)
"""
BUS_APP = """
import select
import sys

from bus import Bus


def connect(session):
    state = {"session": session, "seen": []}

    def on_event(event):
        state["seen"].append(event)

    Bus.subscribe(on_event)


session = 0
while not select.select([sys.stdin], [], [], 0.02)[0]:
    for _ in range(20):
        session += 1
        connect(session)
    Bus.publish(session)
sys.stdin.read()
print("listeners", len(Bus.listeners) == session)
"""

# Background asyncio tasks kept in a module-level set and never discarded.
JOBS = """
import asyncio

RUNNING = set()  # DEFINED HERE


async def work(n):
    await asyncio.sleep(3600)


def launch(n):
    RUNNING.add(asyncio.ensure_future(work(n)))
"""
JOBS_APP = """
import asyncio
import sys
import threading

import jobs

stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()


async def main():
    n = 0
    while not stop.is_set():
        for _ in range(20):
            n += 1
            jobs.launch(n)
        await asyncio.sleep(0.02)
    return n


count = asyncio.run(main())
print("tasks", len(jobs.RUNNING) == count)
"""

# A bounded cache that fills in a few seconds, then stays full; and a log that keeps growing.
BOUNDED = """
CACHE = {}
LOG = []
SIZE = 300


def remember(key, value):
    if len(CACHE) >= SIZE:
        del CACHE[next(iter(CACHE))]
    CACHE[key] = value
    LOG.append(key)
"""
BOUNDED_APP = """
import select
import sys
import time

import bounded

key = 0
full = False
while not select.select([sys.stdin], [], [], 0.05)[0]:
    for _ in range(5):
        key += 1
        bounded.remember(key, "value %d" % key)
    if not full and len(bounded.CACHE) >= bounded.SIZE:
        full = True
        print("full", time.time(), flush=True)
sys.stdin.read()
print("cache", len(bounded.CACHE))
"""

# A list held in a dict held in a module-level list: named by a walk of referrers.
REGISTRY_APP = """
import select
import sys

PLUGINS = [{"name": "audit", "events": []}]  # DEFINED HERE


def record(event):
    PLUGINS[0]["events"].append(("event", event))


n = 0
while not select.select([sys.stdin], [], [], 0.02)[0]:
    for _ in range(20):
        n += 1
        record(n)
sys.stdin.read()
print("events", len(PLUGINS[0]["events"]) == n)
"""


class AgentTests(unittest.TestCase):
    def setUp(self):
        self.memtop = Memtop()

    def tearDown(self):
        self.memtop.close()

    def assertClean(self, code, out, err, expected):
        self.assertEqual(err, "", "the program wrote to stderr")
        self.assertEqual(code, 0, "exit status; stdout: %s; stderr: %s" % (out[-1000:], err[-2000:]))
        self.assertIn(expected, out)

    # MARK: Hello and samples

    def test_hello(self):
        script = self.memtop.write("app.py", WAIT_FOR_STDIN)
        child = self.memtop.launch(script, args=["--x", "é"])
        agent = self.memtop.accept()
        hello = agent.next()
        self.assertEqual(hello["type"], "hello")
        self.assertEqual(hello["version"], 1)
        self.assertEqual(hello["pid"], child.pid)
        expected = subprocess.run(
            [PYTHON, "-c", "import sys, platform; print(platform.python_version(), sys.executable)"],
            stdout=subprocess.PIPE, check=True, env={"PATH": os.environ.get("PATH", "")},
        ).stdout.decode().split()
        self.assertEqual(hello["python"], expected[0])
        self.assertEqual(hello["executable"], expected[1])
        self.assertEqual(hello["implementation"], "cpython")
        self.assertEqual(hello["argv"], [script, "--x", "é"])
        self.assertIs(hello["tracemalloc_was_tracing"], False)
        self.assertEqual(hello["mode"], "launch")
        sample = agent.until(lambda m: m["type"] == "sample", "a first sample")
        self.assertEqual(sample["pid"], child.pid)
        self.assertAlmostEqual(sample["t"], time.time(), delta=30)
        self.assertEqual(set(sample["gc"]), {"enabled", "counts", "collections", "collected", "uncollectable", "garbage"})
        self.assertIs(sample["gc"]["enabled"], True)
        for key in ("counts", "collections", "collected", "uncollectable"):
            self.assertEqual(len(sample["gc"][key]), 3, key)
        self.assertIs(sample["tracing"], False)
        self.assertNotIn("traced", sample)
        self.assertNotIn("lines", sample)
        self.assertClean(*finish(child), "normal output")

    def test_unbounded_lru_cache_named_with_growing_size(self):
        self.memtop.write("shop/__init__.py", "")
        self.memtop.write("shop/prices.py", PRICES)
        script = self.memtop.write("app.py", PRICES_APP)
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        agent.send(FAST)

        def cache(message):
            return next((c for c in message.get("caches", []) if c["function"] == "shop.prices.price"), None)

        seen = agent.samples(lambda m: cache(m) is not None, 4, "four samples naming shop.prices.price")
        sizes = [cache(m)["currsize"] for m in seen]
        self.assertEqual(sizes, sorted(sizes), "currsize never shrinks: %s" % sizes)
        self.assertGreater(sizes[-1], sizes[0], "currsize grows: %s" % sizes)
        last = cache(seen[-1])
        self.assertIsNone(last["maxsize"])
        self.assertEqual(last["misses"], last["currsize"], "every call is a miss on a timestamped key")
        self.assertClean(*finish(child), "prices True")

    def test_lru_caches_are_sized_and_a_bounded_caches_dict_is_not_a_retainer(self):
        self.memtop.write("shop/__init__.py", "")
        self.memtop.write("shop/prices.py", PRICES)
        script = self.memtop.write("app.py", PRICES_APP)
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        agent.send(FAST)

        def cache(message):
            return next((c for c in message.get("caches", []) if c["function"] == "shop.prices.price"), None)

        sized = agent.samples(lambda m: (cache(m) or {}).get("approx_bytes") is not None, 2, "a sized unbounded cache")
        for message in sized:
            entry = cache(message)
            # Each entry: a tuple key of two numbers and an int result, at least 50 bytes.
            self.assertGreater(entry["approx_bytes"], entry["currsize"] * 50, entry)
            self.assertLess(entry["approx_bytes"], entry["currsize"] * 2000, entry)
        self.assertClean(*finish(child), "prices True")

        script = self.memtop.write("render.py", RENDER_APP)
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        agent.send(FAST)

        def render(message):
            return next((c for c in message.get("caches", []) if c["function"] == "__main__.render"), None)

        censuses = agent.samples(
            lambda m: "retainers" in m and (render(m) or {}).get("approx_bytes") and render(m)["currsize"] > 40,
            3, "three censuses with the bounded cache sized",
        )
        for census in censuses:
            entry = render(census)
            self.assertEqual(entry["maxsize"], 300)
            # Each result is a string of about 1,300 bytes.
            self.assertGreater(entry["approx_bytes"], entry["currsize"] * 1000, entry)
            for retainer in census["retainers"]:
                self.assertFalse(
                    retainer["type"] == "dict" and abs(retainer["length"] - entry["currsize"]) <= 25,
                    "the cache's own dict is not a retainer: %s" % retainer,
                )
        self.assertClean(*finish(child), "render")

    def test_the_agents_own_frames_never_appear_among_lines_on_a_native_leak(self):
        script = self.memtop.write("render.py", RENDER_APP)
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        agent.send(FAST)
        agent.send({"cmd": "trace", "seconds": 4, "snapshots": 4, "frames": 1})
        snapshots = agent.samples(lambda m: "lines" in m, 3, "three snapshots of lines")
        for snapshot in snapshots:
            for line in snapshot["lines"]:
                self.assertNotIn("memtop_agent.py", line["location"])
                self.assertNotIn("memtop-py-", line["location"])
                self.assertFalse(OWN_FRAMES.search(line["location"]), "the agent's own frame: %s" % line["location"])
        self.assertClean(*finish(child), "render")

    def test_a_big_heap_skips_the_census_and_still_names_module_caches(self):
        self.memtop.write("shop/__init__.py", "")
        self.memtop.write("shop/prices.py", PRICES)
        # Over CENSUS_MAX_BLOCKS live blocks before the loop: a census would hold the program.
        script = self.memtop.write("app.py", "big = [[] for _ in range(2_500_000)]\n" + PRICES_APP)
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        agent.send(FAST)
        # A census that ran while the lists were being built may be noted as slow first.
        note = agent.until(
            lambda m: m["type"] == "note" and "census" in m["message"] and "skipped" in m["message"],
            "the note on the skipped census",
            timeout=120,
        )

        def cache(message):
            return next((c for c in message.get("caches", []) if c["function"] == "shop.prices.price"), None)

        seen = agent.samples(lambda m: cache(m) is not None, 3, "samples naming shop.prices.price from the modules")
        self.assertGreater(cache(seen[-1])["currsize"], cache(seen[0])["currsize"])
        # A census may run before the lists are built (a loaded machine starts the program
        # slowly); none once the heap is that large.
        after = agent.messages[next(i for i, m in enumerate(agent.messages) if m is note) + 1 :]
        for message in after:
            self.assertNotIn("types", message, "no census of a heap that large")
        self.assertClean(*finish(child), "prices True")

    def test_a_tracing_window_ends_at_its_deadline(self):
        script = self.memtop.write("app.py", STORE_APP)
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        agent.send(FAST)
        # Many snapshots asked for a short window: the deadline ends it, not the count.
        agent.send({"cmd": "trace", "seconds": 2, "snapshots": 1000, "frames": 1})
        agent.until(lambda m: m["type"] == "sample" and m.get("tracing"), "a sample while tracing")
        started = time.monotonic()
        agent.until(lambda m: m["type"] == "sample" and not m.get("tracing"), "a sample after the window", timeout=60)
        self.assertLess(time.monotonic() - started, 10, "the window ended near its 2 s deadline")
        self.assertClean(*finish(child), "tracing False")

    def test_collector_off_and_the_growing_type(self):
        script = self.memtop.write("app.py", CYCLES_APP)
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        agent.send(FAST)

        def nodes(message):
            return next((t["count"] for t in message["types"] if t["type"] == "__main__.Node"), None)

        censuses = agent.samples(lambda m: "types" in m and nodes(m), 3, "three censuses counting __main__.Node")
        counts = [nodes(m) for m in censuses]
        self.assertLess(counts[0], counts[-1], "the Node count grows: %s" % counts)
        for census in censuses:
            self.assertIs(census["gc"]["enabled"], False)
            self.assertGreaterEqual(census["census_ms"], 0)
            self.assertLessEqual(len(census["types"]), 50)
            ordered = [t["count"] for t in census["types"]]
            self.assertEqual(ordered, sorted(ordered, reverse=True))
        self.assertClean(*finish(child), "cycles done")

    def test_a_census_empties_the_free_lists_with_a_full_collection_left_out_of_the_counts(self):
        # The program reads its own full-collection count when stdin closes.
        script = self.memtop.write(
            "app.py",
            "import gc, sys\nsys.stdin.read()\nprint('full', gc.get_stats()[2]['collections'])\n",
        )
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        agent.send(FAST)
        censuses = agent.samples(lambda m: "types" in m, 4, "four censuses")
        reported = censuses[-1]["gc"]["collections"][2]
        code, out, err = finish(child)
        self.assertEqual((code, err), (0, ""))
        full = int(out.split()[-1])
        # The census collected (the free lists are emptied), and memtop was told the program's own.
        self.assertGreaterEqual(full, 4, out)
        self.assertLessEqual(reported, full - 4, "the agent's own collections were reported: %d of %d" % (reported, full))

    def test_a_census_waits_while_the_heap_is_above_its_recent_low(self):
        # A batch of 300 k dicts held: no census in the four ticks after it was built (what a
        # census keeps would pin the batch's arenas); censuses again once it is freed.
        script = self.memtop.write(
            "app.py",
            """
            import sys
            import time

            sys.stdin.readline()
            # Built with the interpreter held (no switch for 60 s): no tick of the agent's
            # falls inside the build, however slow the machine.
            sys.setswitchinterval(60)
            batch = [{"n": n} for n in range(300000)]
            sys.setswitchinterval(0.005)
            print("built", repr(time.time()), flush=True)
            sys.stdin.readline()
            del batch
            print("freed", flush=True)
            sys.stdin.read()
            """,
        )
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        agent.send({"cmd": "config", "interval": 0.2, "census_interval": 0.2})
        agent.samples(lambda m: "types" in m, 3, "three censuses at the program's low")
        child.stdin.write(b"build\n")
        child.stdin.flush()
        said = child.stdout.readline().split()
        self.assertEqual(said[0], b"built")
        built = float(said[1])
        # Five ticks at most wait for the heap to come down: the first four after the build.
        held = agent.samples(lambda m: m["t"] > built, 4, "four samples while the batch is held")
        self.assertEqual([m for m in held if "types" in m], [], "a census ran at the batch's top")
        child.stdin.write(b"free\n")
        child.stdin.flush()
        self.assertEqual(child.stdout.readline().strip(), b"freed")
        after = agent.samples(lambda m: "types" in m, 2, "censuses after the batch was freed")
        dicts = [entry["count"] for entry in after[-1]["types"] if entry["type"] == "dict"]
        self.assertLess(dicts[0] if dicts else 0, 100000, after[-1]["types"])
        code, _out, err = finish(child)
        self.assertEqual((code, err), (0, ""))

    def test_no_collection_where_the_program_watches_the_collector_or_turned_it_off(self):
        watching = (
            "import gc, sys\nseen = []\n"
            "gc.callbacks.append(lambda phase, info: seen.append(info['generation']) if phase == 'start' else None)\n"
            "sys.stdin.read()\nprint('full', seen.count(2))\n"
        )
        off = "import gc, sys\ngc.disable()\nsys.stdin.read()\nprint('full', gc.get_stats()[2]['collections'])\n"
        for name, code_text in (("watching.py", watching), ("off.py", off)):
            script = self.memtop.write(name, code_text)
            child = self.memtop.launch(script)
            agent = self.memtop.accept()
            agent.send(FAST)
            agent.samples(lambda m: "types" in m, 4, "four censuses")
            code, out, err = finish(child)
            self.assertEqual((code, err), (0, ""), name)
            self.assertLessEqual(int(out.split()[-1]), 1, "%s: the agent collected: %s" % (name, out))
            agent.close()

    # MARK: Tracing window

    def trace_store(self, agent, script):
        """Runs a 2-snapshot trace window; returns the samples that carried lines."""
        agent.send({"cmd": "trace", "seconds": 3, "snapshots": 2, "frames": 1})
        snapshots = agent.samples(lambda m: "lines" in m, 2, "two snapshots of lines")
        store = "%s:%d" % (script, line_of(script, "# STORE LINE"))
        for snapshot in snapshots:
            self.assertIs(snapshot["tracing"], True)
            self.assertGreater(snapshot["traced"]["current"], 0)
            self.assertGreaterEqual(snapshot["traced"]["peak"], snapshot["traced"]["current"])
            self.assertLessEqual(len(snapshot["lines"]), 50)
            self.assertEqual(snapshot["lines"][0]["location"], store, json.dumps(snapshot["lines"][:3]))
            self.assertGreater(snapshot["lines"][0]["count"], 0)
            sizes = [line["bytes"] for line in snapshot["lines"]]
            self.assertEqual(sizes, sorted(sizes, reverse=True))
            for line in snapshot["lines"]:
                self.assertNotIn("memtop_agent.py", line["location"])
                self.assertFalse(OWN_FRAMES.search(line["location"]), "the agent's own frame: %s" % line["location"])
        self.assertGreater(snapshots[1]["lines"][0]["bytes"], snapshots[0]["lines"][0]["bytes"])
        return snapshots

    def test_trace_names_the_storing_line_then_stops_tracemalloc(self):
        script = self.memtop.write("app.py", STORE_APP)
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        agent.send(FAST)
        self.trace_store(agent, script)
        after = agent.until(lambda m: m["type"] == "sample" and "lines" not in m, "a sample after the window")
        self.assertIs(after["tracing"], False)
        self.assertNotIn("traced", after)
        code, out, err = finish(child)
        self.assertClean(code, out, err, "tracing False")

    def test_trace_leaves_the_programs_own_tracemalloc_on(self):
        script = self.memtop.write("app.py", STORE_APP)
        child = self.memtop.launch(script, args=["--trace"])
        agent = self.memtop.accept()
        # The program starts tracemalloc itself, perhaps after the agent said hello.
        self.assertEqual(child.stdout.readline().strip(), b"ready")
        agent.send(FAST)
        self.trace_store(agent, script)
        after = agent.until(lambda m: m["type"] == "sample" and "lines" not in m, "a sample after the window")
        self.assertIs(after["tracing"], True, "the program's own tracing stays on")
        agent.send({"cmd": "detach"})
        bye = agent.until(lambda m: m["type"] == "bye", "bye")
        self.assertEqual(bye["reason"], "detach")
        self.assertIsNone(agent.next(), "the agent closes after bye")
        self.assertClean(*finish(child), "tracing True")

    def test_detach_during_a_window_stops_tracemalloc_and_a_later_start_reconnects(self):
        script = self.memtop.write(
            "app.py",
            """
            import os
            import sys
            import tracemalloc
            import memtop_agent

            for line in sys.stdin:
                if line.strip() == "tracing?":
                    print("tracing", tracemalloc.is_tracing(), flush=True)
                elif line.strip() == "start":
                    # Past select()'s limit: the next connection's descriptor is above 1024.
                    held = []
                    try:
                        while len(held) < 1100:
                            held.append(os.open(os.devnull, os.O_RDONLY))
                    except OSError:
                        pass  # a lower descriptor limit: test what it allows
                    print("started", memtop_agent.start(), flush=True)
            """,
        )
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        agent.send({"cmd": "trace", "seconds": 600, "snapshots": 2})
        agent.until(lambda m: m["type"] == "sample" and m["tracing"], "a sample while tracing")
        agent.send({"cmd": "detach"})
        agent.until(lambda m: m["type"] == "bye", "bye")
        self.assertIsNone(agent.next(), "the agent closes after bye")
        deadline = time.monotonic() + WAIT
        started = None
        while started != b"started True" and time.monotonic() < deadline:
            child.stdin.write(b"start\n")
            child.stdin.flush()
            started = child.stdout.readline().strip()
            if started != b"started True":
                time.sleep(0.2)  # the old thread is still ending
        self.assertEqual(started, b"started True")
        again = self.memtop.accept()
        self.assertEqual(again.next()["type"], "hello")
        again.send(FAST)
        again.until(lambda m: m["type"] == "sample", "a sample over a descriptor above 1024")
        again.send({"cmd": "detach"})
        again.until(lambda m: m["type"] == "bye", "bye over a descriptor above 1024")
        child.stdin.write(b"tracing?\n")
        child.stdin.flush()
        self.assertEqual(child.stdout.readline().strip(), b"tracing False")
        self.assertClean(*finish(child), "")

    # MARK: The observer

    def test_the_observer_is_measured_and_a_window_hands_memory_back(self):
        script = self.memtop.write("app.py", STORE_APP)
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        agent.send(FAST)
        before = agent.until(lambda m: m["type"] == "sample", "a sample before the window")
        self.assertEqual(before["observer"]["tracemalloc"], 0, "nothing traced before a window")
        self.assertGreater(before["observer"]["buffers"], 0)
        self.assertEqual(
            before["observer_bytes"], int(before["observer"]["tracemalloc"] * 1.7) + before["observer"]["buffers"]
        )
        self.assertNotIn("window", before)
        agent.send({"cmd": "trace", "seconds": 3, "snapshots": 2, "frames": 1})
        opened = agent.until(lambda m: m["type"] == "sample" and "window" in m, "the window's opening edge")
        self.assertAlmostEqual(opened["window"]["opened_at"], time.time(), delta=30)
        self.assertNotIn("closed_at", opened["window"])
        # The default budget: the smaller of 64 MiB and a tenth of RSS, at least 8 MiB.
        self.assertGreaterEqual(opened["window"]["max_bytes"], 8 << 20)
        self.assertLessEqual(opened["window"]["max_bytes"], 64 << 20)
        tracing = agent.until(
            lambda m: m["type"] == "sample" and m["tracing"] and m["observer"]["tracemalloc"] > 0,
            "a sample counting tracemalloc's memory",
        )
        self.assertEqual(
            tracing["observer_bytes"], int(tracing["observer"]["tracemalloc"] * 1.7) + tracing["observer"]["buffers"]
        )
        closed = agent.until(lambda m: m["type"] == "sample" and "closed_at" in m.get("window", {}), "the closing edge")
        window = closed["window"]
        self.assertEqual(window["reason"], "snapshots")
        self.assertGreaterEqual(window["closed_at"], opened["window"]["opened_at"])
        self.assertGreater(window["rss_before"], 0)
        self.assertGreater(window["rss_after"], 0)
        self.assertEqual(window["returned_bytes"], window["rss_before"] - window["rss_after"])
        self.assertIn(window["trimmed"], (True, False))
        if os.confstr("CS_GNU_LIBC_VERSION") and sys.platform.startswith("linux"):
            self.assertIs(window["trimmed"], True, "malloc_trim ran on glibc")
        after = agent.until(lambda m: m["type"] == "sample" and not m["tracing"], "a sample after the window")
        self.assertEqual(after["observer"]["tracemalloc"], 0, "the traces were handed back")
        self.assertNotIn("window", after, "each edge is reported once")
        self.assertClean(*finish(child), "tracing False")

    def test_a_tracing_window_closes_at_its_memory_budget(self):
        script = self.memtop.write("app.py", STORE_APP)
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        agent.send(FAST)
        # 64 KiB: tracemalloc's own tables pass that within a second or two of this program.
        agent.send({"cmd": "trace", "seconds": 600, "snapshots": 2, "frames": 1, "max_bytes": 65536})
        note = agent.until(lambda m: m["type"] == "note" and "budget" in m["message"], "the budget note")
        self.assertRegex(note["message"], r"^tracing window closed at its memory budget of 0\.1 MiB after \d+ s$")
        closed = agent.until(lambda m: m["type"] == "sample" and "closed_at" in m.get("window", {}), "the closing edge")
        self.assertEqual(closed["window"]["reason"], "budget")
        opened = next(m for m in agent.messages if "opened_at" in m.get("window", {}))
        self.assertEqual(opened["window"]["max_bytes"], 65536)
        # One last snapshot: its lines are the window's answer.
        store = "%s:%d" % (script, line_of(script, "# STORE LINE"))
        self.assertEqual(closed["lines"][0]["location"], store, json.dumps(closed["lines"][:3]))
        after = agent.until(lambda m: m["type"] == "sample" and not m["tracing"], "a sample after the window")
        self.assertEqual(after["observer"]["tracemalloc"], 0)
        self.assertClean(*finish(child), "tracing False")

    def test_a_window_at_its_budget_stops_tracing_before_counting_its_last_lines(self):
        # Counting a snapshot's lines is Python code: the program runs meanwhile. A window that
        # reached its budget must not go on tracing while its last lines are counted, or a batch
        # job builds its whole batch traced in that time (a 40 MB sawtooth peaked 83-131 MiB
        # instead of 47). The spy sees, as each count starts, whether tracemalloc still traces.
        script = self.memtop.write(
            "app.py",
            """
            import sys
            import threading
            import time
            import _tracemalloc
            import memtop_agent

            seen = []
            counting = memtop_agent._own_frames

            def spy():
                seen.append(_tracemalloc.is_tracing())
                return counting()

            memtop_agent._own_frames = spy
            done = threading.Event()
            threading.Thread(target=lambda: (sys.stdin.readline(), done.set()), daemon=True).start()
            print("ready", flush=True)
            kept = []
            while not done.is_set() and len(kept) < 3000000:
                kept.append({"n": len(kept)})  # STORE LINE
                if len(kept) % 200 == 0:
                    time.sleep(0.01)
            print("counts", " ".join("traced" if s else "halted" for s in seen), flush=True)
            """,
        )
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        self.assertEqual(child.stdout.readline().strip(), b"ready")
        agent.send({"cmd": "config", "interval": 0.2, "census_interval": 0})
        # ~20 k traced dicts a second: 16 MiB is reached in a few seconds, each check at most a
        # few hundred KiB past the one before, so the window ends with its last snapshot.
        agent.send({"cmd": "trace", "seconds": 600, "snapshots": 2, "frames": 1, "max_bytes": 16 << 20})
        closed = agent.until(
            lambda m: m["type"] == "sample" and "closed_at" in m.get("window", {}), "the closing edge", timeout=120)
        self.assertEqual(closed["window"]["reason"], "budget")
        store = "%s:%d" % (script, line_of(script, "# STORE LINE"))
        self.assertEqual(closed["lines"][0]["location"], store, json.dumps(closed["lines"][:3]))
        child.stdin.write(b"stop\n")
        child.stdin.flush()
        code, out, err = finish(child)
        counts = [line for line in out.splitlines() if line.startswith("counts")]
        self.assertEqual(len(counts), 1, out)
        # The window's snapshots: every one before the last counted while tracing, the last
        # (the budget's) after tracing stopped.
        self.assertTrue(counts[0].endswith("halted"), counts[0])
        self.assertEqual(code, 0, err)

    # MARK: Retainers

    def retainers(self, agent, path, count=2):
        """`count` census samples whose retainers name `path`; returns them."""
        def named(message):
            return next((r for r in message.get("retainers", []) if r["path"] == path), None)

        found = agent.samples(lambda m: named(m) is not None, count, "%d censuses naming %s" % (count, path), timeout=120)
        return [named(m) for m in found], found

    def assertRetainer(self, entry, kind, defined_file, marker, per_entry=8):
        """`per_entry`: bytes each entry keeps at least (what it holds one level down included)."""
        self.assertEqual(entry["type"], kind)
        self.assertGreater(entry["length"], 16)
        self.assertGreater(entry["growth_per_s"], 0)
        self.assertGreater(entry["approx_bytes"], entry["length"] * per_entry, json.dumps(entry))
        self.assertEqual(entry["defined_at"], "%s:%d" % (defined_file, line_of(defined_file, marker)))

    def test_retainer_a_module_global_dict_is_named_with_its_line(self):
        handlers = self.memtop.write("handlers.py", HANDLERS)
        script = self.memtop.write("app.py", HANDLERS_APP)
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        agent.send(FAST)
        entries, samples = self.retainers(agent, "handlers._RESPONSE_CACHE")
        for entry, sample in zip(entries, samples):
            self.assertEqual(sample["retainers"][0]["path"], "handlers._RESPONSE_CACHE", json.dumps(sample["retainers"]))
            # Each reply is a ~380-character string.
            self.assertRetainer(entry, "dict", handlers, "# DEFINED HERE", per_entry=380)
            self.assertGreaterEqual(sample["retainers_ms"], 0)
            self.assertLessEqual(len(sample["retainers"]), 20)
        self.assertGreater(entries[1]["length"], entries[0]["length"])
        # Switched off: censuses go on without them.
        agent.send({"cmd": "config", "retainers": False})
        sent = time.time()
        off = agent.until(lambda m: m["type"] == "sample" and "types" in m and m["t"] > sent + 1.0, "a census after")
        self.assertNotIn("retainers", off)
        self.assertClean(*finish(child), "replies True")

    def test_retainer_closures_on_an_event_bus_class_attribute(self):
        bus = self.memtop.write("bus.py", BUS)
        script = self.memtop.write("app.py", BUS_APP)
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        agent.send(FAST)
        entries, samples = self.retainers(agent, "bus.Bus.listeners")
        self.assertEqual(samples[-1]["retainers"][0]["path"], "bus.Bus.listeners", json.dumps(samples[-1]["retainers"]))
        for entry in entries:
            # A closure (~150 B) and the state dict in its cell (~180 B): counted one level down.
            self.assertRetainer(entry, "list", bus, "# DEFINED HERE", per_entry=300)
        self.assertClean(*finish(child), "listeners True")

    def test_retainer_a_set_of_asyncio_tasks_in_a_module_global(self):
        jobs = self.memtop.write("jobs.py", JOBS)
        script = self.memtop.write("app.py", JOBS_APP)
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        agent.send(FAST)
        entries, samples = self.retainers(agent, "jobs.RUNNING")
        for entry in entries:
            self.assertRetainer(entry, "set", jobs, "# DEFINED HERE")
        self.assertClean(*finish(child), "tasks True")

    def test_retainer_held_deeper_is_named_by_a_walk_of_referrers(self):
        script = self.memtop.write("app.py", REGISTRY_APP)
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        agent.send(FAST)
        entries, _ = self.retainers(agent, "__main__.PLUGINS[0]['events']")
        for entry in entries:
            # Where the root is assigned: the walk names the module-level list.
            self.assertRetainer(entry, "list", script, "# DEFINED HERE")
        self.assertClean(*finish(child), "events True")

    def test_retainer_a_bounded_cache_is_not_growing_once_full(self):
        self.memtop.write("bounded.py", BOUNDED)
        script = self.memtop.write("app.py", BOUNDED_APP)
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        agent.send(FAST)
        full = float(child.stdout.readline().split()[1])
        # The first census after the cache filled may still see it grow from the one before.
        censuses = agent.samples(lambda m: "retainers" in m and m["t"] > full, 4, "four censuses after the cache filled")
        for census in censuses[1:]:
            paths = [r["path"] for r in census["retainers"]]
            self.assertNotIn("bounded.CACHE", paths, "a full cache is not growing")
        # The log beside it keeps growing, and is named.
        self.assertIn("bounded.LOG", [r["path"] for r in censuses[-1]["retainers"]])
        self.assertClean(*finish(child), "cache 300")

    # MARK: Commands from memtop

    def test_bad_commands_are_noted_and_the_agent_goes_on(self):
        script = self.memtop.write("app.py", WAIT_FOR_STDIN)
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        agent.next()
        agent.send_raw(b"not json\n")
        agent.send_raw(b"[1, 2]\n")
        agent.send({"cmd": "dance"})
        agent.send_raw(b"{" + b"x" * (1 << 20) + b"\n")
        agent.send({"cmd": "config", "interval": "fast", "census_interval": float("nan")})
        notes = []
        for _ in range(4):
            notes.append(agent.until(lambda m: m["type"] == "note", "a note")["message"])
        for note in notes:
            self.assertLessEqual(len(note), 300)
        self.assertTrue(any("not JSON" in n for n in notes), notes)
        self.assertTrue(any("not a JSON object" in n for n in notes), notes)
        self.assertTrue(any("unknown command" in n and "dance" in n for n in notes), notes)
        self.assertTrue(any("longer than 1 MiB" in n for n in notes), notes)
        agent.send(FAST)
        agent.until(lambda m: m["type"] == "sample", "a sample after the bad lines")
        times = [m["t"] for m in agent.samples(lambda m: True, 7, "seven more samples")]
        gaps = sorted(b - a for a, b in zip(times, times[1:]))
        self.assertLess(gaps[len(gaps) // 2], 0.6, "a 0.2 s interval took effect after a bad config: %s" % gaps)
        self.assertClean(*finish(child), "normal output")

    # MARK: Loading

    def test_the_users_own_sitecustomize_still_runs(self):
        user = os.path.join(self.memtop.app_dir, "usersite")
        self.memtop.write("usersite/sitecustomize.py", 'import sys\nsys.stdout.write("user sitecustomize as %s\\n" % __name__)\n')
        script = self.memtop.write(
            "app.py",
            """
            import sys
            import sitecustomize
            sys.stdin.read()
            print("module", sitecustomize.__file__)
            """,
        )
        child = self.memtop.launch(script, pythonpath=[user])
        agent = self.memtop.accept()
        self.assertEqual(agent.next()["type"], "hello")
        code, out, err = finish(child)
        self.assertClean(code, out, err, "user sitecustomize as sitecustomize\n")
        self.assertIn("module %s\n" % os.path.join(user, "sitecustomize.py"), out)

    def test_a_program_importing_its_own_attach_module_gets_it(self):
        user = os.path.join(self.memtop.app_dir, "libs")
        self.memtop.write("libs/attach/__init__.py", 'WHO = "the program\'s own attach"\n')
        script = self.memtop.write(
            "app.py",
            """
            import sys
            import attach
            print(attach.WHO, attach.__file__)
            sys.stdin.read()
            """,
        )
        child = self.memtop.launch(script, pythonpath=[user])
        self.assertEqual(self.memtop.accept().next()["type"], "hello")
        code, out, err = finish(child)
        self.assertClean(code, out, err, "the program's own attach %s" % os.path.join(user, "attach", "__init__.py"))
        # With no attach of its own, the import fails as it would without memtop.
        script = self.memtop.write("none.py", "import attach\n")
        code, out, err = finish(self.memtop.launch(script))
        self.assertEqual(code, 1)
        self.assertIn("ModuleNotFoundError: No module named 'attach'", err)

    def test_a_failing_user_sitecustomize_is_reported_as_site_reports_it(self):
        user = os.path.join(self.memtop.app_dir, "usersite")
        self.memtop.write("usersite/sitecustomize.py", 'raise RuntimeError("boom")\n')
        script = self.memtop.write("app.py", 'print("normal output")\n')
        plain = finish(self.memtop.launch(script, agent=False, pythonpath=[user]))
        with_agent = finish(self.memtop.launch(script, pythonpath=[user]))
        self.assertIn("RuntimeError: boom", plain[2])
        self.assertEqual(with_agent, plain)

    def test_no_memtop_no_harm(self):
        script = self.memtop.write("app.py", WAIT_FOR_STDIN)
        not_a_socket = self.memtop.write("plain-file", "x")
        for path in ("/nonexistent/agent.sock", not_a_socket, "/tmp/" + "x" * 200, self.memtop.app_dir):
            child = self.memtop.launch(script, socket_path=path)
            self.assertClean(*finish(child), "normal output")

    def test_memtop_disappearing_mid_run(self):
        script = self.memtop.write(
            "app.py",
            """
            import sys
            import time
            print("ready", flush=True)
            sys.stdin.readline()
            total = 0
            for i in range(30):
                total += sum(range(10000))
                time.sleep(0.05)
            print("total", total)
            """,
        )
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        agent.send(FAST)
        agent.until(lambda m: m["type"] == "sample", "a sample")
        agent.close()
        self.memtop.listener.close()
        child.stdout.readline()
        self.assertClean(*finish(child, b"go\n"), "total %d" % (30 * sum(range(10000))))

    def closing_daemon(self, variant):
        """A program that, once the agent said hello and traces, closes every descriptor past
        stderr as daemons do (`reuse`: then puts a socketpair end on the agent's old number),
        opens 140 socketpairs and checks each one carries its own message and nothing else."""
        script = self.memtop.write("daemon.py", CLOSING_DAEMON)
        # Under a soft limit of 1024 the agent's high descriptor is below 1024: closed too.
        child = self.memtop.launch(
            script, args=[self.memtop.socket_path, variant], nofile=1024, interpreter_args=["-X", "dev"]
        )
        agent = self.memtop.accept()
        self.assertEqual(agent.next()["type"], "hello")
        agent.send(FAST)
        agent.send({"cmd": "trace", "seconds": 600, "snapshots": 2})
        agent.until(lambda m: m["type"] == "sample" and m["tracing"], "a sample while tracing")
        self.assertEqual(child.stdout.readline().strip(), b"ready")
        child.stdin.write(b"go\n")
        child.stdin.flush()
        # The program closed the agent's connection: memtop sees it end.
        deadline = time.monotonic() + WAIT
        while agent.next(max(deadline - time.monotonic(), 0.001)) is not None:
            pass
        code, out, err = finish(child)
        self.assertClean(code, out, err[-3000:], "OK\n")
        self.assertIn("agent running False\n", out)
        self.assertIn("tracing False\n", out)

    def test_a_daemon_closing_its_descriptors_gets_no_agent_data_on_its_sockets(self):
        self.closing_daemon("close")

    def test_a_daemon_reusing_the_agents_descriptor_number_keeps_its_socket(self):
        self.closing_daemon("reuse")

    def test_a_socket_swapped_onto_the_agents_number_mid_receive_is_not_read(self):
        script = self.memtop.write("daemon.py", SWAPPING_DAEMON)
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        self.assertEqual(agent.next()["type"], "hello")
        agent.send(FAST)
        agent.until(lambda m: m["type"] == "sample", "a sample")
        child.stdin.write(b"go\n")
        child.stdin.flush()
        self.assertEqual(child.stdout.readline().strip(), b"armed")
        agent.send(FAST)  # something to receive: the swap happens on the way to it
        deadline = time.monotonic() + WAIT
        while agent.next(max(deadline - time.monotonic(), 0.001)) is not None:
            pass
        code, out, err = finish(child)
        self.assertClean(code, out, err[-3000:], "agent running False\n")
        self.assertIn("got b'for the program'\n", out)

    def test_memtop_not_reading_drops_samples_and_never_blocks(self):
        # 100 cached functions with long names make each sample ~30 KB: the socket fills
        # within seconds (on 3.8, where caches come with the census only, within ten).
        script = self.memtop.write(
            "app.py",
            """
            import functools
            import select
            import sys
            import time

            caches = []
            for i in range(100):
                function = lambda x, i=i: x + i
                function.__qualname__ = "handler_%03d_" % i + "x" * 180
                caches.append(functools.lru_cache(maxsize=None)(function))
            for cache in caches:
                cache(1)
            print("ready", flush=True)
            started = time.monotonic()
            beats = 0
            while not select.select([sys.stdin], [], [], 0.01)[0]:
                beats += 1
            elapsed = time.monotonic() - started
            sys.stdin.read()
            print("beats per second", beats / elapsed > 20, flush=True)
            """,
        )
        child = self.memtop.launch(script)
        agent = self.memtop.accept()
        agent.send({"cmd": "config", "interval": 0.05, "census_interval": 0.05})
        self.assertEqual(child.stdout.readline().strip(), b"ready")
        # Read nothing for 15 s while the program runs, then read again.
        time.sleep(15)
        dropped = agent.until(lambda m: m.get("dropped", 0) > 0, "a sample counting dropped samples")
        self.assertGreater(dropped["dropped"], 10)
        self.assertClean(*finish(child), "beats per second True")

    def test_a_forked_child_connects_on_its_own_and_lets_go_of_the_parents_connection(self):
        flag = os.path.join(self.memtop.app_dir, "child-may-end")
        script = self.memtop.write(
            "app.py",
            """
            import os
            import sys
            import time

            import warnings
            filters = len(warnings.filters)
            sys.stdin.readline()
            child = os.fork()
            if child == 0:
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)  # let the parent's pipes close with the parent
                deadline = time.monotonic() + 60
                while not os.path.exists(sys.argv[1]) and time.monotonic() < deadline:
                    time.sleep(0.05)
                os._exit(0)
            print("forked", child, flush=True)
            sys.stdin.read()
            import warnings
            print("parent done", len(warnings.filters) == filters)
            """,
        )
        # -W error: the fork must not raise the warning our thread alone would cause (3.12+).
        parent = self.memtop.launch(script, args=[flag], interpreter_args=["-W", "error"])
        first = self.memtop.accept()
        self.assertEqual(first.next()["pid"], parent.pid)
        first.send({"cmd": "trace", "seconds": 600, "snapshots": 2})
        first.until(lambda m: m["type"] == "sample" and m["tracing"], "tracing in the parent")
        parent.stdin.write(b"go\n")
        parent.stdin.flush()
        forked = int(parent.stdout.readline().split()[1])
        try:
            second = self.memtop.accept()
            hello = second.next()
            self.assertEqual((hello["type"], hello["pid"], hello["mode"]), ("hello", forked, "launch"))
            sample = second.until(lambda m: m["type"] == "sample", "a sample from the forked child")
            self.assertEqual(sample["pid"], forked)
            self.assertIs(sample["tracing"], False, "the parent's tracing window is not the child's")
            code, out, err = finish(parent)
            self.assertClean(code, out, err, "parent done True")
            # The child lives on; the parent's connection still ends with the parent.
            while first.next() is not None:
                pass
            self.assertTrue(os.path.exists("/proc/%d" % forked), "the forked child still runs")
        finally:
            open(flag, "w").close()
        while second.next() is not None:
            pass

    def test_a_fork_while_the_agent_starts_still_gives_the_child_its_own(self):
        flag = os.path.join(self.memtop.app_dir, "child-may-end")
        script = self.memtop.write(
            "app.py",
            """
            import os
            import sys
            import time

            child = os.fork()  # at once: the agent's thread is still starting, or connecting
            if child == 0:
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                deadline = time.monotonic() + 60
                while not os.path.exists(sys.argv[1]) and time.monotonic() < deadline:
                    time.sleep(0.05)
                os._exit(0)
            print("forked", child, flush=True)
            sys.stdin.read()
            print("parent done")
            """,
        )
        parent = self.memtop.launch(script, args=[flag])
        forked = int(parent.stdout.readline().split()[1])
        try:
            hellos = {}
            connections = []
            for _ in range(2):
                connection = self.memtop.accept()
                connections.append(connection)
                hello = connection.next()
                self.assertEqual(hello["type"], "hello")
                hellos[hello["pid"]] = hello
            self.assertEqual(sorted(hellos), sorted([parent.pid, forked]))
            self.assertEqual(hellos[forked]["mode"], "launch")
            code, out, err = finish(parent)
            self.assertClean(code, out, err, "parent done")
        finally:
            open(flag, "w").close()
        for connection in connections:
            while connection.next() is not None:
                pass

    def test_starting_twice_is_a_no_op_and_leaves_no_trace(self):
        with open(os.path.join(AGENT_DIR, "attach.py")) as f:
            attach_text = f.read()
        script = self.memtop.write(
            "app.py",
            """
            import sys
            import threading
            import time
            import memtop_agent

            print("again", memtop_agent.start(), memtop_agent.start(sys.argv[1]))
            exec('MEMTOP_AGENT_SOCKET = %r\\n' % sys.argv[1] + open(sys.argv[2]).read())
            time.sleep(0.5)
            print("names", sorted(n for n in globals() if "memtop" in n.lower() or "attach" in n))
            print("modules", sorted(n for n in sys.modules if "memtop" in n or "attach" in n))
            print("threads", len(threading.enumerate()))
            print("running", memtop_agent.is_running())
            sys.stdin.read()
            """,
        )
        attach = self.memtop.write("attach_copy.py", attach_text)
        child = self.memtop.launch(script, args=[self.memtop.socket_path, attach])
        agent = self.memtop.accept()
        self.assertEqual(agent.next()["type"], "hello")
        self.assertTrue(self.memtop.no_connection(5.0), "a second agent connected")
        code, out, err = finish(child)
        self.assertClean(code, out, err, "again False False\n")
        self.assertIn("names ['memtop_agent']\n", out)
        self.assertIn("modules ['memtop_agent']\n", out)
        self.assertIn("threads 1\n", out)
        self.assertIn("running True\n", out)

    def test_a_second_memtop_is_told_this_process_is_busy(self):
        second = Memtop()
        self.addCleanup(second.close)
        with open(os.path.join(AGENT_DIR, "attach.py")) as f:
            attach = self.memtop.write("attach_copy.py", f.read())
        script = self.memtop.write(
            "app.py",
            """
            import sys
            import memtop_agent

            for line in sys.stdin:
                how, path = line.split()
                if how == "attach":
                    # As memtop's injector runs the loader: in a namespace of its own.
                    with open(sys.argv[1]) as f:
                        exec("MEMTOP_AGENT_SOCKET = %r\\n" % path + f.read(), {})
                    print("attached", flush=True)
                else:
                    print("started", memtop_agent.start(path), flush=True)
            print("running", memtop_agent.is_running())
            """,
        )
        child = self.memtop.launch(script, args=[attach])
        first = self.memtop.accept()
        self.assertEqual(first.next()["type"], "hello")
        first.send(FAST)
        expected = (
            "busy: this process already reports to another memtop (its agent is connected to %s); "
            "only one memtop can look inside a process at a time" % self.memtop.socket_path
        )
        for how, said in (("attach", b"attached"), ("start", b"started False")):
            child.stdin.write(("%s %s\n" % (how, second.socket_path)).encode())
            child.stdin.flush()
            self.assertEqual(child.stdout.readline().strip(), said)
            busy = second.accept()
            self.assertEqual(busy.next(), {"type": "note", "message": expected}, how)
            self.assertEqual(busy.next(), {"type": "bye", "reason": "busy"}, how)
            self.assertIsNone(busy.next(), "the busy connection closes after bye (%s)" % how)
        # Started again for the memtop it serves: nothing at all.
        child.stdin.write(("start %s\n" % self.memtop.socket_path).encode())
        child.stdin.flush()
        self.assertEqual(child.stdout.readline().strip(), b"started False")
        self.assertTrue(self.memtop.no_connection(2.0), "a repeated start connected")
        self.assertTrue(second.no_connection(0.5), "a repeated start told the other memtop")
        first.until(lambda m: m["type"] == "sample", "a sample for the first memtop after all that")
        self.assertClean(*finish(child), "running True\n")

    def test_loaders_print_nothing_when_the_agent_cannot_be_read(self):
        """Code memtop puts into a program writes nothing to its stdout or stderr, even under
        -X dev -W error, when the agent's file cannot be read (PermissionError)."""
        agent_file = os.path.join(self.memtop.dir, "memtop_agent.py")
        os.chmod(agent_file, 0)
        prefix = ()
        if os.geteuid() == 0:
            setpriv = shutil.which("setpriv")
            if setpriv is None:
                self.skipTest("running as root without setpriv: cannot make a file unreadable")
            prefix = (setpriv, "--bounding-set", "-dac_override,-dac_read_search")
        with open(os.path.join(AGENT_DIR, "attach.py")) as f:
            attach = self.memtop.write("attach_copy.py", f.read())
        script = self.memtop.write(
            "app.py",
            """
            import sys
            import time

            try:
                open(sys.argv[2]).close()
                print("the agent is readable")
            except PermissionError:
                pass
            # As memtop's injector runs the loader: in a namespace of its own.
            with open(sys.argv[1]) as f:
                exec("MEMTOP_AGENT_SOCKET = %r\\n" % sys.argv[3] + f.read(), {})
            time.sleep(1.0)  # the loader's thread tries to load the agent meanwhile
            print("normal output")
            """,
        )
        for launched in (False, True):
            child = self.memtop.launch(
                script, args=[attach, agent_file, self.memtop.socket_path], agent=launched, prefix=prefix,
                interpreter_args=["-X", "dev", "-W", "error"],
            )
            self.assertEqual(finish(child), (0, "normal output\n", ""), "launched" if launched else "attached")
        self.assertTrue(self.memtop.no_connection(1.0), "an agent connected")

    def test_other_interpreters(self):
        """A Python 3.8 program gets the agent; a Python 2 program keeps its sitecustomize."""
        roots = [os.path.expanduser("~/.pyenv/versions"), "/usr/bin"]
        found = {}
        for version in ("3.8", "2.7"):
            for root in roots:
                for name in sorted(os.listdir(root)) if os.path.isdir(root) else []:
                    if name.startswith(version + ".") and os.path.exists(os.path.join(root, name, "bin", "python")):
                        found.setdefault(version, os.path.join(root, name, "bin", "python"))
            found.setdefault(version, shutil.which("python" + version))
        if not any(found.values()):
            self.skipTest("neither Python 3.8 nor 2.7 is installed")
        user = os.path.join(self.memtop.app_dir, "usersite")
        self.memtop.write("usersite/sitecustomize.py", 'import sys\nsys.stdout.write("user site\\n")\n')
        if found.get("3.8"):
            self.memtop.write("shop/__init__.py", "")
            self.memtop.write("shop/prices.py", PRICES)
            script = self.memtop.write("app.py", PRICES_APP)
            child = self.memtop.launch(script, python=found["3.8"], pythonpath=[user])
            agent = self.memtop.accept()
            self.assertTrue(agent.next()["python"].startswith("3.8."))
            agent.send(FAST)
            agent.until(
                lambda m: any(c["function"] == "shop.prices.price" for c in m.get("caches", [])),
                "the cache named under 3.8",
            )
            code, out, err = finish(child)
            self.assertClean(code, out, err, "user site\nprices True")
        if found.get("2.7"):
            script = self.memtop.write("app2.py", 'print("python 2 output")\n')
            code, out, err = finish(self.memtop.launch(script, python=found["2.7"], pythonpath=[user]))
            self.assertClean(code, out, err, "user site\npython 2 output")
            self.assertTrue(self.memtop.no_connection(1.0), "Python 2 connected")

    # MARK: Attach

    def test_attach_with_gdb_to_a_running_program(self):
        gdb = shutil.which("gdb")
        if gdb is None:
            self.skipTest("gdb is not installed (Debian: apt-get install gdb)")
        script = self.memtop.write("app.py", STORE_APP)
        child = self.memtop.launch(script, agent=False)
        self.assertEqual(child.stdout.readline().strip(), b"ready")
        attach = os.path.join(self.memtop.dir, "attach_%d.py" % child.pid)
        with open(os.path.join(AGENT_DIR, "attach.py")) as f:
            text = "MEMTOP_AGENT_SOCKET = %s\n" % json.dumps(self.memtop.socket_path) + f.read()
        with open(attach, "w") as f:
            f.write(text)
        result = gdb_inject(gdb, child.pid, attach)
        if "ptrace: Operation not permitted" in result.stdout:
            self.skipTest("ptrace is not permitted here: " + result.stdout.strip()[-300:])
        agent = self.memtop.accept()
        hello = agent.next()
        self.assertEqual((hello["type"], hello["mode"], hello["pid"]), ("hello", "attach", child.pid), result.stdout)
        agent.send(FAST)
        self.trace_store(agent, script)
        agent.until(lambda m: m["type"] == "sample" and not m["tracing"], "tracing off after the window")
        self.assertIsNone(child.poll(), "the target keeps running")
        agent.send({"cmd": "detach"})
        agent.until(lambda m: m["type"] == "bye", "bye")
        code, out, err = finish(child)
        self.assertClean(code, out, err, "tracing False")


def gdb_inject(gdb, pid, path):
    """Runs `path` in process `pid` as memtop does on CPython before 3.14."""
    statement = "exec(open(%s).read(), {})" % json.dumps(path)
    call = "call (int)PyRun_SimpleString(%s)" % json.dumps(statement)
    return subprocess.run(
        [gdb, "-p", str(pid), "-batch", "-nx",
         "-ex", "set confirm off",
         "-ex", "call (int)PyGILState_Ensure()",
         "-ex", call,
         "-ex", "call (void)PyGILState_Release($1)"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        timeout=120, universal_newlines=True,
    )


if __name__ == "__main__":
    # A test runner may spawn this with signals blocked or ignored, which children inherit
    # (gdb then waits forever for SIGCHLD): start from the defaults.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    if sys.argv[1:] == ["--list"]:
        for name in unittest.TestLoader().getTestCaseNames(AgentTests):
            print(name)
        sys.exit(0)
    unittest.main()
