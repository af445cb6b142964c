"""ldredis: LaunchDarkly's Redis persistent feature store (libldredis) for Python.

::

    import ldredis

    with ldredis.Store("redis://localhost:6379/0", cache_ttl=30) as store:
        store.init({"flags": {"f": {"key": "f", "version": 1, "on": True}}, "segments": {}})
        flag = store.get("features", "f")        # a dict, or None when missing or deleted

``ldredis.launchdarkly`` adapts the store to the LaunchDarkly Python SDK (imported only there).
The shared library is found through ``$LDREDIS_LIBRARY`` or the system loader (see ``_lib``).
"""

from ._errors import (
    BusyError,
    ClosedError,
    ConflictError,
    Error,
    InternalError,
    InvalidArgumentError,
    MalformedDataError,
    RedisError,
    RedisTimeoutError,
    UnavailableError,
)
from ._evaluation import EvaluationDetail
from ._lib import path as library_path
from ._lib import version as library_version
from ._store import JSONInput, Kind, Status, StatusListener, Store

# Written from the repository's VERSION by scripts/set-version.sh; pyproject.toml reads it.
__version__ = "1.0.0"

__all__ = [
    "Store",
    "EvaluationDetail",
    "Status",
    "StatusListener",
    "Kind",
    "JSONInput",
    "Error",
    "InvalidArgumentError",
    "UnavailableError",
    "RedisTimeoutError",
    "RedisError",
    "MalformedDataError",
    "ConflictError",
    "InternalError",
    "BusyError",
    "ClosedError",
    "library_path",
    "library_version",
    "__version__",
]
