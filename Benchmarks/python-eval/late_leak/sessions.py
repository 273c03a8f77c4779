"""Session store: after a feature flag flips, logged-out sessions are no longer removed."""

from pace import reply

SESSIONS = {}


def login(key):
    SESSIONS[key] = reply(key, 2000)


def logout(key, buggy):
    if not buggy:
        SESSIONS.pop(key, None)
