"""The exception hierarchy, one class per C status (see ``ldredis_status`` in ldredis.h)."""

from __future__ import annotations

from typing import Dict, Optional, Type

# Status codes, as in include/ldredis.h (enum ldredis_status).
OK = 0
NOT_FOUND = 1
ERR_INVALID_ARGUMENT = -1
ERR_UNAVAILABLE = -2
ERR_TIMEOUT = -3
ERR_REDIS = -4
ERR_MALFORMED = -5
ERR_CONFLICT = -6
ERR_INTERNAL = -7
ERR_BUSY = -8


class Error(Exception):
    """Base class of every ldredis error.

    ``status`` is the C status code (a negative ``LDREDIS_ERR_*`` value), or None for errors
    raised by the binding itself (use after close); ``str(e)`` is the library's message
    (``ldredis_last_error()``), passwords redacted.
    """

    status: Optional[int]

    def __init__(self, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.status = status


class InvalidArgumentError(Error, ValueError):
    """LDREDIS_ERR_INVALID_ARGUMENT: bad JSON, bad version, bad URL, bad setting..."""


class UnavailableError(Error):
    """LDREDIS_ERR_UNAVAILABLE: an outage: cannot connect to Redis, the connection was lost, or
    Redis is loading its data (LOADING). Also raised at once, without asking Redis, by a read
    the cache cannot answer while the store is unavailable and ``fail_fast`` is on."""


class RedisTimeoutError(UnavailableError):
    """LDREDIS_ERR_TIMEOUT: Redis did not answer within the operation timeout.

    A subclass of :class:`UnavailableError` (a stalled server is an unavailable one); named so
    that it does not shadow the builtin ``TimeoutError``.
    """


class RedisError(Error):
    """LDREDIS_ERR_REDIS: Redis answered with an error reply (WRONGTYPE, OOM, a script
    error...). Not an outage: the store's status does not change."""


class MalformedDataError(Error):
    """LDREDIS_ERR_MALFORMED: the value stored in Redis is not a valid item."""


class ConflictError(Error):
    """LDREDIS_ERR_CONFLICT: an upsert in WATCH mode lost 10 races in a row."""


class InternalError(Error):
    """LDREDIS_ERR_INTERNAL: out of memory, or a bug in ldredis."""


class BusyError(Error):
    """LDREDIS_ERR_BUSY: no pooled connection became free within the operation timeout.

    Back-pressure (too many concurrent calls for ``pool_size``), not an outage: Redis may be
    healthy and the store's status does not change. Deliberately *not* a subclass of
    :class:`UnavailableError` (nor of :class:`RedisTimeoutError`, which is one): code that
    treats ``except UnavailableError`` as "Redis is down" must not see a full pool as an
    outage. Catch it on its own, or catch :class:`Error`.
    """


class ClosedError(Error):
    """The store was used after :meth:`ldredis.Store.close` (``status`` is None)."""


_BY_STATUS: Dict[int, Type[Error]] = {
    ERR_INVALID_ARGUMENT: InvalidArgumentError,
    ERR_UNAVAILABLE: UnavailableError,
    ERR_TIMEOUT: RedisTimeoutError,
    ERR_REDIS: RedisError,
    ERR_MALFORMED: MalformedDataError,
    ERR_CONFLICT: ConflictError,
    ERR_INTERNAL: InternalError,
    ERR_BUSY: BusyError,
}


def error_for(status: int, message: str) -> Error:
    """The exception for a negative C status (unknown codes give the base class)."""
    return _BY_STATUS.get(status, Error)(message, status)
