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
version rule. The difference is where the cache lives: libldredis does the caching (and the
coalescing of concurrent misses, and the outage tracking) in native code, honouring the
``CacheConfig`` given: ``expiration`` seconds become the TTL (``CacheConfig.disabled()``, or any
expiration <= 0, turns the cache off, as in the SDK; ``float('inf')`` caches forever),
``capacity`` the entry bound.

Decoding JSON into model objects is the expensive part of a read in Python, so each store keeps
the last bytes it decoded per item: an item whose stored JSON has not changed is not decoded
again (for ``all``, an item whose version has not changed).

This module imports the SDK (``launchdarkly-server-sdk``); ``import ldredis`` does not.
"""

from __future__ import annotations

import logging
import threading
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

# Most item memo entries kept per store before the memo starts over (it holds at most one
# entry per live item read, so this is only reached by very large or churning data sets).
_MEMO_LIMIT = 100_000

# redis-py ConnectionPool.from_url options (the SDK's redis_opts) that mean something here.
_REDIS_OPTS = {
    "max_connections": "pool_size",
    "password": "password",
    "username": "username",
    "db": "database",
    "socket_timeout": "operation_timeout",
    "socket_connect_timeout": "connect_timeout",
}


def _identity(x: Any) -> Any:
    return x


def _store_options(
    max_connections: int, redis_opts: Optional[Mapping[str, Any]], extra: Dict[str, Any]
) -> Dict[str, Any]:
    options: Dict[str, Any] = {"pool_size": max_connections}
    for name, value in (redis_opts or {}).items():
        if name not in _REDIS_OPTS:
            raise InvalidArgumentError(
                f"redis_opts[{name!r}] is not supported by ldredis (supported: "
                f"{', '.join(sorted(_REDIS_OPTS))}; other settings are keyword arguments)"
            )
        if value is not None:
            options[_REDIS_OPTS[name]] = value
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
    (for ``stats()``, ``status()``, ``describe()``)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # (namespace, key) -> (stored JSON bytes, decoded model object)
        self._items: Dict[Tuple[str, str], Tuple[bytes, Any]] = {}
        # namespace -> (all_raw bytes, {key: model}) for all()
        self._alls: Dict[str, Tuple[bytes, Dict[str, Any]]] = {}
        self._memo_enabled = True
        self._memo_lock = threading.Lock()
        self._inited = False

    # ---- FeatureStore -----------------------------------------------------------------------

    def get(
        self, kind: VersionedDataKind, key: str, callback: Callable[[Any], Any] = _identity
    ) -> Any:
        """The item as the SDK's model object, or None when missing or deleted, through
        ``callback``."""
        raw = self.store.get_raw(kind.namespace, key)
        if raw is None:
            self._items.pop((kind.namespace, key), None)
            return callback(None)
        memo_key = (kind.namespace, key)
        hit = self._items.get(memo_key)
        if hit is not None and hit[0] == raw:
            return callback(hit[1])
        item = kind.decode(_json.loads(raw))
        self._remember(memo_key, raw, item)
        return callback(item)

    def all(self, kind: VersionedDataKind, callback: Callable[[Any], Any] = _identity) -> Any:
        """Every live item of the kind, ``{key: model object}``, through ``callback``.

        As with the SDK's caching wrapper, an unchanged result is the same dict object as the
        previous call's: treat it as read-only."""
        namespace = kind.namespace
        raw = self.store.all_raw(namespace)
        hit = self._alls.get(namespace)
        if hit is not None and hit[0] == raw:
            return callback(hit[1])
        decoded: Dict[str, Any] = {}
        previous = hit[1] if hit is not None else {}
        for key, item in _json.loads(raw).items():
            old = previous.get(key)
            if old is None:
                cached = self._items.get((namespace, key))
                old = cached[1] if cached is not None else None
            if old is not None and old.get("version") == item.get("version"):
                decoded[key] = old
            else:
                decoded[key] = kind.decode(item)
        if self._memo_enabled:
            self._alls[namespace] = (raw, decoded)
        return callback(decoded)

    def init(self, all_data: Mapping[VersionedDataKind, Mapping[str, Any]]) -> None:
        """Replaces all data (every kind given) and marks the store initialized, atomically."""
        document: Dict[str, Dict[str, Any]] = {}
        for kind, items in all_data.items():
            document[kind.namespace] = {
                key: item if isinstance(item, dict) else kind.encode(item)
                for key, item in items.items()
            }
        self.store.init(_json.dumps(document))
        self._inited = True

    def upsert(self, kind: VersionedDataKind, item: Any) -> None:
        """Writes the item if its version is higher than the stored one's."""
        encoded = item if isinstance(item, dict) else kind.encode(item)
        self.store.upsert(kind.namespace, encoded["key"], encoded)

    def delete(self, kind: VersionedDataKind, key: str, version: int) -> None:
        """Writes a tombstone with the version, if higher than the stored one's."""
        self.store.delete(kind.namespace, key, version)

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
        the decode memo. (libldredis's own cache stays as configured: it cannot be switched
        off on a live store.)"""
        with self._memo_lock:
            self._memo_enabled = False
            self._items.clear()
            self._alls.clear()

    def close(self) -> None:
        """Closes the underlying store (idempotent)."""
        self.store.close()
        self._items.clear()
        self._alls.clear()

    def _remember(self, memo_key: Tuple[str, str], raw: bytes, item: Any) -> None:
        if not self._memo_enabled:
            return
        if len(self._items) >= _MEMO_LIMIT:
            with self._memo_lock:
                self._items.clear()
        self._items[memo_key] = (raw, item)


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

    :param url: the Redis URL (``redis://[[user][:password]@]host[:port][/db]``, ``unix://``)
    :param prefix: key prefix; None or "" means ``launchdarkly``
    :param max_connections: connection pool size (used, unlike in the SDK)
    :param caching: the SDK's CacheConfig; libldredis does the caching
    :param redis_opts: for drop-in use: ``max_connections``, ``password``, ``username``, ``db``,
      ``socket_timeout``, ``socket_connect_timeout`` are honoured; any other key raises
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
