"""Keeps every measurement window as a numpy array in a module-level history."""

import numpy

HISTORY = []


def record(tick):
    HISTORY.append(numpy.full(6250, float(tick)))  # 50 KB
