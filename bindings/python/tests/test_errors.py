"""The exception hierarchy, and each class raised by a real failure."""

from __future__ import annotations

import os

import pytest

import ldredis
from conftest import run_threads
from ldredis import _errors, _lib

REPOSITORY_VERSION = os.path.join(os.path.dirname(__file__), "..", "..", "..", "VERSION")


def test_the_hierarchy():
    assert issubclass(ldredis.InvalidArgumentError, ldredis.Error)
    assert issubclass(ldredis.InvalidArgumentError, ValueError)
    assert issubclass(ldredis.RedisTimeoutError, ldredis.UnavailableError)
    assert not issubclass(ldredis.RedisTimeoutError, TimeoutError)
    # A full pool is back-pressure, not an outage: not an UnavailableError (nor a timeout).
    assert not issubclass(ldredis.BusyError, ldredis.UnavailableError)
    assert not issubclass(ldredis.BusyError, TimeoutError)
    for cls in (ldredis.UnavailableError, ldredis.RedisError, ldredis.MalformedDataError,
                ldredis.ConflictError, ldredis.InternalError, ldredis.BusyError,
                ldredis.ClosedError):
        assert issubclass(cls, ldredis.Error)
    assert issubclass(ldredis.Error, Exception)


@pytest.mark.parametrize("status,cls,name", [
    (-1, ldredis.InvalidArgumentError, "LDREDIS_ERR_INVALID_ARGUMENT"),
    (-2, ldredis.UnavailableError, "LDREDIS_ERR_UNAVAILABLE"),
    (-3, ldredis.RedisTimeoutError, "LDREDIS_ERR_TIMEOUT"),
    (-4, ldredis.RedisError, "LDREDIS_ERR_REDIS"),
    (-5, ldredis.MalformedDataError, "LDREDIS_ERR_MALFORMED"),
    (-6, ldredis.ConflictError, "LDREDIS_ERR_CONFLICT"),
    (-7, ldredis.InternalError, "LDREDIS_ERR_INTERNAL"),
    (-8, ldredis.BusyError, "LDREDIS_ERR_BUSY"),
])
def test_each_status_maps_to_its_class_and_the_library_names_it(status, cls, name):
    e = _errors.error_for(status, "msg")
    assert type(e) is cls and e.status == status and str(e) == "msg"
    assert _lib.status_name(status) == name


def test_an_unknown_status_maps_to_the_base_class():
    e = _errors.error_for(-99, "odd")
    assert type(e) is ldredis.Error and e.status == -99
    assert _lib.status_name(-99) == "unknown status"
    assert _lib.status_name(0) == "LDREDIS_OK" and _lib.status_name(1) == "LDREDIS_NOT_FOUND"


def test_the_message_is_the_library_last_error_of_the_calling_thread(url):
    with ldredis.Store(url, cache_ttl=0) as s:
        with pytest.raises(ldredis.InvalidArgumentError) as e:
            s.upsert("features", "k", "{not json")
        assert "json" in str(e.value).lower() or "JSON" in str(e.value)

        other = []
        run_threads(lambda: other.append(_lib.last_error()), timeout=10)
        assert other == [""]  # thread-local: nothing failed on that thread


def test_a_redis_error_reply_is_a_redis_error(url, redis, prefix):
    redis.cmd("SET", f"{prefix}:features", "a string, not a hash")
    with ldredis.Store(url, prefix, cache_ttl=0) as s:
        with pytest.raises(ldredis.RedisError) as e:
            s.get("features", "k")
        assert e.value.status == -4
        assert "WRONGTYPE" in str(e.value)


def test_use_after_close_is_closed_error(url):
    s = ldredis.Store(url)
    s.close()
    with pytest.raises(ldredis.ClosedError, match="closed"):
        s.get("features", "k")


def test_the_versions_are_the_repository_s():
    """The package and the library under test both report the version in VERSION."""
    with open(REPOSITORY_VERSION, encoding="ascii") as f:
        version = f.read().strip()
    assert ldredis.__version__ == version
    assert ldredis.library_version == version
    assert ldredis.library_version.split(".")[0] == str(_lib.REQUIRED_MAJOR)
