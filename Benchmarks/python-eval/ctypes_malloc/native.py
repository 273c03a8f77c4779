"""A native library's leak: 50 KB malloc'd every call, written to, never freed."""

import ctypes

_libc = ctypes.CDLL(None)
_libc.malloc.restype = ctypes.c_void_p
_libc.malloc.argtypes = [ctypes.c_size_t]
_libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]


def process(size=50_000):
    block = _libc.malloc(size)
    if block:
        _libc.memset(block, 1, size)
