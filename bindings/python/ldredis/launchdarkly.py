"""A drop-in for the LaunchDarkly Python SDK's Redis integration, backed by libldredis.

::

    from ldclient.config import Config, BigSegmentsConfig
    from ldredis.launchdarkly import Redis            # instead of ldclient.integrations.Redis

    store = Redis.new_feature_store(url="redis://localhost:6379/0", prefix="launchdarkly")
    config = Config("sdk-key", feature_store=store,
                    big_segments=BigSegmentsConfig(store=Redis.new_big_segment_store()))

It reads and writes the same Redis schema as ``ldclient.integrations.Redis`` (so both can share
one Redis, and with the Relay Proxy), and behaves like the SDK's ``CachingStoreWrapper`` around
``_RedisFeatureStoreCore``: ``get``/``all`` return the SDK's model objects (``FeatureFlag``,
``Segment``) through ``kind.decode``; missing and deleted items are None; writes follow the
version rule. The cache follows the ``CacheConfig`` given: ``expiration`` seconds become the TTL
(``CacheConfig.disabled()``, or any expiration <= 0, turns the cache off, as in the SDK;
``float('inf')`` caches forever), ``capacity`` the entry bound.

The cache has two levels. libldredis caches in native code (and coalesces concurrent misses,
tracks outages, refreshes ahead); each store here also keeps a memo of decoded model objects
with the same TTL, capacity and write rules, so that a hit is a dict lookup in Python, with no
call into the library, as the SDK's own hit is. A memo miss or expiry asks libldredis, which
may still answer from its cache. Items whose stored JSON has not changed are not decoded
again, even with the cache off (for ``all``, an item whose version has not changed).

This module imports the SDK (``launchdarkly-server-sdk``); ``import ldredis`` does not.
"""

from __future__ import annotations

import logging
import os
import ssl
import threading
import time
import weakref
from collections import OrderedDict
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

try:
    from ldclient.feature_store import CacheConfig
    from ldclient.interfaces import (
        BigSegmentStore,
        BigSegmentStoreMetadata,
        DiagnosticDescription,
        FeatureStore,
    )
    from ldclient.versioned_data_kind import VersionedDataKind
except ImportError as _e:  # pragma: no cover - exercised only without the SDK
    raise ImportError(
        "ldredis.launchdarkly needs the LaunchDarkly Python SDK: "
        "pip install launchdarkly-server-sdk (or pip install 'ldredis[launchdarkly]')"
    ) from _e

from . import _json
from ._errors import Error, InvalidArgumentError
from ._store import Store

__all__ = [
    "Redis",
    "new_feature_store",
    "new_big_segment_store",
    "LDRedisFeatureStore",
    "LDRedisBigSegmentStore",
    "DEFAULT_URL",
    "DEFAULT_PREFIX",
    "DEFAULT_MAX_CONNECTIONS",
]

log = logging.getLogger("ldredis")

DEFAULT_URL = "redis://localhost:6379/0"
DEFAULT_PREFIX = "launchdarkly"
DEFAULT_MAX_CONNECTIONS = 16

_DEFAULT_CACHING = CacheConfig.default()  # immutable: safe as a default argument

# Most item entries kept per store when the cache has no capacity (or is off, when only the
# decoding is remembered): one entry per item read, so reached only by very large data sets.
_MEMO_LIMIT = 100_000

# Added to the TTL of a memo entry. libldredis stamps its entries with the coarse monotonic
# clock (a tick, <= 10 ms, behind time.monotonic); a memo entry that outlives the library's
# by more than a tick makes the read after it reach Redis, not renew an answer as old as the TTL.
_CLOCK_MARGIN = 0.02

_NEVER = float("-inf")
_FOREVER = float("inf")
_monotonic = time.monotonic

# A memo entry: (deadline, the stored JSON as read or written (None: absent or deleted), the
# model object (None: absent or deleted)).
_Entry = Tuple[float, Optional[bytes], Any]
# A memo entry for all(): (deadline, all_raw bytes (None once patched), {key: model object}).
_AllEntry = Tuple[float, Optional[bytes], Dict[str, Any]]

# redis-py ConnectionPool.from_url options (the SDK's redis_opts) that mean something here.
_REDIS_OPTS = {
    "max_connections": "pool_size",
    "password": "password",
    "username": "username",
    "db": "database",
    "socket_timeout": "operation_timeout",
    "socket_connect_timeout": "connect_timeout",
    "ssl_ca_certs": "tls_ca_file",
    "ssl_certfile": "tls_cert_file",
    "ssl_keyfile": "tls_key_file",
}
# redis-py's TLS options that are not a plain rename (see _tls_options).
_REDIS_TLS_OPTS = ("ssl", "ssl_cert_reqs", "ssl_check_hostname")


def _identity(x: Any) -> Any:
    return x


def _encode_item(value: Any) -> Any:
    """For the JSON serialiser: an SDK model object as its JSON dict; a mapping as a dict."""
    to_json_dict = getattr(value, "to_json_dict", None)
    if to_json_dict is not None:
        return to_json_dict()
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"ldredis: cannot store a {type(value).__name__} as JSON")



def _verify_from_cert_reqs(value: Any) -> bool:
    """redis-py's ``ssl_cert_reqs`` as tls_verify. None is CERT_NONE there, as "none" is.
    "optional" verifies: for a client, OpenSSL (and Python's ssl module) treats CERT_OPTIONAL
    as CERT_REQUIRED, since a server always presents a certificate."""
    if value is None or value in ("none", ssl.CERT_NONE):
        return False
    if value in (ssl.CERT_REQUIRED, ssl.CERT_OPTIONAL, "required", "optional"):
        return True
    raise InvalidArgumentError(
        f"redis_opts['ssl_cert_reqs'] must be 'none', 'optional', 'required' or an "
        f"ssl.VerifyMode, not {value!r}"
    )


def _tls_options(opts: Mapping[str, Any], extra: Mapping[str, Any]) -> Dict[str, Any]:
    """redis-py's ``ssl``, ``ssl_cert_reqs`` and ``ssl_check_hostname`` as Store settings.

    ``ssl=True`` turns TLS on (as a ``rediss://`` URL does); ``ssl=False`` changes nothing (a
    ``rediss://`` URL is never downgraded). libldredis verifies the chain and the host name
    together, so ``ssl_check_hostname=False`` is refused while verification is on."""
    options: Dict[str, Any] = {}
    if opts.get("ssl"):
        options["tls"] = True
    verify = True
    if "ssl_cert_reqs" in opts:
        verify = _verify_from_cert_reqs(opts["ssl_cert_reqs"])
        if not verify:
            options["tls_verify"] = False
    verify = bool(extra.get("tls_verify", verify))
    check_hostname = opts.get("ssl_check_hostname")
    if verify and check_hostname is not None and not check_hostname:
        raise InvalidArgumentError(
            "redis_opts['ssl_check_hostname']=False is not supported by ldredis: it verifies "
            "the server's certificate chain and host name together. For a certificate that "
            "does not name the host in the URL, pass tls_server_name='<a name in the "
            "certificate>' (checked instead of the host); only ssl_cert_reqs='none' "
            "(tls_verify=False) turns the check off, with the chain's (insecure)"
        )
    return options


def _store_options(
    max_connections: int, redis_opts: Optional[Mapping[str, Any]], extra: Dict[str, Any]
) -> Dict[str, Any]:
    options: Dict[str, Any] = {"pool_size": max_connections}
    opts = redis_opts or {}
    for name, value in opts.items():
        if name in _REDIS_TLS_OPTS:
            continue
        if name not in _REDIS_OPTS:
            raise InvalidArgumentError(
                f"redis_opts[{name!r}] is not supported by ldredis (supported: "
                f"{', '.join(sorted((*_REDIS_OPTS, *_REDIS_TLS_OPTS)))}; other settings are "
                "keyword arguments)"
            )
        if value is not None:
            options[_REDIS_OPTS[name]] = value
    options.update(_tls_options(opts, extra))
    options.update(extra)
    return options


def _cache_options(caching: CacheConfig) -> Dict[str, Any]:
    """CacheConfig as Store settings: expiration <= 0 is off (CacheConfig.enabled), as in the
    SDK; otherwise TTL = expiration seconds (inf = forever) and capacity as given."""
    if not caching.enabled:
        return {"cache_ttl": 0, "cache_capacity": 0}
    return {"cache_ttl": float(caching.expiration), "cache_capacity": int(caching.capacity)}


class LDRedisFeatureStore(FeatureStore, DiagnosticDescription):
    """The SDK's ``FeatureStore`` over an :class:`ldredis.Store` (what
    :func:`new_feature_store` returns). ``store`` is the underlying :class:`ldredis.Store`
    (for ``stats()``, ``status()``, ``describe()``; write through this object, not through
    ``store``, or the memo will not see the writes).

    The memo follows the store's cache settings (read once, from ``store.describe()``):

    - off: no memo; every call reaches libldredis (and Redis). Only the decoding is saved:
      bytes equal to the last ones decoded for the item give the same object.
    - finite TTL: an entry lives the TTL from when it was read or written (plus
      ``_CLOCK_MARGIN``, so that libldredis's own entry, stamped with a coarse clock, has
      ended first and the next read reaches Redis). With ``refresh_ahead``, a quarter of the
      TTL, so that what libldredis refreshed in the background reaches readers soon.
    - infinite: entries never expire.

    Entries: ``(namespace, key) -> (deadline, stored JSON bytes or None, model object or
    None)``, at most ``capacity`` of them (the oldest written evicted first); and one ``all()``
    result per kind, ``namespace -> (deadline, all_raw bytes or None, {key: model})``. Readers
    take no lock; every change is made under ``_lock``. ``_generation`` counts writes and
    inits: a read or write that overlapped another write or an init does not store its
    (possibly superseded) result, and the next read asks libldredis.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        settings = store.describe()
        mode = settings.get("cache")
        ttl_ms = settings.get("cache_ttl_ms", 0)
        capacity = settings.get("cache_capacity", 0)
        lifetime: Optional[float] = None
        if mode == "infinite":
            lifetime = _FOREVER
        elif mode == "ttl" and ttl_ms > 0:
            lifetime = ttl_ms / 1000.0
            if settings.get("cache_refresh_ahead") == "on":
                lifetime /= 4
            lifetime += _CLOCK_MARGIN
        #: seconds an entry lives; None: no memo (only the decoding is remembered)
        self._lifetime = lifetime
        self._capacity: int = capacity if lifetime is not None and capacity > 0 else _MEMO_LIMIT
        self._items: "OrderedDict[Tuple[str, str], _Entry]" = OrderedDict()
        self._alls: Dict[str, _AllEntry] = {}
        self._lock = threading.Lock()
        self._generation = 0
        # libldredis cached every item of the last init when it finished: until these entries
        # end, what it answers may be as old as the init, so what is read is kept only until then.
        self._init_entries_end = _NEVER
        self._memo_enabled = True
        self._inited = False
        _memos.add(self)
        if mode == "infinite":
            # After an outage libldredis writes back what it wrote and learns the items that
            # Redis holds at a higher version (another writer's): forget the memo when the
            # store comes back, so readers see what libldredis now holds. (Held weakly: the
            # store must not keep this object alive.)
            me = weakref.ref(self)

            def on_status(available: bool, needs_refresh: bool) -> None:
                target = me()
                if target is not None:
                    target._on_status(available, needs_refresh)

            store._set_observer(on_status)

    # ---- FeatureStore -----------------------------------------------------------------------

    def get(
        self, kind: VersionedDataKind, key: str, callback: Callable[[Any], Any] = _identity
    ) -> Any:
        """The item as the SDK's model object, or None when missing or deleted, through
        ``callback``."""
        entry = self._items.get((kind.namespace, key))
        if entry is not None and entry[0] > _monotonic():
            return callback(entry[2])
        return callback(self._load(kind, key, entry))

    def all(self, kind: VersionedDataKind, callback: Callable[[Any], Any] = _identity) -> Any:
        """Every live item of the kind, ``{key: model object}``, through ``callback``.

        As with the SDK's caching wrapper, an unchanged result is the same dict object as the
        previous call's: treat it as read-only."""
        namespace = kind.namespace
        entry = self._alls.get(namespace)
        if entry is not None and entry[0] > _monotonic():
            return callback(entry[2])
        return callback(self._load_all(kind, namespace, entry))

    def init(self, all_data: Mapping[VersionedDataKind, Mapping[str, Any]]) -> None:
        """Replaces all data (every kind given) and marks the store initialized, atomically."""
        # One serialisation of the SDK's own mappings, no copy: model objects (and mappings
        # other than dicts) are converted by _encode_item as the serialiser meets them.
        document = _json.dumps(
            {kind.namespace: items for kind, items in all_data.items()}, _encode_item
        )
        lifetime = self._lifetime
        if lifetime is None:
            self.store.init(document)
            self._inited = True
            return
        try:
            self.store.init(document)
        except BaseException:
            # libldredis emptied its cache (finite TTL) or filled it anyway (infinite): either
            # way it now knows better than the memo.
            self._reset(_NEVER)
            raise
        self._reset(_monotonic() + lifetime)
        self._inited = True

    def upsert(self, kind: VersionedDataKind, item: Any) -> None:
        """Writes the item if its version is higher than the stored one's."""
        encoded = item if isinstance(item, dict) else kind.encode(item)
        namespace = kind.namespace
        key = encoded["key"]
        document = _json.dumps(encoded)
        if self._lifetime is None:
            self.store.upsert(namespace, key, document)
            return
        generation = self._generation
        try:
            applied = self.store.upsert(namespace, key, document)
        except Error:
            self._write_failed(namespace, key)
            raise
        if not applied:
            self._reload(kind, key)
        elif encoded.get("deleted") is True:
            self._written(namespace, key, None, None, generation)
        else:
            self._written(namespace, key, document, kind.decode(encoded), generation)

    def delete(self, kind: VersionedDataKind, key: str, version: int) -> None:
        """Writes a tombstone with the version, if higher than the stored one's."""
        namespace = kind.namespace
        if self._lifetime is None:
            self.store.delete(namespace, key, version)
            return
        generation = self._generation
        try:
            applied = self.store.delete(namespace, key, version)
        except Error:
            self._write_failed(namespace, key)
            raise
        if applied:
            self._written(namespace, key, None, None, generation)
        else:
            self._reload(kind, key)

    @property
    def initialized(self) -> bool:
        """Whether the store has been initialized (by this process or anyone sharing the
        prefix). Sticky once true, as in the SDK's wrapper; a false answer is cached for the
        TTL by libldredis. An unreachable Redis answers False rather than raising: the SDK
        reads this outside its error handling (``LDClient.variation`` would raise)."""
        if self._inited:
            return True
        try:
            result = self.store.initialized
        except Error as e:
            log.debug("ldredis: initialized check failed: %s", e)
            return False
        if result:
            self._inited = True
        return result

    # ---- what the SDK's own Redis store also offers -------------------------------------------

    def is_monitoring_enabled(self) -> bool:
        """True: the SDK monitors this store's availability (data store status)."""
        return True

    def is_available(self) -> bool:
        """Whether Redis answers now (the SDK polls this during an outage)."""
        return self.store.available()

    def describe_configuration(self, config: Any) -> str:
        """'Redis', as the SDK's Redis store reports for diagnostics."""
        return "Redis"

    def disable_cache(self) -> None:
        """Called by the SDK's FDv2 data system once its in-memory store holds the data: stops
        the memo, decoding included. (libldredis's own cache stays as configured: it cannot
        be switched off on a live store.)"""
        with self._lock:
            self._lifetime = None
            self._memo_enabled = False
            self._generation += 1
            self._items.clear()
            self._alls.clear()

    def close(self) -> None:
        """Closes the underlying store (idempotent)."""
        self.store.close()
        with self._lock:
            self._generation += 1
            self._items.clear()
            self._alls.clear()

    # ---- the memo -----------------------------------------------------------------------------

    def _deadline(self) -> float:
        """When an entry read from libldredis now should end."""
        lifetime = self._lifetime
        if lifetime is None:
            return _NEVER
        now = _monotonic()
        if now < self._init_entries_end:
            return self._init_entries_end
        return now + lifetime

    def _load(self, kind: VersionedDataKind, key: str, entry: Optional[_Entry]) -> Any:
        """A get that the memo could not answer: asks libldredis, decodes what changed."""
        namespace = kind.namespace
        generation = self._generation
        raw = self.store.get_raw(namespace, key)  # an error is raised, never remembered
        if raw is None:
            item = None
        elif entry is not None and entry[1] == raw:
            if self._lifetime is None:
                return entry[2]  # the decode memo already holds exactly this
            item = entry[2]
        else:
            item = kind.decode(_json.loads(raw))
        if not self._memo_enabled:
            return item
        if raw is None and self._lifetime is None:
            if entry is not None:
                with self._lock:
                    self._items.pop((namespace, key), None)
            return item
        deadline = self._deadline()
        with self._lock:
            if generation == self._generation:
                self._put((namespace, key), (deadline, raw, item))
        return item

    def _load_all(
        self, kind: VersionedDataKind, namespace: str, entry: Optional[_AllEntry]
    ) -> Dict[str, Any]:
        generation = self._generation
        raw = self.store.all_raw(namespace)
        if entry is not None and entry[1] == raw:
            decoded = entry[2]
        else:
            previous = entry[2] if entry is not None else {}
            items = self._items
            decoded = {}
            for key, item in _json.loads(raw).items():
                old = previous.get(key)
                if old is None:
                    cached = items.get((namespace, key))
                    old = cached[2] if cached is not None else None
                if old is not None and old.get("version") == item.get("version"):
                    decoded[key] = old
                else:
                    decoded[key] = kind.decode(item)
        if self._memo_enabled:
            deadline = self._deadline()
            with self._lock:
                if generation == self._generation:
                    self._alls[namespace] = (deadline, raw, decoded)
        return decoded

    def _put(self, memo_key: Tuple[str, str], entry: _Entry) -> None:
        """Stores an entry as the newest, evicting the oldest beyond capacity (under _lock)."""
        items = self._items
        items[memo_key] = entry
        items.move_to_end(memo_key)
        while len(items) > self._capacity:
            items.popitem(last=False)

    def _written(
        self, namespace: str, key: str, raw: Optional[bytes], item: Any, generation: int
    ) -> None:
        """An applied write: the memo holds the new item (None for a tombstone), and the kind's
        ``all()`` result is dropped (finite TTL) or patched (infinite), as libldredis does. If
        another write or an init finished while this one was in the library (``generation``
        is not current), which one Redis holds last is not known here: both entries are
        dropped, and the next read asks libldredis."""
        lifetime = self._lifetime
        if lifetime is None:
            return
        deadline = _monotonic() + lifetime
        memo_key = (namespace, key)
        with self._lock:
            alone = generation == self._generation
            self._generation += 1
            if alone:
                self._put(memo_key, (deadline, raw, item))
            else:
                self._items.pop(memo_key, None)
            listed = self._alls.pop(namespace, None)
            if listed is not None and alone and lifetime == _FOREVER:
                patched = dict(listed[2])
                if item is None:
                    patched.pop(key, None)
                else:
                    patched[key] = item
                self._alls[namespace] = (_FOREVER, None, patched)

    def _reload(self, kind: VersionedDataKind, key: str) -> None:
        """A write rejected as older: libldredis holds the stored winner; read it into the memo
        now (so that its entry and the memo's start together)."""
        namespace = kind.namespace
        with self._lock:
            self._generation += 1
            self._items.pop((namespace, key), None)
            self._alls.pop(namespace, None)
        try:
            self._load(kind, key, None)
        except Error as e:  # the write itself succeeded; the next get asks again
            log.debug("ldredis: re-reading %s %r after a rejected write failed: %s",
                      namespace, key, e)

    def _write_failed(self, namespace: str, key: str) -> None:
        """A failed write leaves a finite cache untouched, as libldredis does; the infinite
        cache took the item anyway (libldredis replays it after the outage): ask it next."""
        if self._lifetime != _FOREVER:
            return
        with self._lock:
            self._generation += 1
            self._items.pop((namespace, key), None)
            self._alls.pop(namespace, None)

    def _on_status(self, available: bool, needs_refresh: bool) -> None:
        """Infinite memo: the store is available again after an outage (its write-back done)."""
        if available:
            with self._lock:
                self._generation += 1
                self._items.clear()
                self._alls.clear()

    def _reset(self, init_entries_end: float) -> None:
        """After an init: the memo starts empty, its reads until ``init_entries_end`` kept no
        longer than libldredis keeps the init's data."""
        with self._lock:
            self._generation += 1
            self._items.clear()
            self._alls.clear()
            self._init_entries_end = init_entries_end


# Every feature store's memo, so that a fork()ed child starts without its parent's: the child
# cannot use the parent's store (ClosedError says why), and must not seem to from the memo.
_memos: "weakref.WeakSet[LDRedisFeatureStore]" = weakref.WeakSet()


def _forget_memos_in_child() -> None:
    for store in list(_memos):
        store._lock = threading.Lock()  # another thread of the parent may have held it
        store._generation += 1
        store._items = OrderedDict()
        store._alls = {}


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_memos_in_child)


class LDRedisBigSegmentStore(BigSegmentStore):
    """The SDK's ``BigSegmentStore`` over an :class:`ldredis.Store` (read only: the Relay
    Proxy writes Big Segments). Reads are never cached here; the SDK caches membership."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get_metadata(self) -> BigSegmentStoreMetadata:
        """When Big Segment data was last synchronized (None if never)."""
        return BigSegmentStoreMetadata(self.store.big_segments_metadata())

    def get_membership(self, context_hash: str) -> Optional[Dict[str, bool]]:
        """``{segment ref: included}`` for the hashed context key, or None without data."""
        return self.store.big_segment_membership(context_hash)

    def stop(self) -> None:
        """Closes the underlying store (idempotent)."""
        self.store.close()


def new_feature_store(
    url: str = DEFAULT_URL,
    prefix: str = DEFAULT_PREFIX,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    caching: CacheConfig = _DEFAULT_CACHING,
    redis_opts: Optional[Mapping[str, Any]] = None,
    **options: Any,
) -> LDRedisFeatureStore:
    """Creates a Redis-backed ``FeatureStore``, like ``ldclient.integrations.Redis``'s.

    :param url: the Redis URL (``redis://[[user][:password]@]host[:port][/db]``,
      ``rediss://...`` for TLS, ``unix://``, or
      ``redis-sentinel://[[user][:password]@]host[:port][,host[:port]...]/master[/db]`` to
      find the master through Redis Sentinel and follow its failovers)
    :param prefix: key prefix; None or "" means ``launchdarkly``
    :param max_connections: connection pool size (used, unlike in the SDK)
    :param caching: the SDK's CacheConfig; libldredis does the caching
    :param redis_opts: for drop-in use: ``max_connections``, ``password``, ``username``, ``db``,
      ``socket_timeout``, ``socket_connect_timeout`` are honoured, and redis-py's TLS keys:
      ``ssl`` (True: TLS on), ``ssl_ca_certs`` (tls_ca_file), ``ssl_certfile``
      (tls_cert_file), ``ssl_keyfile`` (tls_key_file), ``ssl_cert_reqs`` ("none" or None:
      tls_verify=False; "required" or "optional": verify), ``ssl_check_hostname`` (False is
      refused while verifying: see tls_server_name); any other key raises
      InvalidArgumentError (rather than be silently ignored)
    :param options: further :class:`ldredis.Store` keyword arguments (``refresh_ahead``,
      ``operation_timeout``, ``upsert_mode``, ...); ``cache_ttl``/``cache_capacity`` here
      override ``caching``
    """
    settings = _cache_options(caching)
    settings.update(_store_options(max_connections, redis_opts, options))
    return LDRedisFeatureStore(Store(url, prefix or DEFAULT_PREFIX, **settings))


def new_big_segment_store(
    url: str = DEFAULT_URL,
    prefix: str = DEFAULT_PREFIX,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    redis_opts: Optional[Mapping[str, Any]] = None,
    **options: Any,
) -> LDRedisBigSegmentStore:
    """Creates a Redis-backed Big Segment store, as
    ``ldclient.integrations.Redis.new_big_segment_store`` (same parameters as
    :func:`new_feature_store`, without caching)."""
    settings: Dict[str, Any] = {"cache_ttl": 0}
    settings.update(_store_options(max_connections, redis_opts, options))
    return LDRedisBigSegmentStore(Store(url, prefix or DEFAULT_PREFIX, **settings))


class Redis:
    """The same factory methods as ``ldclient.integrations.Redis``, backed by libldredis."""

    DEFAULT_URL = DEFAULT_URL
    DEFAULT_PREFIX = DEFAULT_PREFIX
    DEFAULT_MAX_CONNECTIONS = DEFAULT_MAX_CONNECTIONS

    new_feature_store = staticmethod(new_feature_store)
    new_big_segment_store = staticmethod(new_big_segment_store)
