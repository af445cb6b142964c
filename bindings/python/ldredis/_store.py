"""``ldredis.Store``: one libldredis store handle, with Pythonic results and errors."""

from __future__ import annotations

import atexit
import logging
import math
import os
import threading
import time
import weakref
from ctypes import byref, c_int, c_int64, c_size_t, c_void_p
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Mapping, Optional, Union

from . import _json
from ._evaluation import ContextInput, EvaluationDetail, context_bytes, loads_exact
from ._errors import NOT_FOUND, ClosedError, InvalidArgumentError, error_for
from ._lib import STATUS_FN, last_error, lib, take_bytes

__all__ = ["Store", "Status", "StatusListener", "Kind", "JSONInput"]

log = logging.getLogger("ldredis")

#: A data kind: a namespace string ("features", "segments"), or any object with a ``namespace``
#: attribute (such as the LaunchDarkly SDK's ``VersionedDataKind``).
Kind = Union[str, Any]
#: A JSON document: a dict (serialised here), or JSON text as str or bytes (passed unchanged).
JSONInput = Union[Mapping[str, Any], str, bytes, bytearray, memoryview]
#: A status listener: called with (available, needs_refresh) once per status change.
StatusListener = Callable[[bool, bool], None]
#: A file path.
PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]

# ldredis_evaluate without the errcheck wrapper (the status is checked inline: one Python
# call less per evaluation), and per-thread output cells with their byref()s made once.
_evaluate = lib["ldredis_evaluate"]
_evaluate.restype = c_int
_evaluate.argtypes = lib.ldredis_evaluate.argtypes
_eval_cells = threading.local()


def _cells() -> Any:
    cells = getattr(_eval_cells, "cells", None)
    if cells is None:
        out, n = c_void_p(), c_size_t()
        cells = _eval_cells.cells = (out, n, byref(out), byref(n))
    return cells

_UPSERT_MODES = {"auto": 0, "script": 1, "watch": 2}

# Every open store, so that the interpreter's exit closes them (no status callback may enter a
# finalizing interpreter) and a fork()ed child stops using its parent's (see _after_fork).
_open_stores: "weakref.WeakSet[Store]" = weakref.WeakSet()


@dataclass(frozen=True)
class Status:
    """The store's availability, as :meth:`Store.status` reports it."""

    #: Redis answered the last operation (or the last background check).
    available: bool
    #: Redis came back after an outage and may hold stale data: the owner should init again.
    needs_refresh: bool
    #: When ``available`` or ``needs_refresh`` last changed, in Unix epoch milliseconds.
    changed_at_ms: int
    #: The last Redis error message, if there was one (never holds a password).
    last_error: Optional[str]

    @property
    def changed_at(self) -> datetime:
        """``changed_at_ms`` as an aware UTC datetime."""
        return datetime.fromtimestamp(self.changed_at_ms / 1000.0, tz=timezone.utc)


def _cstr(value: Any, what: str) -> bytes:
    """A str argument as NUL-free UTF-8 bytes (ctypes would silently cut at a NUL)."""
    if type(value) is str:  # the common case first: this is on every call's path
        if "\0" in value:
            raise InvalidArgumentError(f"{what} must not contain a NUL character")
        return value.encode("utf-8")
    if isinstance(value, str):
        data = value.encode("utf-8")
    elif isinstance(value, (bytes, bytearray)):
        data = bytes(value)
    else:
        raise TypeError(f"ldredis: {what} must be str, not {type(value).__name__}")
    if b"\0" in data:
        raise InvalidArgumentError(f"{what} must not contain a NUL character")
    return data


# Kind names seen so far, as C strings: there are only a few ("features", "segments").
_kind_names: Dict[str, bytes] = {}


def _kind(kind: Kind) -> bytes:
    if type(kind) is not str:
        kind = kind if isinstance(kind, (str, bytes)) else getattr(kind, "namespace", kind)
        if type(kind) is not str:
            return _cstr(kind, "kind")
    name = _kind_names.get(kind)
    if name is None:
        name = _cstr(kind, "kind")
        if len(_kind_names) < 64:
            _kind_names[kind] = name
    return name


def _document(value: JSONInput, what: str) -> bytes:
    if type(value) is bytes:
        return value
    if type(value) is dict:  # before the Mapping ABC check, which is slow
        return _json.dumps(value)
    if isinstance(value, bytes):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, Mapping):
        return _json.dumps(dict(value) if not isinstance(value, dict) else value)
    raise TypeError(
        f"ldredis: {what} must be a dict or JSON text (str or bytes), not {type(value).__name__}"
    )


def _milliseconds(seconds: float, what: str) -> int:
    """Seconds to whole milliseconds, rounding a positive duration up (never to 0)."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"ldredis: {what} must be a number of seconds")
    if math.isnan(seconds):
        raise InvalidArgumentError(f"{what} must not be NaN")
    if seconds > 0:
        return min(int(math.ceil(seconds * 1000)), 2**62)
    return int(seconds * 1000)


def _ttl_ms(cache_ttl: Optional[float]) -> int:
    """cache_ttl in seconds to the C TTL: 0 off, > 0 finite, None/inf/negative forever (-1)."""
    if cache_ttl is None:
        return -1
    if isinstance(cache_ttl, bool) or not isinstance(cache_ttl, (int, float)):
        raise TypeError("ldredis: cache_ttl must be a number of seconds or None")
    if math.isnan(cache_ttl):
        raise InvalidArgumentError("cache_ttl must not be NaN")
    if cache_ttl < 0 or math.isinf(cache_ttl):
        return -1
    if cache_ttl == 0:
        return 0
    return min(int(math.ceil(cache_ttl * 1000)), 2**62)


def _path(value: Any, what: str) -> bytes:
    """A file path (str, bytes or os.PathLike) as NUL-free bytes in the file system encoding."""
    try:
        path = os.fspath(value)
    except TypeError:
        raise TypeError(
            f"ldredis: {what} must be a path (str, bytes or os.PathLike), "
            f"not {type(value).__name__}"
        ) from None
    data = os.fsencode(path)
    if not data:
        raise InvalidArgumentError(f"{what} must not be empty")
    if b"\0" in data:
        raise InvalidArgumentError(f"{what} must not contain a NUL character")
    return data


def _set_tls(
    cfg: c_void_p,
    tls: Optional[bool],
    ca_file: Optional[PathLike],
    cert_file: Optional[PathLike],
    key_file: Optional[PathLike],
    server_name: Optional[str],
    verify: bool,
) -> List[str]:
    """Applies the TLS settings to a config (after its URL, which turns TLS on for
    ``rediss://``); returns the names of the settings given that only mean something with
    TLS on, for the check once the store exists."""
    if tls is not None:
        lib.ldredis_config_set_tls(cfg, 1 if tls else 0)
    given: List[str] = []
    for name, value, setter in (
        ("tls_ca_file", ca_file, lib.ldredis_config_set_tls_ca_file),
        ("tls_cert_file", cert_file, lib.ldredis_config_set_tls_cert_file),
        ("tls_key_file", key_file, lib.ldredis_config_set_tls_key_file),
    ):
        if value is not None:
            setter(cfg, _path(value, name))
            given.append(name)
    if server_name is not None:
        lib.ldredis_config_set_tls_server_name(cfg, _cstr(server_name, "tls_server_name"))
        given.append("tls_server_name")
    lib.ldredis_config_set_tls_verify(cfg, 1 if verify else 0)
    return given


def _integer(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"ldredis: {what} must be an int, not {type(value).__name__}")
    return value


def _c_int(value: Any, what: str) -> int:
    """An int that must fit a C int (ctypes would wrap it silently)."""
    number = _integer(value, what)
    if not -(2**31) <= number < 2**31:
        raise InvalidArgumentError(f"{what} is out of range: {number}")
    return number


def _c_int64(value: Any, what: str) -> int:
    number = _integer(value, what)
    if not -(2**63) <= number < 2**63:
        raise InvalidArgumentError(f"{what} is out of range: {number}")
    return number


class Store:
    """A LaunchDarkly Redis feature store (libldredis), shareable by any number of threads.

    Connections open lazily, so a store can be created while Redis is down. Every method may
    raise :class:`ldredis.UnavailableError` (including :class:`ldredis.RedisTimeoutError`),
    :class:`ldredis.RedisError`, :class:`ldredis.BusyError` or :class:`ldredis.InternalError`
    for a failed Redis operation, and :class:`ldredis.ClosedError` after :meth:`close`. A missing or deleted item
    is ``None``, never an exception. Calls release the GIL while the library works.

    :param url: ``redis://[[user][:password]@]host[:port][/db]`` or
      ``unix://[[user][:password]@]/path.sock[?db=N]``; default ``redis://localhost:6379/0``.
      ``rediss://[[user][:password]@]host[:port][/db]`` is the same over TLS (verified against
      the system roots by default).
    :param prefix: key prefix (keys are ``PREFIX:features`` ...); None or "" means
      ``launchdarkly``.
    :param cache_ttl: seconds the in-process cache (inside libldredis) keeps results: ``0``
      turns it off (every call goes to Redis); ``None``, ``math.inf`` or any negative number
      caches forever (the SDKs' "infinite" mode, with outage write-back). Default 15.
    :param cache_capacity: most entries cached, least recently used evicted; 0 = unbounded.
    :param refresh_ahead: with a finite TTL, serve an expired entry while one background read
      refreshes it, so that after warm-up readers never wait for Redis.
    :param repopulate_on_restart: with the infinite cache, write the cached data back when
      ``PREFIX:$inited`` vanished (a Redis that restarted empty).
    :param fail_fast: while the store is unavailable (after an outage, until the 500 ms
      background check finds Redis back), a read the cache cannot answer raises
      :class:`ldredis.UnavailableError` at once instead of waiting for the connect or
      operation timeout; one such read per 500 ms still goes to Redis as a probe. Writes
      are not affected. Default False (as in the C library).
    :param password: AUTH password, overriding the URL's (None keeps the URL's).
    :param username: ACL username, overriding the URL's (None keeps the URL's).
    :param database: database number, overriding the URL's (None keeps the URL's).
    :param connect_timeout: seconds a connect (TCP, AUTH, SELECT) may take.
    :param operation_timeout: seconds one operation may take, waiting for a pooled
      connection included.
    :param pool_size: most pooled connections, 1 .. 1024.
    :param upsert_mode: ``"auto"`` (server-side script, WATCH when scripting is refused),
      ``"script"`` or ``"watch"`` (the SDKs' optimistic transaction).
    :param tls: None (the default): TLS when the URL is ``rediss://``; True or False turns it
      on or off whatever the URL says.
    :param tls_ca_file: PEM file of the CA certificates to trust, replacing the system's for
      this store; None: the system's.
    :param tls_cert_file: PEM client certificate (chain), for a server that requires one
      (mutual TLS); give ``tls_key_file`` with it.
    :param tls_key_file: PEM private key of ``tls_cert_file``.
    :param tls_server_name: the name sent as SNI and checked against the server's certificate;
      None: the URL's host (an IP address is checked against the certificate's IP names).
    :param tls_verify: True (the default) verifies the server's certificate chain and its
      name; False turns both off (insecure: anyone on the path can pose as the server;
      ``describe()`` shows ``"tls_verify": "off"``).
    :raises InvalidArgumentError: for a setting the library refuses (message says which); a
      TLS file that is missing, unreadable or not PEM, or a key that does not match the
      certificate (read here, when the store is created); a ``tls_*`` file or server name
      given while TLS is off (a ``redis://`` URL without ``tls=True``).

    A failed TLS handshake is an :class:`ldredis.UnavailableError` from the first operation,
    saying what failed ("certificate verify failed: ...", "host name mismatch: ...").
    """

    _handle: Optional[c_void_p]

    def __init__(
        self,
        url: Optional[str] = None,
        prefix: Optional[str] = None,
        *,
        cache_ttl: Optional[float] = 15.0,
        cache_capacity: int = 0,
        refresh_ahead: bool = False,
        repopulate_on_restart: bool = False,
        fail_fast: bool = False,
        password: Optional[str] = None,
        username: Optional[str] = None,
        database: Optional[int] = None,
        connect_timeout: float = 3.0,
        operation_timeout: float = 2.0,
        pool_size: int = 16,
        upsert_mode: str = "auto",
        tls: Optional[bool] = None,
        tls_ca_file: Optional[PathLike] = None,
        tls_cert_file: Optional[PathLike] = None,
        tls_key_file: Optional[PathLike] = None,
        tls_server_name: Optional[str] = None,
        tls_verify: bool = True,
    ) -> None:
        self._handle = None  # first, so that __del__ after a failed __init__ is quiet
        self._calls: List[None] = []  # one entry per call in progress (see _enter)
        self._close_lock = threading.Lock()
        self._closing = False
        self._forked = False
        self._listener: Optional[StatusListener] = None
        self._observer: Optional[StatusListener] = None
        self._trampoline: Optional[Any] = None  # the ctypes callback: kept while registered
        self._listener_registered = False
        self._listener_lock = threading.Lock()
        self._callback_thread = threading.local()

        if upsert_mode not in _UPSERT_MODES:
            raise InvalidArgumentError(
                f"upsert_mode must be one of {sorted(_UPSERT_MODES)}, not {upsert_mode!r}"
            )
        ttl_ms = _ttl_ms(cache_ttl)
        connect_ms = _milliseconds(connect_timeout, "connect_timeout")
        operation_ms = _milliseconds(operation_timeout, "operation_timeout")

        cfg = c_void_p()
        lib.ldredis_config_new(byref(cfg))
        try:
            if url is not None:
                lib.ldredis_config_set_url(cfg, _cstr(url, "url"))
            if prefix is not None:
                lib.ldredis_config_set_prefix(cfg, _cstr(prefix, "prefix"))
            if password is not None:
                lib.ldredis_config_set_password(cfg, _cstr(password, "password"))
            if username is not None:
                lib.ldredis_config_set_username(cfg, _cstr(username, "username"))
            if database is not None:
                lib.ldredis_config_set_database(cfg, _c_int(database, "database"))
            lib.ldredis_config_set_connect_timeout_ms(cfg, connect_ms)
            lib.ldredis_config_set_operation_timeout_ms(cfg, operation_ms)
            lib.ldredis_config_set_pool_size(cfg, _c_int(pool_size, "pool_size"))
            lib.ldredis_config_set_cache_ttl_ms(cfg, ttl_ms)
            lib.ldredis_config_set_cache_capacity(
                cfg, _c_int64(cache_capacity, "cache_capacity")
            )
            lib.ldredis_config_set_cache_refresh_ahead(cfg, 1 if refresh_ahead else 0)
            lib.ldredis_config_set_repopulate_on_restart(cfg, 1 if repopulate_on_restart else 0)
            lib.ldredis_config_set_fail_fast(cfg, 1 if fail_fast else 0)
            lib.ldredis_config_set_upsert_mode(cfg, _UPSERT_MODES[upsert_mode])
            tls_settings = _set_tls(cfg, tls, tls_ca_file, tls_cert_file, tls_key_file,
                                    tls_server_name, tls_verify)
            handle = c_void_p()
            lib.ldredis_store_new(byref(handle), cfg)
            self._handle = handle  # passed as is to every call: no conversion per call
            if tls_settings and self.describe().get("tls") != "on":
                self.close()
                raise InvalidArgumentError(
                    f"{', '.join(tls_settings)} given, but TLS is off: use a rediss:// URL "
                    "(or tls=True)"
                )
            _open_stores.add(self)
        finally:
            lib.ldredis_config_free(cfg)

    # ---- lifetime -------------------------------------------------------------------------

    # A call in progress holds one entry in self._calls (list append/pop are atomic), so close()
    # can wait for calls to finish without a lock on every call's path: a caller registers
    # first and checks for closing second; close() sets closing first and waits second.

    def _enter(self) -> c_void_p:
        """Registers a call; the handle cannot be freed until the matching _leave."""
        calls = self._calls
        calls.append(None)
        handle = self._handle
        if handle is None or self._closing:
            calls.pop()
            if self._forked:
                raise ClosedError("the store was created before fork(): create stores in the "
                                  "process that uses them")
            raise ClosedError("the store is closed")
        return handle

    def _leave(self) -> None:
        self._calls.pop()

    def close(self) -> None:
        """Closes the store's connections and releases it. Idempotent.

        Waits for calls other threads are making on this store to return first; calls made
        afterwards raise :class:`ClosedError`. Must not be called from a status listener
        (raises RuntimeError there).
        """
        if getattr(self._callback_thread, "inside", False):
            raise RuntimeError("ldredis: Store.close() must not be called from a status listener")
        with self._close_lock:
            handle = self._handle
            if handle is None:
                return
            self._closing = True
            while self._calls:  # calls in progress (bounded by the operation timeout)
                time.sleep(0.0005)
            try:
                if self._listener_registered:
                    # Returns only once a running callback has finished.
                    lib.ldredis_store_set_status_listener(handle, STATUS_FN(), None)
                    self._listener_registered = False
            finally:
                self._handle = None
                _open_stores.discard(self)
                lib.ldredis_store_free(handle)

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
        return self._handle is None or self._closing

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # quiet: interpreter shutdown, or collected inside a listener
            pass

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<ldredis.Store {state} at {id(self):#x}>"

    # ---- data -------------------------------------------------------------------------------

    def init(self, data: JSONInput) -> None:
        """Replaces the data of the kinds given and marks the store initialized, atomically.

        ``data`` is all data as LaunchDarkly serves it, ``{"flags": {key: item}, "segments":
        {...}}`` ("flags" is stored as kind "features"; any other member as a kind of that
        name), as a dict or as JSON text. Kinds not in the document are left alone; ``{}``
        still marks the store initialized.

        :raises InvalidArgumentError: invalid JSON, an item without a valid version, ...
        """
        doc = _document(data, "data")
        h = self._enter()
        try:
            lib.ldredis_store_init_json(h, doc, len(doc))
        finally:
            self._leave()

    def get_raw(self, kind: Kind, key: str) -> Optional[bytes]:
        """The item's JSON exactly as stored, or None when it is absent or deleted.

        :raises MalformedDataError: the stored value is not an item.
        """
        k, f = _kind(kind), _cstr(key, "key")
        out, n = c_void_p(), c_size_t()
        h = self._enter()
        try:
            rc = lib.ldredis_store_get(byref(out), byref(n), h, k, f)
        finally:
            self._leave()
        if rc == NOT_FOUND:
            return None
        return take_bytes(out, n.value)

    def get(self, kind: Kind, key: str) -> Optional[Dict[str, Any]]:
        """The item as a dict, or None when it is absent or deleted."""
        raw = self.get_raw(kind, key)
        return None if raw is None else _json.loads(raw)

    def all_raw(self, kind: Kind) -> bytes:
        """Every live item of a kind as one JSON object ``{key: item}`` (``b"{}"`` if none)."""
        k = _kind(kind)
        out, n = c_void_p(), c_size_t()
        h = self._enter()
        try:
            lib.ldredis_store_all_json(byref(out), byref(n), h, k)
        finally:
            self._leave()
        return take_bytes(out, n.value)

    def all(self, kind: Kind) -> Dict[str, Dict[str, Any]]:
        """Every live item of a kind, ``{key: item}``; deleted and malformed ones left out."""
        result: Dict[str, Dict[str, Any]] = _json.loads(self.all_raw(kind))
        return result

    def upsert(self, kind: Kind, key: str, item: JSONInput) -> bool:
        """Writes the item if its ``version`` is strictly higher than the stored one's.

        :returns: True when written, False when rejected (stored version equal or higher).
        :raises InvalidArgumentError: the item is not an object with a valid version.
        :raises ConflictError: WATCH mode lost 10 races in a row.
        """
        k, f = _kind(kind), _cstr(key, "key")
        doc = _document(item, "item")
        updated = c_int()
        h = self._enter()
        try:
            lib.ldredis_store_upsert(byref(updated), h, k, f, doc, len(doc))
        finally:
            self._leave()
        return updated.value == 1

    def delete(self, kind: Kind, key: str, version: int) -> bool:
        """Writes the tombstone ``{"key":key,"version":version,"deleted":true}`` under the same
        version rule as :meth:`upsert`; returns True when written."""
        k, f = _kind(kind), _cstr(key, "key")
        v = _c_int64(version, "version")
        updated = c_int()
        h = self._enter()
        try:
            lib.ldredis_store_delete(byref(updated), h, k, f, v)
        finally:
            self._leave()
        return updated.value == 1

    @property
    def initialized(self) -> bool:
        """Whether anyone sharing the prefix has initialized the store (``PREFIX:$inited``).

        A property, like the LaunchDarkly SDK's ``FeatureStore.initialized``; it may read
        Redis (cached as the cache settings say) and may raise like any other call.
        """
        out = c_int()
        h = self._enter()
        try:
            lib.ldredis_store_initialized(byref(out), h)
        finally:
            self._leave()
        return out.value == 1

    def available(self) -> bool:
        """Whether Redis answers now. An unreachable server is False, not an exception."""
        out = c_int()
        h = self._enter()
        try:
            lib.ldredis_store_available(byref(out), h)
        finally:
            self._leave()
        return out.value == 1

    # ---- status and diagnostics -------------------------------------------------------------

    def status(self) -> Status:
        """The current availability status (no Redis traffic)."""
        available, refresh, changed, err = c_int(), c_int(), c_int64(), c_void_p()
        h = self._enter()
        try:
            lib.ldredis_store_status(byref(available), byref(refresh), byref(changed),
                                     byref(err), h)
        finally:
            self._leave()
        last_error = take_bytes(err).decode("utf-8", "replace") if err.value else None
        return Status(available.value == 1, refresh.value == 1, changed.value, last_error)

    def set_status_listener(self, listener: Optional[StatusListener]) -> None:
        """Sets (or, with None, removes) the function called once per status change.

        It is called as ``listener(available, needs_refresh)`` from a library thread; it should
        return quickly. It may call this store's methods, except :meth:`close`. Exceptions it
        raises are logged (logger ``ldredis``) and never reach the library. After removing
        returns, the old listener is no longer running.
        """
        if listener is not None and not callable(listener):
            raise TypeError("ldredis: the status listener must be callable or None")
        inside = getattr(self._callback_thread, "inside", False)
        h = self._enter()
        # Serialises listener changes; not taken from inside the listener, which the library
        # runs while another thread's removal may be waiting for it to return.
        lock = self._listener_lock if not inside else None
        if lock is not None:
            lock.acquire()
        try:
            if listener is None:
                if self._listener_registered and self._observer is None:
                    lib.ldredis_store_set_status_listener(h, STATUS_FN(), None)
                    self._listener_registered = False
                self._listener = None
                return
            self._listener = listener
            self._register_trampoline(h)
        finally:
            if lock is not None:
                lock.release()
            self._leave()

    def _set_observer(self, observer: StatusListener) -> None:
        """Internal (the SDK drop-in's memo): a second function called on every status change,
        before the listener, independent of :meth:`set_status_listener`."""
        h = self._enter()
        with self._listener_lock:
            try:
                self._observer = observer
                self._register_trampoline(h)
            finally:
                self._leave()

    def _register_trampoline(self, h: Any) -> None:
        """Registers the store's one C status callback, once for its whole life (replacing the
        listener or the observer is then an attribute swap: no change lost, no ctypes callback
        freed early). Called with ``_listener_lock`` held (or from inside the callback)."""
        if self._trampoline is None:
            self._trampoline = STATUS_FN(_make_trampoline(weakref.ref(self)))
        if not self._listener_registered:
            lib.ldredis_store_set_status_listener(h, self._trampoline, None)
            self._listener_registered = True

    def stats(self) -> Dict[str, int]:
        """Counters: cache_hits, cache_misses, coalesced_waits, redis_round_trips,
        redis_errors, malformed_skipped, cache_evictions, cache_entries, write_back_written
        and write_back_refused (items the infinite cache wrote back to Redis after an outage,
        and items Redis refused then, such as a WRONGTYPE)."""
        out, n = c_void_p(), c_size_t()
        h = self._enter()
        try:
            lib.ldredis_store_stats_json(byref(out), byref(n), h)
        finally:
            self._leave()
        result: Dict[str, int] = _json.loads(take_bytes(out, n.value))
        return result

    def describe(self) -> Dict[str, Any]:
        """The configuration and effective key names, secrets redacted."""
        out, n = c_void_p(), c_size_t()
        h = self._enter()
        try:
            lib.ldredis_store_describe(byref(out), byref(n), h)
        finally:
            self._leave()
        result: Dict[str, Any] = _json.loads(take_bytes(out, n.value))
        return result

    # ---- Big Segments -----------------------------------------------------------------------

    def big_segments_metadata(self) -> Optional[int]:
        """When Big Segment data was last synchronized (epoch ms), or None if never.

        :raises MalformedDataError: the stored value is not a decimal integer.
        """
        out = c_int64()
        h = self._enter()
        try:
            rc = lib.ldredis_store_big_segments_metadata(byref(out), h)
        finally:
            self._leave()
        return None if rc == NOT_FOUND else out.value

    def big_segment_membership(self, context_hash: str) -> Optional[Dict[str, bool]]:
        """A context's membership ``{"<segmentKey>.g<generation>": included}``, include winning
        over exclude, or None when there is no membership data for the hash."""
        ch = _cstr(context_hash, "context_hash")
        out, n = c_void_p(), c_size_t()
        h = self._enter()
        try:
            rc = lib.ldredis_store_big_segments_membership(byref(out), byref(n), h, ch)
        finally:
            self._leave()
        if rc == NOT_FOUND:
            return None
        result: Dict[str, bool] = _json.loads(take_bytes(out, n.value))
        return result

    # ---- Flag evaluation --------------------------------------------------------------------

    def evaluate_raw(self, flag_key: str, context: ContextInput, default: Any = None) -> bytes:
        """``ldredis_evaluate``: the evaluation detail as JSON bytes."""
        k = flag_key.encode("utf-8") if type(flag_key) is str and "\0" not in flag_key else _cstr(flag_key, "flag_key")
        ctx = context_bytes(context)
        dflt = b"null" if default is None else _json.dumps(default)
        out, n, out_ref, n_ref = _cells()
        h = self._enter()
        try:
            rc = _evaluate(out_ref, n_ref, h, k, ctx, len(ctx), dflt, len(dflt))
        finally:
            self._calls.pop()
        if rc < 0:
            raise error_for(rc, last_error())
        return take_bytes(out, n.value)

    def evaluate(self, flag_key: str, context: ContextInput, default: Any = None) -> EvaluationDetail:
        """Evaluates a flag for a context as the LaunchDarkly SDKs' ``variation_detail`` does,
        from the store's data (through its cache). Sends no analytics events. Evaluation
        failures are details with an ERROR reason (the default is served); the message of an
        EXCEPTION is in ``ldredis._lib.last_error()``.

        :raises InvalidArgumentError: the context is not JSON.
        """
        return EvaluationDetail.from_json(self.evaluate_raw(flag_key, context, default))

    def all_flags_state(
        self,
        context: ContextInput,
        with_reasons: bool = False,
        client_side_only: bool = False,
        details_only_for_tracked_flags: bool = False,
    ) -> Dict[str, Any]:
        """Every flag for a context, as the SDKs' ``all_flags_state(...).to_json_dict()``:
        ``{"flagKey": value, ..., "$flagsState": {...}, "$valid": True}``."""
        ctx = context_bytes(context)
        options = (1 if with_reasons else 0) | (2 if client_side_only else 0) | (
            4 if details_only_for_tracked_flags else 0)
        out, n = c_void_p(), c_size_t()
        h = self._enter()
        try:
            lib.ldredis_all_flags_state(byref(out), byref(n), h, ctx, len(ctx), options)
        finally:
            self._leave()
        result: Dict[str, Any] = loads_exact(take_bytes(out, n.value))
        return result


def _close_all_at_exit() -> None:
    for store in list(_open_stores):
        try:
            store.close()
        except Exception:  # noqa: BLE001 - exiting: nothing useful to do with it
            pass


def _after_fork_in_child() -> None:
    """A child of fork() has the parent's handles but none of the library's threads, and
    maybe locks held by them: its stores are unusable. They become closed (ClosedError says
    why) and are deliberately leaked: freeing them could wait forever on such a lock."""
    for store in list(_open_stores):
        store._forked = True
        store._closing = True
        store._handle = None
        store._calls = []
        store._close_lock = threading.Lock()
        store._listener_lock = threading.Lock()
    _open_stores.clear()


atexit.register(_close_all_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _make_trampoline(store_ref: "weakref.ReferenceType[Store]") -> Callable[[Any, int, int], None]:
    """The C status callback: calls the store's current listener, swallowing its exceptions
    (an exception must never unwind into the library). Holds the store weakly."""

    def trampoline(_user_data: Any, available: int, needs_refresh: int) -> None:
        try:
            store = store_ref()
            if store is None:
                return
            observer = store._observer
            if observer is not None:
                observer(bool(available), bool(needs_refresh))
            listener = store._listener
            if listener is None:
                return
            local = store._callback_thread
            local.inside = True
            try:
                listener(bool(available), bool(needs_refresh))
            finally:
                local.inside = False
        except BaseException:  # noqa: BLE001 - nothing may propagate into C
            try:
                log.exception("ldredis: the status listener raised")
            except BaseException:  # noqa: BLE001
                pass

    return trampoline
