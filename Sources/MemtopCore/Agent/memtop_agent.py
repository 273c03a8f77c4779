"""memtop's Python agent: tells memtop where a Python program's memory grows.

Loaded by memtop's ``sitecustomize.py`` (a program memtop launches with ``--python``) or by
``attach.py`` (a running program), stdlib only, Python 3.8+. It connects to memtop's Unix
socket, says hello, and from one daemon thread sends a sample every interval: the collector's
state, every ``functools.lru_cache`` wrapper's size, on a budgeted cadence a census of
GC-tracked objects by type and of the containers that keep growing (named: ``handlers._CACHE``),
and on request tracemalloc's top lines for a bounded window with a memory budget. Each sample
says what the agent itself costs (``observer_bytes``), so memtop can take it out; a window's
end hands its memory back (stop tracemalloc, collect, glibc's ``malloc_trim``) and says how much
came back. The protocol is in memtop's ``docs/python-agent.md``.

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
# Ticks a census waits, at most, while the heap is over CENSUS_MAX_BLOCKS (a batch's peak
# passes; a heap that stays big gets the modules-only census after them).
CENSUS_DEFER_TICKS = 5
# A census also waits (the same ticks at most) while the heap is above its recent low: over
# CENSUS_TROUGH_SHARE of the lowest allocated-block count of the last 2 x CENSUS_LOW_SPAN
# seconds, plus CENSUS_TROUGH_SLACK blocks. What the census keeps for the next one, allocated
# at a batch's top, lands in the batch's arenas and keeps them when the batch is freed: a 3 s
# sawtooth's arenas went 8 -> 26 in 30 s with a census every 10 s, 12 without one.
CENSUS_TROUGH_SHARE = 1.25
CENSUS_TROUGH_SLACK = 20000
CENSUS_LOW_SPAN = 30.0
# A tracing window's snapshots may use this share of its wall time.
SNAPSHOT_SHARE = 0.1
# A tracing window's memory budget (tracemalloc's own memory plus the agent's buffers) when the
# trace command gives none: the smaller of WINDOW_BUDGET_MAX and WINDOW_BUDGET_SHARE of the
# process's RSS at the window's start, but at least WINDOW_BUDGET_MIN (a smaller window sees
# nothing). An explicit max_bytes is clamped to [WINDOW_BUDGET_FLOOR, 1 TiB].
WINDOW_BUDGET_MAX = 64 << 20
WINDOW_BUDGET_SHARE = 0.1
WINDOW_BUDGET_MIN = 8 << 20
# A snapshot's size (its list of trace tuples) per byte of tracemalloc's own memory, until one
# is measured (1.9-2.2 on 3.11 here): the budget counts the snapshot the window would take.
SNAPSHOT_RATIO = 2.5
# What tracemalloc really takes per byte get_tracemalloc_memory() reports, which leaves out the
# allocator's overhead and each trace's separately allocated record: 300 k small dicts (2.1 M
# traces) cost 222 MB of RSS for a reported 128 MiB on 3.11 here. For the budget, and for
# observer_bytes (what memtop subtracts).
TRACEMALLOC_REAL = 1.7
# When the budget is found exceeded by more than this (and more than the budget itself), the
# window closes without its last snapshot.
SNAPSHOT_OVERSHOOT = 16 << 20
WINDOW_BUDGET_FLOOR = 64 << 10
# While a window is open the agent checks its budget at least this often, in seconds: a batch
# job allocates ~1 M traced objects a second, ~150 bytes of tracemalloc each, so 0.2 s let a
# window overshoot an 8 MiB budget to 85 MiB (a 40 MB sawtooth's peak 48 -> 129 MiB).
BUDGET_CHECK = 0.02
# Retainers: containers of these many entries or more are watched between censuses, the
# RETAINERS_TRACKED largest growers are followed by id, at most MAX_RETAINERS are reported.
RETAINER_MIN_LEN = 16
# Above this many GC-tracked objects the census does not look among them for growing containers
# (four passes in C, about doubling a census of a heap made of containers): only those named
# from the modules are candidates.
RETAINER_OBJECTS_MAX = 1000000
RETAINERS_TRACKED = 32
MAX_RETAINERS = 20
# Values looked at while naming containers from modules, classes and the objects they hold.
NAMED_SCAN_MAX = 200000
# A referrer walk (gc.get_referrers, one heap walk per level) may take this long per census.
REFERRER_BUDGET = 0.005
REFERRER_DEPTH = 3
# Items of a container whose sys.getsizeof is sampled to estimate its bytes.
SIZE_SAMPLE = 50
# Entries read one level down inside each sampled entry (a reply's fields, a closure's cells).
HELD_SAMPLE = 16
# An lru cache of more entries than this is not sized (its wrapper's referents would be a long list).
CACHE_SIZE_MAX_ENTRIES = 100000
# A census that listed at least this many objects (a list of 256 KiB) is followed by malloc_trim.
CENSUS_TRIM_OBJECTS = 32768
# A module source file longer than this is not scanned for where a name is assigned.
MAX_SOURCE_BYTES = 4 << 20
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
    import array  # noqa: F401
    import collections  # noqa: F401
    import fcntl  # noqa: F401
    import functools  # noqa: F401
    import heapq  # noqa: F401
    import itertools  # noqa: F401
    import json  # noqa: F401
    import operator  # noqa: F401
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
        try:
            _drop_held_fork_filter(wait=True)
        except BaseException:
            pass


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
            connection.send_within(data, BUSY_TIMEOUT)
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


# The warnings filter in place during a fork, when one is, and since when (monotonic seconds)
# it has waited in the parent for the agent's thread to take it out.
_fork_filter = None
_fork_filter_since = None
# From 3.13 the parent is warned after its after-fork hooks ran, so the filter outlives them:
# the agent's thread takes it out once this many seconds passed (os.fork has returned by then).
FORK_FILTER_HOLD = 0.05


def _before_fork():
    """Python 3.12+ warns (or, under -W error, raises) at a fork in a process with more than
    one thread. When the agent's thread is the only other one, that warning would be ours,
    not the program's: ignore exactly it for the length of this fork."""
    global _fork_filter, _fork_filter_since
    try:
        if sys.version_info < (3, 12) or not _running:
            _drop_fork_filter()
            return
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        # num_threads: when the program has threads of its own, it is warned as before.
        if int(fields[17]) != 2 + _helpers:
            _drop_fork_filter()
            return
        _fork_filter_since = None
        if _fork_filter is not None:
            return  # the last fork's filter is still in place
        import warnings

        warnings.filterwarnings(
            "ignore", message=r"This process \(pid=\d+\) is multi-threaded", category=DeprecationWarning
        )
        _fork_filter = warnings.filters[0]
    except BaseException:
        pass


def _drop_fork_filter():
    global _fork_filter, _fork_filter_since
    entry, _fork_filter, _fork_filter_since = _fork_filter, None, None
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
    global _fork_filter_since
    if _fork_filter is None:
        return
    if sys.version_info < (3, 13):
        _drop_fork_filter()  # the warning came before this hook
    else:
        _fork_filter_since = time.monotonic()  # the warning comes after it: the thread drops it


def _drop_held_fork_filter(wait=False):
    """In the agent's thread: takes out a fork's filter once os.fork has surely returned
    (``wait``: sleeps until then, as the thread ends)."""
    since = _fork_filter_since
    if since is None:
        return
    left = since + FORK_FILTER_HOLD - time.monotonic()
    if left > 0:
        if not wait:
            return
        time.sleep(left)
    if _fork_filter_since == since:
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
        # Every send and receive is non-blocking by its own flag, not only by the descriptor's:
        # when the program swaps its own blocking socket onto the number between the check and
        # the call, the call must not wait on the program's socket (and take what arrives there).
        self.dontwait = getattr(_socket, "MSG_DONTWAIT", 0)
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

    def send_within(self, data, seconds):
        """Sends all of ``data`` within ``seconds``, checking before each call that the
        descriptor is still ours; returns whether everything went. Waits in poll, never in a
        send: a send that could block returns at once (``dontwait``)."""
        import select

        deadline = time.monotonic() + seconds
        while data:
            if not self.ours():
                return False
            try:
                data = data[self.sock.send(data, self.nosignal | self.dontwait) :]
                continue
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                return False
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            waiter = _original("select", "poll", select.poll)()
            waiter.register(self.sock.fileno(), select.POLLOUT)
            waiter.poll(int(min(left, 0.1) * 1000.0) + 1)
        return True

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
        self.prepare(path, mode)
        conn = _Connection(path, 5.0)
        try:
            conn.sock.setblocking(False)
        except OSError:
            conn.close()
            raise
        self.conn = conn

    def prepare(self, path, mode):
        """Everything but the connection (``scripts/bench-census`` runs a census on an agent
        prepared this way, unconnected)."""
        # Everything the agent needs is imported here, before any tracing window, so the
        # agent's own imports never show among the traced lines.
        import array
        import collections
        import fcntl  # noqa: F401 (the connection moves to a high descriptor with it)
        import functools
        import heapq
        import itertools
        import json
        import operator
        import select
        import struct  # noqa: F401 (the connection reads SO_PEERCRED with it)
        import weakref

        import _tracemalloc

        self._array = array.array
        self._heapq = heapq
        self._itertools = itertools
        self._operator = operator
        # Containers whose len() is C code (exact types: a subclass may define its own __len__).
        self._containers = frozenset(
            (dict, list, set, collections.deque, collections.OrderedDict, collections.defaultdict)
        )
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
        self.cache_bytes = {}  # name -> estimated bytes per entry, at the last census
        self.cache_dicts = set()  # ids of the caches' own dicts (not retainers: the cache is named)
        self.next_census = 0.0
        self.census_cost = 0.0
        self.slow_census_noted = False
        self.big_heap_noted = False
        self.trace = None  # the running trace window, a dict
        self.window = {}  # window edges to report in the next sample
        self.trim_function = None  # glibc's malloc_trim through ctypes; False when unavailable
        self.snapshot_bytes = 0  # the last snapshot's estimated size while it was held
        self.snapshot_ratio = SNAPSHOT_RATIO
        self.retainers_on = True
        # Retainers: the last census's watched containers (ids and lengths only, never the
        # objects), when it ran, and the growers followed by id.
        self.own_collections = 0  # full collections the census ran (left out of the gc counts)
        self.census_deferred = 0  # ticks a census has waited for a high heap (heap_is_high)
        # The lowest allocated-block counts of this CENSUS_LOW_SPAN and the last, and when this
        # one began: updated in place, so a tick keeps no new object for them.
        self.low_blocks = self._array("q", [-1, -1])
        self.low_since = self._array("d", [0.0])
        self.watched_ids = array.array("q")
        self.watched_lens = array.array("q")
        self.watched_at = None
        self.growers = {}  # id -> record (type, lengths, times, streak, path)
        self.defined = {}  # (file, path) -> "file:line" or None
        self.retainers_cost = 0.0
        self.cwd = os.getcwd()
        self.tracemalloc_was_tracing = bool(_tracemalloc.is_tracing())

    # MARK: Loop

    def serve(self):
        self.send(self.hello(), droppable=False)
        now = time.monotonic()
        self.next_census = now + min(self.interval, 1.0)
        next_tick = now + min(self.interval, 1.0)
        while not self.done:
            now = time.monotonic()
            _drop_held_fork_filter()
            if self.trace is not None and now >= self.trace["deadline"]:
                self.stop_trace("deadline")
            if self.trace is not None:
                self.check_budget(now)
            snap_due = self.trace is not None and now >= self.trace["next"]
            if now >= next_tick or snap_due:
                self.tick(now, snap_due)
                next_tick = max(next_tick + self.interval, now + self.interval / 2)
                if snap_due:
                    next_tick = now + self.interval
            if self.done:
                break
            if self.trace is None:
                wake = next_tick
            else:
                wake = min(next_tick, self.trace["next"], time.monotonic() + BUDGET_CHECK)
            held = _fork_filter_since
            if held is not None:
                wake = min(wake, held + FORK_FILTER_HOLD)
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

    def heap_is_high(self, now):
        """Whether the heap is over CENSUS_MAX_BLOCKS or well above its recent low (the top of
        a batch); records the allocated-block count for the low."""
        blocks = sys.getallocatedblocks()
        low = self.low_blocks
        if now - self.low_since[0] >= CENSUS_LOW_SPAN:
            low[1] = low[0]
            low[0] = blocks
            self.low_since[0] = now
        elif low[0] < 0 or blocks < low[0]:
            low[0] = blocks
        floor = low[0] if low[1] < 0 else min(low[0], low[1])
        return blocks > CENSUS_MAX_BLOCKS or blocks > floor * CENSUS_TROUGH_SHARE + CENSUS_TROUGH_SLACK

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
        """In a forked child: closes this copy of the connection, stops our tracing window
        (without collecting or trimming: this runs in the child's fork hook)."""
        self.done = True
        self.stop_trace("fork", hand_back=False)
        if self.conn is not None:
            self.conn.close()

    def close(self):
        self.stop_trace("detach")
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
        message = {"type": "sample", "t": time.time(), "pid": os.getpid(), "gc": _gc_state(self.own_collections)}
        due = self.census_interval > 0 and now >= self.next_census
        high = self.heap_is_high(now)
        if due and self.census_deferred < CENSUS_DEFER_TICKS and high:
            # Most likely the top of a batch that is about to be freed: the census (and its
            # collection) waits a few ticks for the heap to come down.
            self.census_deferred += 1
        elif due:
            self.census_deferred = 0
            types, cost, retainers = self.census()
            if types is not None:
                message["types"] = types
            message["census_ms"] = cost
            if retainers is not None:
                message["retainers"] = retainers
                message["retainers_ms"] = round(self.retainers_cost * 1000.0, 3)
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
        if self.window:
            message["window"], self.window = self.window, {}
        traces, buffers = self.observer()
        # What the traces cost in RSS, not what tracemalloc counts (see TRACEMALLOC_REAL).
        message["observer_bytes"] = int(traces * TRACEMALLOC_REAL) + buffers
        message["observer"] = {"tracemalloc": traces, "buffers": buffers, "snapshot": self.snapshot_bytes}
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
                sent = self.conn.sock.send(self.partial, self.conn.nosignal | self.conn.dontwait)
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
            if self.conn.send_within(self.partial + b"".join(self.pending), 1.0):
                self.partial, self.pending, self.pending_bytes = b"", [], 0
        except OSError:
            pass

    # MARK: Commands

    def receive(self):
        if not self.usable():
            return
        try:
            data = self.conn.sock.recv(65536, self.conn.dontwait)
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
            self.stop_trace("detach")
            bye = {"type": "bye", "reason": "detach"}
            if self.window:
                bye["window"], self.window = self.window, {}
            self.send(bye, droppable=False)
            self.flush_before_closing()
            self.done = True
        else:
            self.note("ignored an unknown command: %r" % (name,))

    def configure(self, message):
        interval = _number(message.get("interval"), 0.05, 3600.0)
        census = _number(message.get("census_interval"), 0.0, 86400.0)
        retainers = message.get("retainers")
        if isinstance(retainers, bool):
            self.retainers_on = retainers
            if not retainers:
                self.watched_ids, self.watched_lens = self._array("q"), self._array("q")
                self.watched_at, self.growers = None, {}
        if interval is not None:
            self.interval = interval
        if census is not None:
            self.census_interval = census
            # The next census comes after the new interval, or at once if none ran yet.
            gap = max(census, self.census_cost / CENSUS_SHARE) if self.census_cost else 0.0
            self.next_census = time.monotonic() + gap

    # MARK: Collector, caches and census

    def census(self):
        """Counts GC-tracked objects by type, finds lru_cache wrappers and growing containers;
        holds the GIL. Returns (types, census_ms, retainers).

        types is None when the heap is too large for one census to be short: then caches and
        retainers are looked for in the modules (their globals, classes and objects) only.
        retainers is None when they are switched off."""
        started = time.perf_counter()
        wrapper = self._wrapper
        blocks = sys.getallocatedblocks()
        self.retainers_cost = 0.0
        if blocks > CENSUS_MAX_BLOCKS:
            self.caches, self.census_caches = self.module_caches(wrapper)
            self.size_caches(self.caches)
            retainers = self.find_retainers(None) if self.retainers_on else None
            self.census_cost = time.perf_counter() - started
            if not self.big_heap_noted:
                self.big_heap_noted = True
                self.note(
                    "%d allocated blocks: the census of objects by type is skipped (it would hold "
                    "the interpreter too long); lru caches and growing containers are looked for "
                    "from the modules only" % blocks
                )
            return None, round(self.census_cost * 1000.0, 3), retainers
        if gc.isenabled() and not gc.callbacks:
            # The agent's own objects come from and go back to the interpreter's free lists
            # (dicts, tuples, floats... each block in some arena), shuffling which arenas
            # those lists pin: a job whose heap rises and falls then keeps arenas it would
            # have given back, and its floor crept up 10-20 MB in a minute (a 3 s batch
            # sawtooth, 3.11-3.13). A full collection empties the free lists. It runs only
            # where the collector is on and nobody watches its collections (gc.callbacks),
            # is paid for inside the census's budget, and is left out of the counts reported.
            gc.collect()
            self.own_collections += 1
        objects = gc.get_objects()
        listed = len(objects)
        retainers = None
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
            self.size_caches(caches)
            if self.retainers_on:
                retainers = self.find_retainers(objects if len(objects) <= RETAINER_OBJECTS_MAX else None)
        finally:
            del objects
        if listed >= CENSUS_TRIM_OBJECTS:
            # The census borrowed a list of every object (8 bytes each) and its counts: hand the
            # pages back, or the heap keeps them and the program's RSS climbs in steps at each
            # census as its own allocations fill the holes they leave.
            if self.trim_function is None:
                self.trim_function = _malloc_trim()
            _call_trim(self.trim_function)
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
        return top, round(self.census_cost * 1000.0, 3), retainers

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

    def size_caches(self, caches):
        """Estimates each cache's bytes per entry (its cache dict, keys and results, found among
        the wrapper's referents: the program's code is never run) and notes its dict's id, so
        the retainers name the cache rather than its dict; never raises."""
        sizes = {}
        dicts = set()
        try:
            for ref, name in caches:
                found = ref()
                if found is None:
                    continue
                info = _cache_info(found)
                if info is None or info.currsize <= 0:
                    continue
                sized = _cache_bytes(found, info.currsize)
                found = None
                if sized is None:
                    continue
                total, dict_id = sized
                dicts.add(dict_id)
                sizes.setdefault(name, []).append(total / float(info.currsize))
        except Exception:
            pass
        self.cache_bytes = {name: sum(each) / len(each) for name, each in sizes.items()}
        self.cache_dicts = dicts

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
        for entry in totals.values():
            per_entry = self.cache_bytes.get(entry["function"])
            if per_entry is not None:
                entry["approx_bytes"] = int(per_entry * entry["currsize"])
        ordered = sorted(totals.values(), key=lambda entry: (-entry["currsize"], entry["function"]))
        return ordered[:MAX_CACHES]

    # MARK: Retainers

    def find_retainers(self, objects):
        """The containers whose length grew at each of the last two censuses, named; never
        raises. Between censuses only their ids and lengths are kept, never the objects."""
        started = time.perf_counter()
        try:
            return self.growing_containers(objects, started)
        except Exception:
            return []
        finally:
            self.retainers_cost = time.perf_counter() - started

    def growing_containers(self, objects, started):
        it = self._itertools
        op = self._operator
        now = time.monotonic()
        names = {}  # id -> path, for everything named from a module
        origins = {}  # id -> (module name, attribute chain), for defined_at
        spaces = {}  # id of a namespace dict (a module's, an object's __dict__) -> its owner's path
        found = {}  # id -> a container named from a module (held until this returns)
        self.named_scan(names, origins, spaces, found)
        own = {id(value) for value in vars(self).values()}
        own.update(self.cache_dicts)
        own.update((id(vars(self)), id(names), id(origins), id(spaces), id(found)))
        containers = self._containers
        selected = list(found.values())
        if objects is not None:
            own.add(id(objects))
            # All in C, and no list as long as the heap (its memory would stay in the program's
            # heap): the containers, then those of RETAINER_MIN_LEN entries or more.
            selected.extend(it.compress(objects, map(containers.__contains__, map(type, objects))))
        selected = list(it.compress(selected, map(op.le, it.repeat(RETAINER_MIN_LEN), map(len, selected))))
        lengths = list(map(len, selected))
        by_id = dict(zip(map(id, selected), selected))
        current = dict(zip(map(id, selected), lengths))
        own.update((id(selected), id(by_id), id(current), id(lengths)))
        previous = dict(zip(self.watched_ids, self.watched_lens))
        watched_at = self.watched_at
        self.watched_ids = self._array("q", current.keys())
        self.watched_lens = self._array("q", current.values())
        self.watched_at = now
        if watched_at is None:
            self.growers = {}
            return []
        keys = list(current)
        before = list(map(previous.get, keys, it.repeat(1 << 62)))
        grew = [key for key in it.compress(keys, map(op.gt, current.values(), before)) if key not in own]
        keys = before = None
        top = self._heapq.nlargest(RETAINERS_TRACKED, grew, key=lambda key: current[key] - previous[key])
        growers = {}
        for key in top:
            kind = type(by_id[key])
            record = self.growers.get(key)
            # ids are reused: the same id must be the same type, and its length only grew.
            if record is None or record["type"] is not kind or record["length"] > current[key]:
                record = {
                    "type": kind, "first_length": previous[key], "first_at": watched_at,
                    "streak": 0, "path": None, "origin": None, "walked": False,
                }
            record["streak"] += 1
            record["length"] = current[key]
            record["at"] = now
            growers[key] = record
        self.growers = growers
        report = []
        deadline = time.perf_counter() + REFERRER_BUDGET
        for key, record in growers.items():
            if record["streak"] < 2:
                continue
            container = by_id[key]
            if key in names:
                record["path"], record["origin"] = names[key], origins.get(key)
            elif record["path"] is None and not record["walked"] and time.perf_counter() < deadline:
                path, root, complete = self.walk(container, names, spaces, own, deadline)
                record["walked"] = complete
                if path is not None:
                    record["path"], record["origin"] = path, origins.get(root)
            elapsed = record["at"] - record["first_at"]
            growth = (record["length"] - record["first_length"]) / elapsed if elapsed > 0 else 0.0
            origin = record["origin"]
            report.append(
                {
                    "path": record["path"],
                    "type": _type_name(record["type"]),
                    "length": record["length"],
                    "growth_per_s": round(growth, 3),
                    "approx_bytes": _approx_bytes(container, record["length"]),
                    "defined_at": self.defined_at(origin) if origin is not None else None,
                }
            )
        container = None

        def rate(entry):  # bytes per second, from the average entry
            return entry["growth_per_s"] * entry["approx_bytes"] / max(entry["length"], 1)

        report.sort(key=lambda entry: (entry["path"] is None, -rate(entry)))
        return report[:MAX_RETAINERS]

    def named_scan(self, names, origins, spaces, found):
        """Names what modules hold: their globals, their classes' attributes and the attributes
        of objects they hold, to REFERRER_DEPTH steps; bounded by NAMED_SCAN_MAX values.
        ``__main__`` comes last, so a name imported into it keeps its defining module's name."""
        budget = [NAMED_SCAN_MAX]
        modules = sorted(list(sys.modules.items()), key=lambda item: item[0] == "__main__")
        mine = globals()
        stdlib = _stdlib_folder()
        for name, module in modules:
            if budget[0] <= 0:
                break
            try:
                space = object.__getattribute__(module, "__dict__")
            except Exception:
                continue
            if type(space) is not dict or space is mine or not isinstance(name, str):
                continue
            spaces[id(space)] = name  # a referrer walk may still end in any module
            # The standard library's modules (and built-in ones) are not scanned: most of a
            # small program's modules, rarely where its memory grows. A growing container of
            # theirs is still a candidate from the census, named by a walk.
            file = space.get("__file__")
            if not isinstance(file, str) or (
                stdlib and file.startswith(stdlib) and "-packages" not in file[len(stdlib):]
            ):
                if name != "__main__":
                    continue
            self.scan_space(space, name, name, (), names, origins, spaces, found, budget)

    def scan_space(self, space, module, path, chain, names, origins, spaces, found, budget):
        it = self._itertools
        op = self._operator
        try:
            items = list(space.items())
            budget[0] -= len(items)
            # Functions, modules, strings, numbers... are dropped in C: most of a namespace.
            items = list(it.compress(items, map(op.not_, map(_PLAIN.__contains__, map(type, map(op.itemgetter(1), items))))))
        except Exception:
            return
        depth = len(chain) + 1
        containers = self._containers
        for key, value in items:
            try:
                if not isinstance(key, str) or key.startswith("__"):
                    continue
                ident = id(value)
                if ident in names:
                    continue
                kind = type(value)
                where = path + "." + key
                if kind in containers:
                    names[ident], origins[ident], found[ident] = where, (module, chain + (key,)), value
                    continue
                if depth >= REFERRER_DEPTH or budget[0] <= 0:
                    continue
                if issubclass(kind, type):
                    if value.__dict__.get("__module__") != module:
                        continue  # named by the module that defines it
                    names[ident], origins[ident] = where, (module, chain + (key,))
                    self.scan_space(value.__dict__, module, where, chain + (key,), names, origins, spaces, found, budget)
                elif kind.__module__ != "builtins":
                    attributes = _instance_dict(value)
                    if attributes is None:
                        continue
                    names[ident], origins[ident] = where, (module, chain + (key,))
                    spaces[id(attributes)] = where
                    self.scan_space(attributes, module, where, chain + (key,), names, origins, spaces, found, budget)
            except Exception:
                continue
        value = None

    def walk(self, target, names, spaces, own, deadline):
        """A breadth-first walk of referrers from ``target`` to something named, REFERRER_DEPTH
        levels at most, one ``gc.get_referrers`` (a heap walk) per level, within ``deadline``.
        Returns (path, id of the named root, whether the walk finished)."""
        import operator

        op_is = operator.is_
        frontier = [(target, "")]
        seen = {id(target)}
        for _level in range(REFERRER_DEPTH):
            if time.perf_counter() > deadline:
                return None, None, False
            held = [item[0] for item in frontier]
            skip = set(own)
            skip.update((id(held), id(frontier), id(seen)))
            skip.update(map(id, frontier))
            referrers = gc.get_referrers(*held)
            skip.add(id(referrers))
            following = []
            for referrer in referrers:
                ident = id(referrer)
                if ident in skip or ident in seen or type(referrer) is _FRAME:
                    continue
                if type(referrer) is tuple and len(referrer) == len(held) and all(map(op_is, referrer, held)):
                    continue  # get_referrers' own arguments (3.13 sees them)
                for item, suffix in frontier:
                    step = _step(referrer, item, ident in spaces)
                    if step is None:
                        continue
                    if ident in spaces:
                        return spaces[ident] + step + suffix, ident, True
                    if ident in names:
                        return names[ident] + step + suffix, ident, True
                    seen.add(ident)
                    following.append((referrer, step + suffix))
                    break
                if len(following) >= 64:
                    break
            referrer = held = referrers = None
            frontier = following
            if not frontier:
                break
        return None, None, True

    def defined_at(self, origin):
        """``/abs/file.py:LINE`` where the name is assigned in its module's source, or None;
        each name is looked for once."""
        module, chain = origin
        if (module, chain) in self.defined:
            return self.defined[(module, chain)]
        result = None
        try:
            file = getattr(sys.modules.get(module), "__file__", None)
            if isinstance(file, str) and file.endswith(".py"):
                if not os.path.isabs(file):
                    file = os.path.join(self.cwd, file)
                line = _assignment_line(file, chain)
                if line is not None:
                    result = "%s:%d" % (_text(file)[:1000], line)
        except Exception:
            result = None
        if len(self.defined) < 1000:
            self.defined[(module, chain)] = result
        return result

    # MARK: Tracing window

    def start_trace(self, message):
        seconds = _number(message.get("seconds"), 1.0, 86400.0) or 60.0
        snapshots = int(_number(message.get("snapshots"), 1, 1000) or 6)
        frames = int(_number(message.get("frames"), 1, 100) or 1)
        budget = _number(message.get("max_bytes"), WINDOW_BUDGET_FLOOR, float(1 << 40))
        ours = self.trace["ours"] if self.trace is not None else False
        # The lines are counted from _tracemalloc's traces directly: the tracemalloc module (and
        # pickle, fnmatch, linecache it imports) is never loaded into the program for them.
        if self.trim_function is None:
            self.trim_function = _malloc_trim()
        if budget is None:
            rss = _rss()
            budget = WINDOW_BUDGET_MAX
            if rss:
                budget = max(WINDOW_BUDGET_MIN, min(WINDOW_BUDGET_MAX, rss * WINDOW_BUDGET_SHARE))
        if not self._tm.is_tracing():
            try:
                self._tm.start(frames)
                ours = True
            except Exception as error:
                self.note("could not start tracemalloc: %s" % error)
                return
        step = seconds / snapshots
        now = time.monotonic()
        opened = now
        if self.trace is None:
            self.window["opened_at"] = time.time()
            self.window["max_bytes"] = int(budget)
        else:
            opened = self.trace["opened"]
        # The window ends at its deadline whatever snapshots are left: tracing costs the program.
        self.trace = {
            "ours": ours, "step": step, "left": snapshots, "next": now + step, "deadline": now + seconds + step / 2,
            "budget": int(budget), "opened": opened,
        }

    def check_budget(self, now):
        """Ends the window when tracemalloc's memory, the snapshot it would take now and the
        agent's buffers reach its budget: one last snapshot (its lines are the window's
        answer), then the window closes. Only a window that started tracemalloc: the
        program's own tracing is not ours."""
        trace = self.trace
        if not trace["ours"] or trace.get("last"):
            return
        try:
            traces = self._tm.get_tracemalloc_memory()
            used = int(traces * (TRACEMALLOC_REAL + self.snapshot_ratio)) + self.buffer_bytes()
        except Exception:
            return
        budget = trace["budget"]
        if used < budget:
            return
        if used <= max(2 * budget, budget + SNAPSHOT_OVERSHOOT):
            trace["last"] = True
            trace["next"] = now
            return
        # The program allocated faster than the checks: a last snapshot now would cost the
        # program far more than the budget. Close at once, without it.
        self.stop_trace("budget")
        self.note(
            "tracing window closed at its memory budget of %s MiB after %.0f s, without a last "
            "snapshot (it would have taken ~%s MiB)" % (_mib(budget), now - trace["opened"], _mib(traces * self.snapshot_ratio))
        )

    def stop_trace(self, reason, hand_back=True):
        """Ends the window; when the agent started tracemalloc, stops it and hands the memory
        back (clear the traces, collect on a heap that is not large, glibc's malloc_trim),
        reporting RSS before and after in the next sample's ``window``."""
        trace = self.trace
        self.trace = None
        if trace is None:
            return
        event = {"closed_at": time.time(), "reason": reason}
        self.snapshot_bytes = 0
        if trace["ours"]:
            before = _rss() if hand_back else 0
            try:
                self._tm.clear_traces()
                self._tm.stop()
            except Exception:
                pass
            if hand_back:
                try:
                    if sys.getallocatedblocks() <= CENSUS_MAX_BLOCKS:
                        started = time.perf_counter()
                        gc.collect()
                        event["collect_ms"] = round((time.perf_counter() - started) * 1000.0, 3)
                except Exception:
                    pass
                event["trimmed"] = _call_trim(self.trim_function)
                after = _rss()
                if before and after:
                    event["rss_before"] = before
                    event["rss_after"] = after
                    event["returned_bytes"] = before - after
        self.window.update(event)

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
        if trace.get("last"):
            self.stop_trace("budget")
            self.note(
                "tracing window closed at its memory budget of %s MiB after %.0f s"
                % (_mib(trace["budget"]), ended - trace["opened"])
            )
        elif trace["left"] <= 0:
            self.stop_trace("snapshots")
        elif trace["next"] > trace["deadline"]:
            self.stop_trace("deadline")
        return lines

    def top_lines(self):
        """The window's top lines by bytes, from tracemalloc's traces as they are now.

        The traces are copied in one C call; counting them by line is Python code, during which
        the program runs and, while the window traces, allocates traced. So the budget is
        checked while they are counted, and tracing stops at once when it is reached (or when
        this is the window's last snapshot): a batch job allocating fast could otherwise build
        its whole batch traced meanwhile (a 40 MB sawtooth's peak went 47 -> 83-131 MiB).
        """
        trace = self.trace
        traces = self._tm._get_traces()
        self.snapshot_bytes = _traces_bytes(traces)
        ours = trace is not None and trace["ours"]
        try:
            held = self._tm.get_tracemalloc_memory()
            if held > (1 << 20) and self.snapshot_bytes:
                # What a snapshot costs per byte of traces, for the next budget check.
                self.snapshot_ratio = min(10.0, max(0.5, self.snapshot_bytes / float(held)))
        except Exception:
            held = 0
        buffers = self.buffer_bytes()
        if ours and (trace.get("last") or int(held * TRACEMALLOC_REAL) + self.snapshot_bytes + buffers >= trace["budget"]):
            self.halt_tracing(trace)
        # The agent's own frames and those of what it calls are skipped here rather than by
        # filter_traces, which matches a pattern against every trace.
        files, folders = _own_frames()
        sizes = {}
        counts = {}
        checked = time.monotonic()
        for index, item in enumerate(traces):
            frames = item[2]
            frame = frames[0] if frames else ("<unknown>", 0)
            sizes[frame] = sizes.get(frame, 0) + item[1]
            counts[frame] = counts.get(frame, 0) + 1
            if index & 8191 == 8191 and ours and not trace.get("halted"):
                now = time.monotonic()
                if now - checked >= BUDGET_CHECK:
                    checked = now
                    used = int(self._tm.get_tracemalloc_memory() * TRACEMALLOC_REAL) + self.snapshot_bytes + buffers
                    if used >= trace["budget"]:
                        self.halt_tracing(trace)
        # The copied traces are freed now; hand their pages back at once, or glibc keeps them
        # and the program's RSS steps up by what the observer only borrowed.
        traces = None
        ranked = sorted(sizes, key=lambda frame: (sizes[frame], counts[frame]), reverse=True)
        lines = []
        for frame in ranked:
            if len(lines) >= TOP_LINES:
                break
            filename, lineno = frame[0], frame[1]
            if not isinstance(filename, str):
                filename = "<unknown>"
            if filename in files or filename.startswith(folders):
                continue
            if not filename.startswith("<") and not os.path.isabs(filename):
                filename = os.path.join(self.cwd, filename)
            location = "%s:%d" % (_text(filename)[:1000], lineno)
            lines.append({"location": location, "bytes": sizes[frame], "count": counts[frame]})
        sizes = counts = ranked = None
        if not (ours and trace.get("halted")):
            # (A halted window's hand-back trims right after, and says what came back.)
            _call_trim(self.trim_function)
        return lines

    def halt_tracing(self, trace):
        """Stops the window's tracing now (the traces already copied are still counted); the
        window closes after this snapshot, and its hand-back says what came back."""
        trace["last"] = True
        trace["halted"] = True
        try:
            self._tm.clear_traces()
            self._tm.stop()
        except Exception:
            pass

    # MARK: The observer's own footprint

    def observer(self):
        """(tracemalloc's own memory while the agent's window traces, else 0; the agent's
        buffers held now)."""
        traces = 0
        if self.trace is not None and self.trace["ours"]:
            try:
                traces = self._tm.get_tracemalloc_memory()
            except Exception:
                traces = 0
        try:
            buffers = self.buffer_bytes()
        except Exception:
            buffers = 0
        return traces, buffers

    def buffer_bytes(self):
        """What the agent holds between ticks, estimated with sys.getsizeof: the unsent and
        unread lines, the census's watched ids and lengths, the followed growers, the cache
        references, the defined_at cache."""
        size = sys.getsizeof
        total = self.pending_bytes + size(self.pending) + len(self.partial) + size(self.inbox)
        total += size(self.watched_ids) + size(self.watched_lens)
        total += size(self.growers) + sum(size(record) for record in self.growers.values())
        caches = self.caches
        total += size(caches)
        if caches:
            total += len(caches) * (size(caches[0]) + size(caches[0][0]) + size(caches[0][1]))
        total += size(self.census_caches) + len(self.census_caches) * 200
        total += size(self.defined) + len(self.defined) * 200
        total += size(self.cache_bytes) + len(self.cache_bytes) * 100 + size(self.cache_dicts)
        return total


# MARK: - Helpers


# Types whose instances are never looked inside when naming containers.
_PLAIN = frozenset(
    (type(sys), type(len), type(lambda: None), type(_thread.allocate_lock()), str, bytes, int, float, bool, tuple,
     frozenset, type(None), complex, range, slice, memoryview, bytearray, staticmethod, classmethod, property,
     type(str.join), type(str.__dict__["__add__"]), type(type.__dict__["__dict__"]), type((1).__add__),
     type(type.__dict__["__module__"]) if "__module__" in type.__dict__ else property)
)
_FRAME = type(sys._getframe())
_CELL = type((lambda x: lambda: x)(0).__closure__[0])
_FUNCTION = type(lambda: None)
_DICT_SLOT = type(type.__dict__["__dict__"])
_PAGE_SIZE = []


def _stdlib_folder():
    """The standard library's folder (where ``os`` is), ending with a separator; None when
    unknown."""
    try:
        folder = os.path.dirname(os.path.abspath(os.__file__))
        return folder + os.sep if folder else None
    except Exception:
        return None


def _instance_dict(value):
    """An object's ``__dict__`` when its class gets it the plain way (not a property that
    would run the program's code), else None."""
    try:
        for base in type(value).__mro__:
            descriptor = base.__dict__.get("__dict__")
            if descriptor is not None:
                if type(descriptor) is not _DICT_SLOT:
                    return None
                attributes = object.__getattribute__(value, "__dict__")
                return attributes if type(attributes) is dict else None
    except Exception:
        pass
    return None


def _step(referrer, held, namespace):
    """How ``referrer`` holds ``held``: ``.name``, ``[key]``, ``[i]``, ``[...]`` (too large to
    search), ``.<closure>``, ``""`` (through a tuple or an object); None when it does not."""
    kind = type(referrer)
    if issubclass(kind, dict) and kind.__module__ in ("builtins", "collections"):
        if len(referrer) > 100000:
            return "[...]"
        for key, value in list(referrer.items()):
            if value is held:
                if namespace and isinstance(key, str):
                    return "." + key
                return "[%s]" % _key(key)
        return None
    if kind is list:
        if len(referrer) > 100000:
            return "[...]"
        for index, value in enumerate(list(referrer)):
            if value is held:
                return "[%d]" % index
        return None
    if kind is _CELL:
        return ".<closure>"
    if kind is tuple or kind in _PLAIN:
        return ""
    attributes = _instance_dict(referrer)
    if attributes is not None:
        for key, value in list(attributes.items()):
            if value is held and isinstance(key, str):
                return "." + key
    return ""


def _key(key):
    if isinstance(key, (str, bytes, int, float, bool)) or key is None:
        return _text(repr(key))[:60]
    return "<%s>" % _type_name(type(key))


def _size(value):
    """sys.getsizeof of ``value``, by object.__sizeof__ when its class defines __sizeof__ in
    Python (the program's code is never run)."""
    try:
        if type(getattr(type(value), "__sizeof__", None)) is _FUNCTION:
            return object.__sizeof__(value)
        return sys.getsizeof(value)
    except Exception:
        return 64


def _cache_bytes(wrapper, currsize):
    """(estimated bytes an lru_cache wrapper's entries hold, the id of its cache dict), or
    None. The dict and, for a bounded cache, each link's key and result are the wrapper's
    referents (``gc.get_referents``: C code, nothing of the program's runs); for an unbounded
    cache the results are the dict's values. Up to SIZE_SAMPLE entries are sized and scaled."""
    if currsize <= 0 or currsize > CACHE_SIZE_MAX_ENTRIES:
        return None
    try:
        refs = gc.get_referents(wrapper)
        own = object.__getattribute__(wrapper, "__dict__")
        wrapped = own.get("__wrapped__") if type(own) is dict else None
        cache = None
        parts = []
        for value in refs:
            kind = type(value)
            if kind is type or kind is object or value is own or value is wrapped:
                continue
            if kind is dict and cache is None and len(value) == currsize:
                cache = value
                continue
            parts.append(value)
        refs = None
        if cache is None:
            return None
        if not parts:
            return _approx_bytes(cache, len(cache)), id(cache)
        # A bounded cache: a link per entry, holding its key and its result.
        # An odd step: the referents alternate key, result, and an even one sees only keys.
        step = max(1, len(parts) // (2 * SIZE_SAMPLE)) | 1
        sample = parts[::step][: 2 * SIZE_SAMPLE]
        per_part = sum(_size(value) + _held_size(value) for value in sample) / float(len(sample))
        link = 0
        for value in cache.values():
            link = sys.getsizeof(value)
            break
        total = sys.getsizeof(cache) + currsize * link + per_part * len(parts)
        parts = sample = None
        return int(total), id(cache)
    except Exception:
        return None


def _approx_bytes(container, length):
    """sys.getsizeof of the container plus its entries' estimated from up to SIZE_SAMPLE of
    them, scaled by its length. An entry counts with what it holds one level down (a dict's or
    a sequence's items, a closure's cells), as a cache's reply or a listener's context is
    usually there. An object whose class defines __sizeof__ in Python is counted by
    object.__sizeof__: the program's code is never run."""
    import itertools

    try:
        total = sys.getsizeof(container)
        if length <= 0:
            return total
        if isinstance(container, dict):
            sample = list(itertools.islice(container.items(), SIZE_SAMPLE))
            values = [part for pair in sample for part in pair]
        else:
            sample = values = list(itertools.islice(iter(container), SIZE_SAMPLE))
        if not sample:
            return total
        entries = 0
        for value in values:
            entries += _size(value) + _held_size(value)
        count = len(sample)
        values = sample = None
        return int(total + entries * length / count)
    except Exception:
        return 0


def _held_size(value):
    """The bytes of what `value` holds one level down, from at most HELD_SAMPLE of its parts
    scaled to all of them: a dict's keys and values, a list's, tuple's or set's items, a
    function's closure cells. Built-in types only (exact types), so no program code runs."""
    import itertools

    kind = type(value)
    if kind is dict:
        items = list(itertools.islice(value.items(), HELD_SAMPLE))
        parts = [part for pair in items for part in pair]
        length = len(value)
    elif kind in (list, tuple, set, frozenset):
        parts = list(itertools.islice(iter(value), HELD_SAMPLE))
        items = parts
        length = len(value)
    elif kind is _FUNCTION:
        parts = []
        for cell in (value.__closure__ or ())[:HELD_SAMPLE]:
            try:
                parts.append(cell.cell_contents)
            except ValueError:
                pass
        return sum(_size(part) for part in parts)
    else:
        return 0
    if not items:
        return 0
    return int(sum(_size(part) for part in parts) * length / len(items))


def _assignment_line(file, chain):
    """The line of ``file`` where the last name of ``chain`` is assigned: at the top level
    for a global; inside ``class chain[-2]`` (or as ``self.name``) for an attribute."""
    with open(file, "rb") as source:
        text = source.read(MAX_SOURCE_BYTES + 1)
    if len(text) > MAX_SOURCE_BYTES:
        return None
    lines = text.decode("utf-8", "replace").splitlines()
    name = chain[-1]
    if len(chain) == 1:
        for number, line in enumerate(lines, 1):
            if _assigns(line, name):
                return number
        return None
    owner = chain[-2]
    start = None
    for number, line in enumerate(lines, 1):
        stripped = line.lstrip()
        if stripped.startswith("class ") and stripped[6:].lstrip().startswith(owner):
            rest = stripped[6:].lstrip()[len(owner):]
            if rest[:1] in ("(", ":", " "):
                start = number
                break
    if start is not None:
        for number in range(start, len(lines)):
            line = lines[number]
            if line.strip() and not line[:1].isspace():
                break  # the class ended
            if line[:1].isspace() and _assigns(line.lstrip(), name):
                return number + 1
    for number, line in enumerate(lines, 1):
        if _assigns(line.lstrip(), "self." + name):
            return number
    for number, line in enumerate(lines, 1):
        if _assigns(line, chain[0]):
            return number
    return None


def _assigns(line, name):
    """Whether ``line`` starts ``NAME =`` or ``NAME:`` (not ``==``)."""
    if not line.startswith(name):
        return False
    rest = line[len(name):].lstrip()
    return rest[:1] == ":" or (rest[:1] == "=" and rest[:2] != "==")


def _rss():
    """The process's resident set in bytes (/proc/self/statm), 0 when unknown."""
    try:
        if not _PAGE_SIZE:
            _PAGE_SIZE.append(os.sysconf("SC_PAGE_SIZE"))
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE[0]
    except Exception:
        return 0


def _malloc_trim():
    """glibc's malloc_trim through ctypes, or False: only on Linux with glibc, and only
    when ctypes can be imported."""
    try:
        if not sys.platform.startswith("linux"):
            return False
        libc = os.confstr("CS_GNU_LIBC_VERSION")
        if not isinstance(libc, str) or not libc.startswith("glibc"):
            return False
        import ctypes

        function = ctypes.CDLL(None).malloc_trim
        function.argtypes = [ctypes.c_size_t]
        function.restype = ctypes.c_int
        return function
    except Exception:
        return False


def _call_trim(function):
    if not function:
        return False
    try:
        function(0)
        return True
    except Exception:
        return False


def _mib(count):
    return ("%.1f" % (count / 1048576.0)).rstrip("0").rstrip(".")


def _traces_bytes(traces):
    """Copied tracemalloc traces' estimated size: the list, one tuple and a size object each
    (tracebacks are shared)."""
    try:
        count = len(traces)
        each = sys.getsizeof(traces[0]) + 32 if count else 0
        return sys.getsizeof(traces) + count * each
    except Exception:
        return 0


def _own_frames():
    """(files, folders) whose lines are the agent's, not the program's: this file and its
    folder (the loaders), tracemalloc, json, heapq, socket, selectors, select, struct,
    ``<string>`` (the attach bootstrap), linecache (tracemalloc reads source lines with it)."""
    files = {__file__, "<string>"}
    folders = [os.path.dirname(os.path.abspath(__file__)) + os.sep]
    for name in ("tracemalloc", "heapq", "socket", "selectors", "select", "struct", "linecache"):
        file = getattr(sys.modules.get(name), "__file__", None)
        if isinstance(file, str):
            files.add(file)
    json = getattr(sys.modules.get("json"), "__file__", None)
    if isinstance(json, str):
        folders.append(os.path.dirname(json) + os.sep)
    return files, tuple(folders)


def _gc_state(own=0):
    """The collector's state; ``own`` full collections (the agent's) left out of its counts."""
    stats = gc.get_stats()
    collections = [s.get("collections", 0) for s in stats]
    if collections:
        collections[-1] = max(collections[-1] - own, 0)
    return {
        "enabled": gc.isenabled(),
        "counts": list(gc.get_count()),
        "collections": collections,
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
