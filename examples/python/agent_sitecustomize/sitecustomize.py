"""The program's own sitecustomize: memtop's agent must still run it (it chains to it)."""

import builtins

builtins.OWN_SITECUSTOMIZE_RAN = True
