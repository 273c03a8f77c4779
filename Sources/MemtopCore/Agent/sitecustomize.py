# memtop's launch loader. memtop puts this file's directory first on PYTHONPATH when it
# launches a program with --python, so `site` imports it at start-up in every Python process
# of the tree. When MEMTOP_AGENT_SOCKET is set (Python 3.8+) it starts memtop's agent (one
# daemon thread), then runs the sitecustomize this file shadows -- the next one on sys.path --
# as `site` would have: under the name `sitecustomize`, an error in it reported on stderr the
# way `site` reports it. It never raises. Written so that Python 2 parses it too: a Python 2
# child still gets its own sitecustomize and no agent.


def _memtop_load():
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    if os.environ.get("MEMTOP_AGENT_SOCKET") and sys.version_info >= (3, 8):
        try:
            agent = sys.modules.get("memtop_agent")
            if agent is None or not hasattr(agent, "start"):
                import importlib.util

                file = os.path.join(here, "memtop_agent.py")
                spec = importlib.util.spec_from_file_location("memtop_agent", file)
                agent = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(agent)
                agent = sys.modules.setdefault("memtop_agent", agent)
            agent.start(None, "launch")
        except Exception:
            pass
    try:
        _memtop_chain(here, os, sys)  # noqa: F821 (defined below; called once both exist)
    except Exception:
        pass


def _memtop_chain(here, os, sys):
    """Runs the next sitecustomize on sys.path after `here` under the name `sitecustomize`."""

    def real(entry):
        try:
            return os.path.realpath(os.path.abspath(entry or os.curdir))
        except Exception:
            return None

    mine = real(here)
    entries = [e for e in sys.path if isinstance(e, str)]
    after = None
    for index, entry in enumerate(entries):
        if real(entry) == mine:
            after = entries[index + 1 :]
            break
    if after is None:
        after = entries
    after = [e for e in after if real(e) != mine]
    me = sys.modules.get("sitecustomize")
    try:
        if sys.version_info >= (3, 4):
            import importlib.machinery
            import importlib.util

            spec = importlib.machinery.PathFinder.find_spec("sitecustomize", after)
            if spec is None or spec.loader is None:
                return
            module = importlib.util.module_from_spec(spec)
            sys.modules["sitecustomize"] = module
            spec.loader.exec_module(module)
        else:
            import imp

            try:
                found = imp.find_module("sitecustomize", after)
            except ImportError:
                return
            try:
                imp.load_module("sitecustomize", *found)
            finally:
                if found[0] is not None:
                    found[0].close()
    except Exception:
        error = sys.exc_info()[1]
        if me is not None:
            sys.modules["sitecustomize"] = me
        if getattr(sys.flags, "verbose", 0):
            sys.excepthook(*sys.exc_info())
        elif sys.version_info >= (3,):
            sys.stderr.write(
                "Error in sitecustomize; set PYTHONVERBOSE for traceback:\n"
                "%s: %s\n" % (error.__class__.__name__, error)
            )
        else:
            sys.stderr.write("'import sitecustomize' failed; use -v for traceback\n")


try:
    _memtop_load()
except Exception:
    pass
try:
    del _memtop_load, _memtop_chain
except Exception:
    pass
