"""Loads libldredis and declares its C functions, each once (the only file that touches ctypes
declarations; ``_store.py`` calls through the ``lib`` object defined here).

Where the library is looked for, in order:

1. ``$LDREDIS_LIBRARY``: a path to the shared library. When it is set, nothing else is tried
   (an explicit choice that fails should not silently load some other copy).
2. ``ctypes.util.find_library("ldredis")`` (ldconfig's cache, ``LD_LIBRARY_PATH`` via gcc/ld).
3. The system loader with ``libldredis.so.1`` (the SONAME), then ``libldredis.so``.

A candidate that loads but whose ``ldredis_version()`` major is not 1 is skipped. If nothing
fits, one ImportError lists every candidate and why it was refused.

Owned strings (``char **`` outputs) are declared as ``c_void_p`` and copied with
``ctypes.string_at`` before ``ldredis_free`` releases them: never ``c_char_p``, which would copy
and lose the pointer. Every status-returning function has an errcheck that turns a negative
status into an :class:`ldredis.Error` subclass with the thread's ``ldredis_last_error()``
(errcheck runs on the calling thread right after the call, so the thread-local message is the
right one). ``CDLL`` releases the GIL for the duration of each call.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from ctypes import (
    CFUNCTYPE,
    POINTER,
    c_char_p,
    c_int,
    c_int64,
    c_size_t,
    c_void_p,
)
from typing import Any, List, Optional, Tuple

from ._errors import error_for

REQUIRED_MAJOR = 1

#: ``void (*ldredis_status_fn)(void *user_data, int available, int needs_refresh)``
STATUS_FN = CFUNCTYPE(None, c_void_p, c_int, c_int)

_int_p = POINTER(c_int)
_int64_p = POINTER(c_int64)
_size_p = POINTER(c_size_t)
_void_pp = POINTER(c_void_p)


def _candidates() -> List[Tuple[Optional[str], str]]:
    """(name or path to load, where it came from), in the order to try; None = found nothing."""
    env = os.environ.get("LDREDIS_LIBRARY")
    if env:
        return [(env, "$LDREDIS_LIBRARY")]
    name = ctypes.util.find_library("ldredis")
    found: List[Tuple[Optional[str], str]] = [(name, 'ctypes.util.find_library("ldredis")')]
    if sys.platform == "darwin":
        sonames = ["libldredis.1.dylib", "libldredis.dylib"]
    else:
        sonames = ["libldredis.so.1", "libldredis.so"]
    found += [(soname, "system loader") for soname in sonames if soname != name]
    return found


def _version_of(cdll: ctypes.CDLL) -> str:
    fn = cdll.ldredis_version
    fn.argtypes = []
    fn.restype = c_char_p
    raw = fn()
    return raw.decode("ascii", "replace") if raw else ""


def _load() -> Tuple[ctypes.CDLL, str, str]:
    tried: List[str] = []
    for target, origin in _candidates():
        if target is None:
            tried.append(f"  - {origin}: found nothing")
            continue
        try:
            cdll = ctypes.CDLL(target)
        except OSError as e:
            tried.append(f"  - {target} ({origin}): {e}")
            continue
        try:
            version = _version_of(cdll)
        except AttributeError:
            tried.append(f"  - {target} ({origin}): loaded, but has no ldredis_version()")
            continue
        major = version.split(".", 1)[0]
        if major != str(REQUIRED_MAJOR):
            tried.append(
                f"  - {target} ({origin}): version {version!r}, "
                f"this binding needs {REQUIRED_MAJOR}.x"
            )
            continue
        return cdll, target, version
    raise ImportError(
        "ldredis: cannot load libldredis (set LDREDIS_LIBRARY to the library's path, or "
        "install it where the system loader finds it). Tried:\n" + "\n".join(tried)
    )


def _check(result: int, func: Any, args: Any) -> int:
    """errcheck: negative statuses raise; OK and NOT_FOUND are returned."""
    if result < 0:
        raise error_for(result, last_error())
    return result


lib, path, version = _load()

# name: (restype, argtypes, status-checked?)
_SIGNATURES = {
    # Library
    "ldredis_version": (c_char_p, [], False),
    "ldredis_status_name": (c_char_p, [c_int], False),
    "ldredis_last_error": (c_char_p, [], False),
    "ldredis_free": (None, [c_void_p], False),
    # Configuration
    "ldredis_config_new": (c_int, [_void_pp], True),
    "ldredis_config_free": (None, [c_void_p], False),
    "ldredis_config_set_url": (c_int, [c_void_p, c_char_p], True),
    "ldredis_config_set_host": (c_int, [c_void_p, c_char_p, c_int], True),
    "ldredis_config_set_prefix": (c_int, [c_void_p, c_char_p], True),
    "ldredis_config_set_password": (c_int, [c_void_p, c_char_p], True),
    "ldredis_config_set_username": (c_int, [c_void_p, c_char_p], True),
    "ldredis_config_set_database": (c_int, [c_void_p, c_int], True),
    "ldredis_config_set_connect_timeout_ms": (c_int, [c_void_p, c_int64], True),
    "ldredis_config_set_operation_timeout_ms": (c_int, [c_void_p, c_int64], True),
    "ldredis_config_set_pool_size": (c_int, [c_void_p, c_int], True),
    "ldredis_config_set_cache_ttl_ms": (c_int, [c_void_p, c_int64], True),
    "ldredis_config_set_cache_capacity": (c_int, [c_void_p, c_int64], True),
    "ldredis_config_set_cache_refresh_ahead": (c_int, [c_void_p, c_int], True),
    "ldredis_config_set_repopulate_on_restart": (c_int, [c_void_p, c_int], True),
    "ldredis_config_set_fail_fast": (c_int, [c_void_p, c_int], True),
    "ldredis_config_set_upsert_mode": (c_int, [c_void_p, c_int], True),
    "ldredis_config_set_tls": (c_int, [c_void_p, c_int], True),
    "ldredis_config_set_tls_ca_file": (c_int, [c_void_p, c_char_p], True),
    "ldredis_config_set_tls_cert_file": (c_int, [c_void_p, c_char_p], True),
    "ldredis_config_set_tls_key_file": (c_int, [c_void_p, c_char_p], True),
    "ldredis_config_set_tls_server_name": (c_int, [c_void_p, c_char_p], True),
    "ldredis_config_set_tls_verify": (c_int, [c_void_p, c_int], True),
    # Store
    "ldredis_store_new": (c_int, [_void_pp, c_void_p], True),
    "ldredis_store_free": (None, [c_void_p], False),
    "ldredis_store_init_json": (c_int, [c_void_p, c_char_p, c_size_t], True),
    "ldredis_store_get": (c_int, [_void_pp, _size_p, c_void_p, c_char_p, c_char_p], True),
    "ldredis_store_all_json": (c_int, [_void_pp, _size_p, c_void_p, c_char_p], True),
    "ldredis_store_upsert": (
        c_int, [_int_p, c_void_p, c_char_p, c_char_p, c_char_p, c_size_t], True
    ),
    "ldredis_store_delete": (c_int, [_int_p, c_void_p, c_char_p, c_char_p, c_int64], True),
    "ldredis_store_initialized": (c_int, [_int_p, c_void_p], True),
    "ldredis_store_available": (c_int, [_int_p, c_void_p], True),
    # Status and diagnostics
    "ldredis_store_status": (c_int, [_int_p, _int_p, _int64_p, _void_pp, c_void_p], True),
    "ldredis_store_set_status_listener": (c_int, [c_void_p, STATUS_FN, c_void_p], True),
    "ldredis_store_stats_json": (c_int, [_void_pp, _size_p, c_void_p], True),
    "ldredis_store_describe": (c_int, [_void_pp, _size_p, c_void_p], True),
    # Big Segments
    "ldredis_store_big_segments_metadata": (c_int, [_int64_p, c_void_p], True),
    "ldredis_store_big_segments_membership": (
        c_int, [_void_pp, _size_p, c_void_p, c_char_p], True
    ),
    # Flag evaluation
    "ldredis_evaluate": (
        c_int, [_void_pp, _size_p, c_void_p, c_char_p, c_char_p, c_size_t, c_char_p, c_size_t], True
    ),
    "ldredis_all_flags_state": (c_int, [_void_pp, _size_p, c_void_p, c_char_p, c_size_t, c_int], True),
}

for _name, (_restype, _argtypes, _checked) in _SIGNATURES.items():
    _fn = getattr(lib, _name)
    _fn.restype = _restype
    _fn.argtypes = _argtypes
    if _checked:
        _fn.errcheck = _check


def last_error() -> str:
    """``ldredis_last_error()`` for this thread ("" when nothing failed yet)."""
    raw = lib.ldredis_last_error()
    return raw.decode("utf-8", "replace") if raw else ""


def status_name(status: int) -> str:
    """``ldredis_status_name(status)``: "LDREDIS_OK", "LDREDIS_ERR_TIMEOUT", ..."""
    raw = lib.ldredis_status_name(status)
    return raw.decode("ascii", "replace") if raw else "unknown status"


def take_bytes(p: c_void_p, n: Optional[int] = None) -> bytes:
    """Copies an owned output buffer and releases it with ``ldredis_free``."""
    if not p.value:
        return b""
    try:
        return ctypes.string_at(p.value, n) if n is not None else ctypes.string_at(p.value)
    finally:
        lib.ldredis_free(p)
