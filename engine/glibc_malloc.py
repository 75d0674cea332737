"""glibc's allocator knobs (``mallopt``, ``malloc_trim``), as no-ops where glibc is absent.

Used where a process decides how its C heap behaves: the engine child (engine/engine_child.py)
and the app's own process (app/process_memory.py).
"""
from __future__ import annotations

import ctypes
import ctypes.util

#: ``mallopt`` parameters (glibc's malloc.h).
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8


def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def mallopt(param: int, value: int) -> bool:
    """Set one of glibc's allocator parameters; False if there is no glibc to set it in."""
    libc = _libc()
    function = getattr(libc, "mallopt", None)
    if function is None:
        return False
    function.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(function(param, value))


def malloc_trimmer():
    """A function that hands glibc's free heap pages back to the system (``malloc_trim(0)``),
    or does nothing where there is no glibc."""
    function = getattr(_libc(), "malloc_trim", None)
    if function is None:
        return lambda: None
    function.argtypes = [ctypes.c_size_t]
    return lambda: function(0)
