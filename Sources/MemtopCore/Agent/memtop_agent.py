"""memtop's Python agent: tells memtop where a Python program's memory grows.

Loaded by memtop's ``sitecustomize.py`` (a program memtop launches with ``--python``) or by
``attach.py`` (a running program), stdlib only, Python 3.8+. It connects to memtop's Unix
socket, says hello, and from one daemon thread sends a sample every interval: the collector's
state, every ``functools.lru_cache`` wrapper's size, on a budgeted cadence a census of
GC-tracked objects by type, and on request tracemalloc's top lines for a bounded window.
The protocol is in memtop's ``docs/python-agent.md``.

Safety: no entry point raises into the program; the thread never blocks it (socket calls
are non-blocking, samples are dropped when memtop stops reading); the census holds the GIL
for a measured time, is spaced so it costs at most 1 % of wall time, and is skipped on a heap
so large that one census would hold it long; a tracing window ends at its deadline; tracemalloc
is left as it was found; of memtop's own code only this module is added to ``sys.modules``
(the standard modules it imports -- json, select, tracemalloc and their helpers -- stay
imported); the connection's descriptor is checked to be its own before each use and never
closed once it is not; starting twice for the same memtop does nothing, and another memtop
asking is told this process is busy.
"""

import _thread
import gc
import os
import sys
import time

VERSION = 1
# A line longer than this (either way) is dropped, never parsed.
MAX_LINE_BYTES = 1 << 20
# Samples queued beyond this many unsent bytes are dropped: memtop is not reading.
MAX_PENDING_BYTES = 256 << 10
# The census may use this share of wall time.
CENSUS_SHARE = 0.01
# Above this many allocated blocks (sys.getallocatedblocks, about the live objects) one census
# would hold the interpreter for a quarter second or more: it is skipped, and lru caches are
# looked for in the modules' and their classes' namespaces instead.
CENSUS_MAX_BLOCKS = 2000000
# A tracing window's snapshots may use this share of its wall time.
SNAPSHOT_SHARE = 0.1
TOP_TYPES = 50
TOP_LINES = 50
MAX_CACHES = 100
MAX_NOTE_CHARS = 300
MAX_NAME_CHARS = 200
# The connection is moved to a descriptor just below the soft RLIMIT_NOFILE, at most this high:
# the kernel's descriptor table grows to hold it (8 bytes a slot, kernel memory, not the
# program's RSS), and a daemon's closerange or the program's next open rarely reaches it.
HIGH_FD_CAP = 4096
# How long the connection that tells a second memtop "busy" may take, in seconds.
BUSY_TIMEOUT = 2.0

_start_lock = _thread.allocate_lock()
_running = False
_current = None  # the connected agent, for the fork hook
_mode = None  # how the running (or starting) agent was loaded, for the fork hook
_path = None  # the socket path the running (or starting) agent serves
_helpers = 0  # short-lived threads of ours running now (telling another memtop "busy")
_fork_hook = False


# MARK: - Entry points (never raise)


def start(socket_path=None, mode="launch"):
    """Starts the agent in a new daemon thread unless one is running.

    ``socket_path`` defaults to ``$MEMTOP_AGENT_SOCKET``. Returns whether a thread was
    started. When an agent already serves another path, that memtop is told "busy" from a
    short-lived thread. Never raises.
    """
    try:
        path = socket_path if socket_path is not None else os.environ.get("MEMTOP_AGENT_SOCKET")
        if not _claim(path, mode):
            return False
        try:
            # Before the thread: a fork while it starts or connects gives the child its own,
            # and finds no module the thread was halfway through importing.
            _import_needs()
            _watch_forks()
            _original("_thread", "start_new_thread", _thread.start_new_thread)(_main, (path, mode))
        except BaseException:
            _release()
            return False
        return True
    except BaseException:
        return False


def run(socket_path, mode="attach"):
    """Runs the agent in the calling thread (a thread made for it) until memtop detaches.

    Returns at once when an agent is already running (telling the memtop at ``socket_path``
    "busy" from a short-lived thread when that is not the path it serves). Never raises.
    """
    try:
        if _claim(socket_path, mode):
            _main(socket_path, mode)
    except BaseException:
        pass


def _import_needs():
    """Imports, in the calling thread, the modules the agent's thread imports first: forked
    while that thread was importing one, a child would keep it half-initialized for ever."""
    import _socket  # noqa: F401
    import collections  # noqa: F401
    import fcntl  # noqa: F401
    import functools  # noqa: F401
    import heapq  # noqa: F401
    import json  # noqa: F401
    import select  # noqa: F401
    import struct  # noqa: F401
    import weakref  # noqa: F401

    import _tracemalloc  # noqa: F401


def is_running():
    """Whether an agent thread is running in this process."""
    return _running


def _claim(path, mode):
    """Whether the caller may run an agent for ``path``; when another path's agent runs, tells
    the memtop at ``path`` that this process is busy."""
    global _running, _mode, _path
    if not isinstance(path, str) or not path:
        return False
    with _start_lock:
        if not _running:
            _running = True
            _mode = mode
            _path = path
            return True
        serving = _path
    if isinstance(serving, str) and serving != path:
        _tell_busy(path, serving)
    return False


def _release():
    global _running
    _running = False


def _main(path, mode):
    global _current
    agent = None
    try:
        _watch_forks()
        agent = _Agent(path, mode)
        _current = agent
        agent.serve()
    except BaseException:
        pass
    finally:
        _current = None
        try:
            if agent is not None:
                agent.close()
        except BaseException:
            pass
        _release()


def _tell_busy(path, serving):
    """From a short-lived thread (never the caller's), tells the memtop at ``path`` that this
    process already reports to the one at ``serving``."""
    global _helpers
    with _start_lock:
        _helpers += 1
    try:
        _original("_thread", "start_new_thread", _thread.start_new_thread)(_say_busy, (path, serving))
    except Exception:
        with _start_lock:
            _helpers -= 1


def _say_busy(path, serving):
    """The busy thread's outermost frame: connect, one note, a bye, close; never raises."""
    global _helpers
    try:
        import json

        connection = _Connection(path, BUSY_TIMEOUT, high=False)
        try:
            message = (
                "busy: this process already reports to another memtop (its agent is connected to %s); "
                "only one memtop can look inside a process at a time" % _text(serving)
            )
            data = b""
            for line in ({"type": "note", "message": message[:MAX_NOTE_CHARS]}, {"type": "bye", "reason": "busy"}):
                data += (json.dumps(line, separators=(",", ":")) + "\n").encode("utf-8")
            if connection.ours():
                connection.sock.sendall(data, connection.nosignal)
        finally:
            connection.close()
    except BaseException:
        pass
    finally:
        with _start_lock:
            _helpers -= 1


def _watch_forks():
    """Registers (once) what a fork does: the child drops the parent's agent and starts its
    own; the parent is spared the warning our thread alone would cause (3.12+)."""
    global _fork_hook
    if not _fork_hook and hasattr(os, "register_at_fork"):
        _fork_hook = True
        os.register_at_fork(
            before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child
        )


# The warnings filter in place during a fork, when one is.
_fork_filter = None


def _before_fork():
    """Python 3.12+ warns (or, under -W error, raises) at a fork in a process with more than
    one thread. When the agent's thread is the only other one, that warning would be ours,
    not the program's: ignore exactly it for the length of this fork."""
    global _fork_filter
    try:
        if sys.version_info < (3, 12) or not _running:
            return
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        # num_threads: when the program has threads of its own, it is warned as before.
        if int(fields[17]) != 2 + _helpers:
            return
        import warnings

        warnings.filterwarnings(
            "ignore", message=r"This process \(pid=\d+\) is multi-threaded", category=DeprecationWarning
        )
        _fork_filter = warnings.filters[0]
    except BaseException:
        pass


def _drop_fork_filter():
    global _fork_filter
    entry, _fork_filter = _fork_filter, None
    if entry is None:
        return
    try:
        import warnings

        warnings.filters.remove(entry)
        for name in ("_filters_mutated", "_filters_mutated_lock_held"):
            if hasattr(warnings, name):
                getattr(warnings, name)()
                break
    except Exception:
        pass


def _after_fork_in_parent():
    _drop_fork_filter()


def _after_fork_in_child():
    """In a forked child no agent thread runs: close the parent's connection (so memtop sees
    the parent's end), stop the parent's tracing window, and connect anew when launched --
    also when the parent's agent was still starting or connecting at the fork."""
    global _current, _running, _start_lock, _helpers
    _drop_fork_filter()
    try:
        agent = _current
        was_running = _running
        _current = None
        _start_lock = _thread.allocate_lock()  # another thread may have held it at the fork
        _running = False
        _helpers = 0  # the parent's busy threads are not the child's
        if agent is not None:
            agent.forget()
        if was_running and (agent.mode if agent is not None else _mode) == "launch":
            start(None, "launch")
    except BaseException:
        pass


def _original(module, name, current):
    """The unpatched function when gevent or eventlet monkey-patched ``module.name``."""
    try:
        monkey = sys.modules.get("gevent.monkey")
        if monkey is not None and monkey.is_object_patched(module, name):
            return monkey.get_original(module, name)
        patcher = sys.modules.get("eventlet.patcher")
        if patcher is not None and patcher.is_monkey_patched(module.lstrip("_")):
            return getattr(patcher.original(module), name)
    except Exception:
        pass
    return current


# MARK: - The connection


def _identity(fd):
    """(st_dev, st_ino) of the socket open on ``fd``; None when it is not a socket."""
    info = os.fstat(fd)
    if info.st_mode & 0o170000 != 0o140000:  # S_ISSOCK
        return None
    return (info.st_dev, info.st_ino)


class _Connection:
    """One connection to a memtop socket, on a descriptor the agent checks is still its own.

    A program may close descriptors it did not open (a daemon's ``os.closerange``) and get the
    same number again for a file of its own. So the connection moves to a high descriptor, and
    before each use (``ours``) its descriptor must still be the socket connected here: the same
    (st_dev, st_ino), a connected AF_UNIX stream socket, the same peer name. A descriptor that
    is no longer ours is never used or closed again: the socket object lets go of the number
    (``detach``), so not even the garbage collector closes the program's file.
    """

    def __init__(self, path, timeout, high=True):
        import _socket
        import struct

        self._socket = _socket
        self.nosignal = getattr(_socket, "MSG_NOSIGNAL", 0)
        self.identity = None
        self.peer = None
        self.sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        connected = False
        try:
            self.identity = _identity(self.sock.fileno())
            self.sock.settimeout(timeout)
            self.sock.connect(path)
            if not self.ours():
                raise OSError("the agent's socket was closed while it connected")
            creds = self.sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, struct.calcsize("3i"))
            _pid, uid, _gid = struct.unpack("3i", creds)
            if uid not in (0, os.getuid()):
                raise OSError("memtop's socket belongs to another user")
            self.peer = self.sock.getpeername()
            if high:
                self.move_high()
            connected = True
        finally:
            if not connected:
                self.close()

    def move_high(self):
        """Moves the connection to a descriptor just below the soft RLIMIT_NOFILE (at most
        HIGH_FD_CAP), where the program's own opens and a daemon's closerange rarely reach;
        stays where it is when there is no room up there."""
        import fcntl

        command = getattr(fcntl, "F_DUPFD_CLOEXEC", None)
        low = self.sock.fileno()
        try:
            limit = os.sysconf("SC_OPEN_MAX")  # the soft RLIMIT_NOFILE; -1 when unlimited
        except (OSError, ValueError):
            limit = -1
        if limit <= 0 or limit > HIGH_FD_CAP:
            limit = HIGH_FD_CAP
        for base in (limit - 1, limit - 64):
            if command is None or base <= low or not self.ours():
                return
            try:
                high = fcntl.fcntl(low, command, base)
            except OSError:
                continue
            try:
                same = _identity(high) == self.identity
            except OSError:
                same = False
            if not same:
                # The number changed hands between the check and the dup: ``high`` is our
                # own copy of the program's file; closing it leaves theirs open.
                os.close(high)
                raise OSError("the agent's socket was closed while it connected")
            moved = self._socket.socket(self._socket.AF_UNIX, self._socket.SOCK_STREAM, 0, high)
            moved.settimeout(self.sock.gettimeout())
            old, self.sock = self.sock, moved
            if _identity(low) == self.identity:
                old.close()
            else:
                old.detach()
            return

    def ours(self):
        """Whether the descriptor is still the socket this connection connected."""
        sock = self.sock
        if sock is None or self.identity is None:
            return False
        socket = self._socket
        try:
            fd = sock.fileno()
            if fd < 0 or _identity(fd) != self.identity:
                return False
            domain = getattr(socket, "SO_DOMAIN", None)
            if domain is not None and sock.getsockopt(socket.SOL_SOCKET, domain) != socket.AF_UNIX:
                return False
            if sock.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE) != socket.SOCK_STREAM:
                return False
            return self.peer is None or sock.getpeername() == self.peer
        except (OSError, ValueError):
            return False

    def let_go(self):
        """Forgets the descriptor without closing it: it is not ours any more."""
        sock, self.sock = self.sock, None
        if sock is not None:
            try:
                sock.detach()
            except OSError:
                pass

    def close(self):
        """Closes the descriptor when it is still ours, else only lets go of it."""
        if self.sock is None:
            return
        if not self.ours():
            self.let_go()
            return
        sock, self.sock = self.sock, None
        try:
            sock.close()
        except OSError:
            pass


# MARK: - The agent


class _Agent:
    """One connection to memtop, served from one thread."""

    def __init__(self, path, mode):
        # Everything the agent needs is imported here, before any tracing window, so the
        # agent's own imports never show among the traced lines.
        import collections
        import fcntl  # noqa: F401 (the connection moves to a high descriptor with it)
        import functools
        import heapq  # noqa: F401 (Counter.most_common imports it on first use)
        import json
        import select
        import struct  # noqa: F401 (the connection reads SO_PEERCRED with it)
        import weakref

        import _tracemalloc

        self._counter = collections.Counter
        self._wrapper = getattr(functools, "_lru_cache_wrapper", None)
        self._weakref = weakref.ref

        self._json = json
        # poll, not select: the program may hold over 1024 descriptors.
        self._poll = _original("select", "poll", getattr(select, "poll", None))()
        self._readable = select.POLLIN | select.POLLHUP | select.POLLERR
        self._writable = select.POLLOUT
        self._tm = _tracemalloc
        self.path = path
        self.mode = mode
        self.interval = 1.0
        self.census_interval = 10.0
        self.conn = None
        self.pending = []  # encoded lines not yet started
        self.pending_bytes = 0
        self.partial = b""  # the unsent rest of the line being sent
        self.inbox = bytearray()
        self.skipping = False  # discarding an over-long incoming line
        self.dropped = 0
        self.done = False
        self.caches = []  # (weakref to an lru_cache wrapper, qualified name)
        self.census_caches = []  # (name, cache_info()) read during the last census
        self.next_census = 0.0
        self.census_cost = 0.0
        self.slow_census_noted = False
        self.big_heap_noted = False
        self.trace = None  # the running trace window, a dict
        self.cwd = os.getcwd()
        self.tracemalloc_was_tracing = bool(_tracemalloc.is_tracing())
        conn = _Connection(path, 5.0)
        try:
            conn.sock.setblocking(False)
        except OSError:
            conn.close()
            raise
        self.conn = conn

    # MARK: Loop

    def serve(self):
        self.send(self.hello(), droppable=False)
        now = time.monotonic()
        self.next_census = now + min(self.interval, 1.0)
        next_tick = now + min(self.interval, 1.0)
        while not self.done:
            now = time.monotonic()
            if self.trace is not None and now >= self.trace["deadline"]:
                self.stop_trace()
            snap_due = self.trace is not None and now >= self.trace["next"]
            if now >= next_tick or snap_due:
                self.tick(now, snap_due)
                next_tick = max(next_tick + self.interval, now + self.interval / 2)
                if snap_due:
                    next_tick = now + self.interval
            if self.done:
                break
            wake = next_tick if self.trace is None else min(next_tick, self.trace["next"])
            wait = max(0.0, wake - time.monotonic())
            sending = bool(self.partial or self.pending)
            if not self.usable():
                break
            self._poll.register(self.conn.sock, self._readable | (self._writable if sending else 0))
            events = 0
            for _fd, event in self._poll.poll(int(wait * 1000.0) + 1):
                events |= event
            if events & self._readable:
                self.receive()
            if events & self._writable and not self.done:
                self.flush()

    def tick(self, now, snapshot):
        sample = self.sample(now, snapshot)
        self.send(sample, droppable=True)
        self.flush()

    def usable(self):
        """Whether the connection's descriptor is still ours; when it is not (the program
        closed it, perhaps reusing the number), lets go of it and ends, as if memtop left."""
        if self.conn is not None and self.conn.ours():
            return True
        self.done = True
        if self.conn is not None:
            self.conn.let_go()
        return False

    def forget(self):
        """In a forked child: closes this copy of the connection, stops our tracing window."""
        self.done = True
        self.stop_trace()
        if self.conn is not None:
            self.conn.close()

    def close(self):
        self.stop_trace()
        if self.conn is not None:
            self.conn.close()

    # MARK: Messages

    def hello(self):
        message = {
            "type": "hello",
            "version": VERSION,
            "pid": os.getpid(),
            "python": "%d.%d.%d" % sys.version_info[:3],
            "implementation": sys.implementation.name,
            "executable": _text(sys.executable or ""),
            "argv": [_text(a) for a in (getattr(sys, "argv", None) or [])],
            "tracemalloc_was_tracing": self.tracemalloc_was_tracing,
            "mode": self.mode,
            "interval": self.interval,
            "census_interval": self.census_interval,
        }
        orig = getattr(sys, "orig_argv", None)
        if orig:
            message["orig_argv"] = [_text(a) for a in orig]
        return message

    def sample(self, now, snapshot):
        message = {"type": "sample", "t": time.time(), "pid": os.getpid(), "gc": _gc_state()}
        if self.census_interval > 0 and now >= self.next_census:
            types, cost = self.census()
            if types is not None:
                message["types"], message["census_ms"] = types, cost
            end = time.monotonic()
            self.next_census = end + max(self.census_interval, self.census_cost / CENSUS_SHARE)
        message["caches"] = self.cache_sizes()
        tracing = bool(self._tm.is_tracing())
        message["tracing"] = tracing
        if tracing:
            current, peak = self._tm.get_traced_memory()
            message["traced"] = {"current": current, "peak": peak}
        if snapshot:
            lines = self.snapshot_lines()
            if lines is not None:
                message["lines"] = lines
        message["agent_cpu_s"] = round(time.thread_time(), 6)
        if self.dropped:
            message["dropped"] = self.dropped
        return message

    def note(self, text):
        self.send({"type": "note", "message": _text(text)[:MAX_NOTE_CHARS]}, droppable=False)

    def send(self, message, droppable):
        try:
            text = self._json.dumps(message, separators=(",", ":"), allow_nan=False)
            data = (text + "\n").encode("utf-8")
        except (TypeError, ValueError) as error:
            reason = ("could not encode a message: %s" % error)[:MAX_NOTE_CHARS]
            message = {"type": "note", "message": reason}
            data = (self._json.dumps(message) + "\n").encode("utf-8")
        if len(data) > MAX_LINE_BYTES:
            return
        if droppable and self.pending_bytes + len(self.partial) > MAX_PENDING_BYTES:
            self.dropped += 1
            return
        self.pending.append(data)
        self.pending_bytes += len(data)

    def flush(self):
        while not self.done:
            if not self.partial:
                if not self.pending:
                    return
                self.partial = self.pending.pop(0)
                self.pending_bytes -= len(self.partial)
            if not self.usable():
                return
            try:
                sent = self.conn.sock.send(self.partial, self.conn.nosignal)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.done = True
                return
            self.partial = self.partial[sent:]

    def flush_before_closing(self):
        """Sends what is queued, waiting at most a second: memtop asked to close, so it reads."""
        try:
            if not self.usable():
                return
            self.conn.sock.settimeout(1.0)
            for data in [self.partial] + self.pending:
                while data:
                    if not self.usable():
                        return
                    data = data[self.conn.sock.send(data, self.conn.nosignal) :]
            self.partial, self.pending, self.pending_bytes = b"", [], 0
        except OSError:
            pass

    # MARK: Commands

    def receive(self):
        if not self.usable():
            return
        try:
            data = self.conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.done = True
            return
        if not data:
            self.done = True  # memtop went away: same as detach
            return
        for byte_line in self.lines_in(data):
            if self.done:
                return
            self.command(byte_line)

    def lines_in(self, data):
        lines = []
        self.inbox += data
        while True:
            end = self.inbox.find(b"\n")
            if end < 0:
                if len(self.inbox) > MAX_LINE_BYTES:
                    self.inbox.clear()
                    if not self.skipping:
                        self.note("dropped a command line longer than 1 MiB")
                    self.skipping = True
                return lines
            line = bytes(self.inbox[:end])
            del self.inbox[: end + 1]
            if self.skipping:
                self.skipping = False
                continue
            if len(line) > MAX_LINE_BYTES:
                self.note("dropped a command line longer than 1 MiB")
                continue
            if line.strip():
                lines.append(line)

    def command(self, line):
        try:
            message = self._json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self.note("ignored a line that is not JSON: %r" % line[:80])
            return
        if not isinstance(message, dict):
            self.note("ignored a command that is not a JSON object")
            return
        name = message.get("cmd")
        if name == "trace":
            self.start_trace(message)
        elif name == "config":
            self.configure(message)
        elif name == "detach":
            self.stop_trace()
            self.send({"type": "bye", "reason": "detach"}, droppable=False)
            self.flush_before_closing()
            self.done = True
        else:
            self.note("ignored an unknown command: %r" % (name,))

    def configure(self, message):
        interval = _number(message.get("interval"), 0.05, 3600.0)
        census = _number(message.get("census_interval"), 0.0, 86400.0)
        if interval is not None:
            self.interval = interval
        if census is not None:
            self.census_interval = census
            # The next census comes after the new interval, or at once if none ran yet.
            gap = max(census, self.census_cost / CENSUS_SHARE) if self.census_cost else 0.0
            self.next_census = time.monotonic() + gap

    # MARK: Collector, caches and census

    def census(self):
        """Counts GC-tracked objects by type and finds lru_cache wrappers; holds the GIL.

        Returns (None, None) when the heap is too large for one census to be short: then only
        the modules are searched for caches."""
        started = time.perf_counter()
        wrapper = self._wrapper
        blocks = sys.getallocatedblocks()
        if blocks > CENSUS_MAX_BLOCKS:
            self.caches, self.census_caches = self.module_caches(wrapper)
            self.census_cost = time.perf_counter() - started
            if not self.big_heap_noted:
                self.big_heap_noted = True
                self.note(
                    "%d allocated blocks: the census of objects by type is skipped (it would hold "
                    "the interpreter too long); lru caches are looked for in modules only" % blocks
                )
            return None, None
        objects = gc.get_objects()
        try:
            counts = self._counter(map(type, objects))
            caches = []
            read_now = []
            if isinstance(wrapper, type) and counts.get(wrapper):
                for found in filter(wrapper.__instancecheck__, objects):
                    self.keep_cache(found, caches, read_now)
                    if len(caches) + len(read_now) >= 10000:
                        break
                found = None
        finally:
            del objects
        self.caches = caches
        self.census_caches = read_now
        top = [{"type": _type_name(kind), "count": n} for kind, n in counts.most_common(TOP_TYPES)]
        self.census_cost = time.perf_counter() - started
        if self.census_cost > 0.25 and not self.slow_census_noted:
            self.slow_census_noted = True
            every = max(self.census_interval, self.census_cost / CENSUS_SHARE)
            self.note(
                "the type census held the interpreter for %.0f ms; it now runs every %.0f s"
                % (self.census_cost * 1000.0, every)
            )
        return top, round(self.census_cost * 1000.0, 3)

    def keep_cache(self, found, caches, read_now):
        """Keeps a weak reference to one lru_cache wrapper in ``caches``; on Python 3.8, which
        has no weak references to wrappers (holding them would keep them alive), its info read
        now in ``read_now``, reported on census ticks only."""
        name = _function_name(found)
        try:
            caches.append((self._weakref(found), name))
        except TypeError:
            info = _cache_info(found)
            if info is not None:
                read_now.append((name, info))

    def module_caches(self, wrapper):
        """lru_cache wrappers bound in a module's namespace or a class's there: cheap, bounded."""
        caches = []
        read_now = []
        if not isinstance(wrapper, type):
            return caches, read_now
        seen = set()
        for module in list(sys.modules.values()):
            try:
                space = object.__getattribute__(module, "__dict__")
            except Exception:
                continue
            if not isinstance(space, dict):
                continue
            for value in list(space.values()):
                candidates = [value]
                if isinstance(value, type):
                    try:
                        candidates = list(value.__dict__.values())
                    except Exception:
                        candidates = []
                for found in candidates:
                    if type(found) is not wrapper or id(found) in seen:
                        continue
                    seen.add(id(found))
                    self.keep_cache(found, caches, read_now)
                found = None
            if len(caches) + len(read_now) >= 10000:
                break
        return caches, read_now

    def cache_sizes(self):
        """Each cached function's size and counts, summed over wrappers with the same name."""
        read = list(self.census_caches)
        self.census_caches = []
        alive = []
        for ref, name in self.caches:
            found = ref()
            if found is None:
                continue
            alive.append((ref, name))
            info = _cache_info(found)
            if info is not None:
                read.append((name, info))
        found = None
        self.caches = alive
        totals = {}
        for name, info in read:
            entry = totals.get(name)
            if entry is None:
                totals[name] = {
                    "function": name,
                    "currsize": info.currsize,
                    "maxsize": info.maxsize,
                    "hits": info.hits,
                    "misses": info.misses,
                    "instances": 1,
                }
            else:
                entry["currsize"] += info.currsize
                entry["hits"] += info.hits
                entry["misses"] += info.misses
                entry["instances"] += 1
        ordered = sorted(totals.values(), key=lambda entry: (-entry["currsize"], entry["function"]))
        return ordered[:MAX_CACHES]

    # MARK: Tracing window

    def start_trace(self, message):
        seconds = _number(message.get("seconds"), 1.0, 86400.0) or 60.0
        snapshots = int(_number(message.get("snapshots"), 1, 1000) or 6)
        frames = int(_number(message.get("frames"), 1, 100) or 1)
        ours = self.trace["ours"] if self.trace is not None else False
        try:
            # Imported before tracing starts, so its own import is not among the lines.
            import tracemalloc  # noqa: F401
        except Exception as error:
            self.note("could not import tracemalloc: %s" % error)
            return
        if not self._tm.is_tracing():
            try:
                self._tm.start(frames)
                ours = True
            except Exception as error:
                self.note("could not start tracemalloc: %s" % error)
                return
        step = seconds / snapshots
        now = time.monotonic()
        # The window ends at its deadline whatever snapshots are left: tracing costs the program.
        self.trace = {"ours": ours, "step": step, "left": snapshots, "next": now + step, "deadline": now + seconds + step / 2}

    def stop_trace(self):
        trace = self.trace
        self.trace = None
        if trace is not None and trace["ours"]:
            try:
                self._tm.stop()
            except Exception:
                pass

    def snapshot_lines(self):
        trace = self.trace
        if trace is None:
            return None
        trace["left"] -= 1
        started = time.monotonic()
        lines = None
        try:
            if self._tm.is_tracing():
                lines = self.top_lines()
        except Exception as error:
            self.note("could not take a tracemalloc snapshot: %s" % error)
        ended = time.monotonic()
        # Snapshots of a large heap are slow: space them so they take a bounded share.
        trace["next"] = ended + max(trace["step"], (ended - started) / SNAPSHOT_SHARE)
        if trace["left"] <= 0 or trace["next"] > trace["deadline"]:
            self.stop_trace()
        return lines

    def top_lines(self):
        import tracemalloc

        snapshot = tracemalloc.take_snapshot()
        # The agent's and tracemalloc's own lines are skipped here rather than by
        # filter_traces, which matches a pattern against every trace.
        own = (__file__, tracemalloc.__file__)
        lines = []
        for stat in snapshot.statistics("lineno"):
            if len(lines) >= TOP_LINES:
                break
            frame = stat.traceback[0]
            filename = frame.filename
            if filename in own:
                continue
            if not filename.startswith("<") and not os.path.isabs(filename):
                filename = os.path.join(self.cwd, filename)
            location = "%s:%d" % (_text(filename)[:1000], frame.lineno)
            lines.append({"location": location, "bytes": stat.size, "count": stat.count})
        return lines


# MARK: - Helpers


def _gc_state():
    stats = gc.get_stats()
    return {
        "enabled": gc.isenabled(),
        "counts": list(gc.get_count()),
        "collections": [s.get("collections", 0) for s in stats],
        "collected": [s.get("collected", 0) for s in stats],
        "uncollectable": [s.get("uncollectable", 0) for s in stats],
        "garbage": len(gc.garbage),
    }


def _cache_info(wrapper):
    """``wrapper.cache_info()`` when it is a plausible CacheInfo, else None."""
    try:
        info = wrapper.cache_info()
        for value in (info.hits, info.misses, info.currsize):
            if isinstance(value, bool) or not isinstance(value, int):
                return None
        maxsize = info.maxsize
        if maxsize is not None and (isinstance(maxsize, bool) or not isinstance(maxsize, int)):
            return None
        return info
    except Exception:
        return None


def _number(value, low, high):
    """``value`` clamped to [low, high] when it is a finite number, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return min(max(value, low), high)


def _text(value):
    """``value`` as text that encodes to UTF-8 (undecodable bytes become U+FFFD)."""
    try:
        value = str(value)
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except Exception:
        return "?"


def _type_name(kind):
    try:
        module = getattr(kind, "__module__", None)
        name = getattr(kind, "__qualname__", None) or getattr(kind, "__name__", "?")
        if isinstance(module, str) and module != "builtins":
            name = module + "." + name
        return _text(name)[:MAX_NAME_CHARS]
    except Exception:
        return "?"


def _function_name(function):
    try:
        module = getattr(function, "__module__", None)
        name = getattr(function, "__qualname__", None) or getattr(function, "__name__", None) or "?"
        if isinstance(module, str) and module:
            name = module + "." + str(name)
        return _text(name)[:MAX_NAME_CHARS]
    except Exception:
        return "?"
