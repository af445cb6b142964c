"""ldredis: LaunchDarkly's Redis persistent feature store (libldredis) for Python.

::

    import ldredis

    with ldredis.Store("redis://localhost:6379/0", cache_ttl=30) as store:
        store.init({"flags": {"f": {"key": "f", "version": 1, "on": True}}, "segments": {}})
        flag = store.get(ldredis.FEATURES, "f")  # a dict, or None when missing or deleted

``ldredis.launchdarkly`` adapts the store to the LaunchDarkly Python SDK (imported only there).
The shared library is the one bundled in the wheel, else ``$LDREDIS_LIBRARY``, else the
system loader's (see ``_lib``). Log lines (store started, Redis unavailable and back, write-back
results) go to ``logging.getLogger("ldredis")``.
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
from ._store import FEATURES, SEGMENTS, JSONInput, Kind, KindName, Status, StatusListener, Store

# Written from the repository's VERSION by scripts/set-version.sh; pyproject.toml reads it.
__version__ = "1.0.0"

__all__ = [
    "Store",
    "EvaluationDetail",
    "Status",
    "StatusListener",
    "Kind",
    "KindName",
    "FEATURES",
    "SEGMENTS",
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
