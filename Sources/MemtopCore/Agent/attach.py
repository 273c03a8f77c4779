# memtop's attach loader, run inside a program that is already running.
#
# memtop writes DIR/attach_PID.py: one line `MEMTOP_AGENT_SOCKET = "DIR/agent.sock"` followed
# by this file's text, and runs it in the target -- on CPython 3.14+ with
# `sys.remote_exec(PID, "DIR/attach_PID.py")`, on older versions through gdb with
# `PyRun_SimpleString("exec(open('DIR/attach_PID.py').read(), {})")` between
# PyGILState_Ensure and PyGILState_Release. The agent module is DIR/memtop_agent.py, beside
# the socket.
#
# This runs in whatever thread held the GIL (with gdb, possibly in the middle of the
# program's own work), so it only starts a thread: loading the agent and everything else
# happen there. It never raises, and it removes the names it defines from the namespace it
# ran in (the program's __main__ when a plain exec() ran it). Imported by name instead (its
# directory is on PYTHONPATH at a launch), it steps aside for the program's own `attach`.


def _memtop_attach(path):
    try:
        import _thread
        import sys

        def boot():
            try:
                agent = sys.modules.get("memtop_agent")
                if agent is None or not hasattr(agent, "run"):
                    import importlib.util
                    import os

                    file = os.path.join(os.path.dirname(path), "memtop_agent.py")
                    spec = importlib.util.spec_from_file_location("memtop_agent", file)
                    agent = importlib.util.module_from_spec(spec)
                    spec.loader.exec_module(agent)
                    agent = sys.modules.setdefault("memtop_agent", agent)
                agent.run(path, "attach")
            except BaseException:
                pass

        start = _thread.start_new_thread
        monkey = sys.modules.get("gevent.monkey")
        if monkey is not None and monkey.is_object_patched("_thread", "start_new_thread"):
            start = monkey.get_original("_thread", "start_new_thread")
        patcher = sys.modules.get("eventlet.patcher")
        if patcher is not None and patcher.is_monkey_patched("thread"):
            start = patcher.original("_thread").start_new_thread
        if isinstance(path, str) and path:
            start(boot, ())
    except BaseException:
        pass


def _memtop_step_aside():
    """Imported as a module named `attach` (memtop's directory is on PYTHONPATH at a launch):
    be the program's own `attach`, the next one on sys.path, or none, as without memtop."""
    import os
    import sys

    here = os.path.realpath(os.path.dirname(os.path.abspath(__file__)))
    rest = [
        entry
        for entry in sys.path
        if isinstance(entry, str) and os.path.realpath(os.path.abspath(entry or os.curdir)) != here
    ]
    import importlib.machinery
    import importlib.util

    spec = importlib.machinery.PathFinder.find_spec(__name__, rest)
    if spec is None or spec.loader is None:
        del sys.modules[__name__]
        raise ModuleNotFoundError("No module named %r" % __name__, name=__name__)
    module = importlib.util.module_from_spec(spec)
    sys.modules[__name__] = module
    spec.loader.exec_module(module)


if globals().get("__spec__") is not None and globals().get("MEMTOP_AGENT_SOCKET") is None:
    _memtop_step_aside()
else:
    try:
        _memtop_attach(globals().get("MEMTOP_AGENT_SOCKET"))
    except BaseException:
        pass
    globals().pop("_memtop_attach", None)
    globals().pop("_memtop_step_aside", None)
    globals().pop("MEMTOP_AGENT_SOCKET", None)
