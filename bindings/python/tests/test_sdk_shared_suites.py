"""The LaunchDarkly Python SDK's own shared test suites, run with the SDK's Redis factories
replaced by ours.

The suites (``ldclient/testing/integrations/persistent_feature_store_test_base.py`` and
``big_segment_store_test_base.py``) ship in the SDK's source distribution, not in its wheel:
``sdk_testing_package`` downloads the sdist of the installed SDK version from PyPI (the
registry this project may reach), unpacks its ``ldclient/testing`` next to the installed
``ldclient`` and imports the suites from there. Nothing of the SDK is copied into this repository.
Their testers point at this session's throwaway redis-server instead of localhost:6379, and
run a second time against a TLS-only redis-server that requires a client certificate, with the
TLS settings given as the redis-py ``redis_opts`` keys (``ssl_ca_certs``, ``ssl_certfile``,
``ssl_keyfile``, ``ssl_cert_reqs``) that SDK users pass today.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
from typing import Any, Dict, List

import pytest

ldclient = pytest.importorskip("ldclient", reason="launchdarkly-server-sdk is not installed")
redis_py = pytest.importorskip("redis", reason="redis-py is not installed")


def sdk_testing_package() -> str:
    """Makes ``ldclient.testing`` importable from the installed SDK version's sdist."""
    from importlib.metadata import version

    sdk_version = version("launchdarkly-server-sdk")
    cache = os.path.join(tempfile.gettempdir(), f"ldredis-sdk-sdist-{sdk_version}")
    root = os.path.join(cache, f"launchdarkly_server_sdk-{sdk_version}")
    if not os.path.isdir(os.path.join(root, "ldclient", "testing", "integrations")):
        os.makedirs(cache, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--no-binary", ":all:", "--dest", cache,
                        f"launchdarkly-server-sdk=={sdk_version}"], check=True)
        archive = os.path.join(cache, f"launchdarkly_server_sdk-{sdk_version}.tar.gz")
        with tarfile.open(archive) as tar:
            members = [m for m in tar.getmembers() if "/ldclient/testing/" in m.name]
            tar.extractall(cache, members=members)
    testing_parent = os.path.join(root, "ldclient")
    if testing_parent not in ldclient.__path__:
        ldclient.__path__.append(testing_parent)
    return sdk_version


SDK_VERSION = sdk_testing_package()

from ldclient.impl.integrations.redis.redis_big_segment_store import _RedisBigSegmentStore  # noqa: E402
from ldclient.interfaces import BigSegmentStoreMetadata  # noqa: E402
from ldclient.testing.integrations.big_segment_store_test_base import (  # noqa: E402
    BigSegmentStoreTestBase,
    BigSegmentStoreTester,
)
from ldclient.testing.integrations.persistent_feature_store_test_base import (  # noqa: E402
    PersistentFeatureStoreTestBase,
    PersistentFeatureStoreTester,
)

from ldredis.launchdarkly import Redis  # noqa: E402  (ours, in place of ldclient.integrations.Redis)

class _Target:
    """A server the testers point at: its URL, and the redis_opts that reach it (given to our
    factories and to the redis-py client that sets up and clears data)."""

    def __init__(self) -> None:
        self.url = ""
        self.redis_opts: Dict[str, Any] = {}

    def client(self):
        return redis_py.Redis.from_url(self.url, **self.redis_opts)


_PLAIN = _Target()
_TLS = _Target()


@pytest.fixture(scope="session", autouse=True)
def point_testers_at_the_session_server(redis_server):
    _PLAIN.url = redis_server.url
    yield


@pytest.fixture(scope="class")
def point_tls_testers_at_the_mtls_server(mtls_redis_server, tls_files):
    _TLS.url = mtls_redis_server.url
    _TLS.redis_opts = {"ssl_ca_certs": tls_files.ca, "ssl_certfile": tls_files.client_cert,
                       "ssl_keyfile": tls_files.client_key, "ssl_cert_reqs": "required"}
    yield


def _clear(target, prefix):
    r = target.client()
    for key in r.keys("%s:*" % (prefix or Redis.DEFAULT_PREFIX)):
        r.delete(key)
    r.close()


class LDRedisFeatureStoreTester(PersistentFeatureStoreTester):
    target = _PLAIN

    def create_persistent_feature_store(self, prefix, caching):
        return Redis.new_feature_store(url=self.target.url, prefix=prefix, caching=caching,
                                       redis_opts=self.target.redis_opts)

    def clear_data(self, prefix):
        _clear(self.target, prefix)

    def write_raw_item(self, prefix, kind, key, item):
        self.target.client().hset("%s:%s" % (prefix or Redis.DEFAULT_PREFIX, kind.namespace), key,
                                  json.dumps(item))


class LDRedisBigSegmentStoreTester(BigSegmentStoreTester):
    target = _PLAIN

    def create_big_segment_store(self, prefix):
        return Redis.new_big_segment_store(url=self.target.url, prefix=prefix,
                                           redis_opts=self.target.redis_opts)

    def clear_data(self, prefix):
        _clear(self.target, prefix)

    def set_metadata(self, prefix: str, metadata: BigSegmentStoreMetadata):
        self.target.client().set(
            (prefix or Redis.DEFAULT_PREFIX) + _RedisBigSegmentStore.KEY_LAST_UP_TO_DATE,
            "" if metadata.last_up_to_date is None else str(metadata.last_up_to_date))

    def set_segments(self, prefix: str, user_hash: str, includes: List[str], excludes: List[str]):
        r = self.target.client()
        prefix = prefix or Redis.DEFAULT_PREFIX
        for ref in includes:
            r.sadd(prefix + _RedisBigSegmentStore.KEY_USER_INCLUDE + user_hash, ref)
        for ref in excludes:
            r.sadd(prefix + _RedisBigSegmentStore.KEY_USER_EXCLUDE + user_hash, ref)


class TestSDKPersistentFeatureStoreSuiteOnLDRedis(PersistentFeatureStoreTestBase):
    @property
    def tester_class(self):
        return LDRedisFeatureStoreTester


class TestSDKBigSegmentStoreSuiteOnLDRedis(BigSegmentStoreTestBase):
    @property
    def tester_class(self):
        return LDRedisBigSegmentStoreTester


class LDRedisFeatureStoreTLSTester(LDRedisFeatureStoreTester):
    target = _TLS


class LDRedisBigSegmentStoreTLSTester(LDRedisBigSegmentStoreTester):
    target = _TLS


@pytest.mark.usefixtures("point_tls_testers_at_the_mtls_server")
class TestSDKPersistentFeatureStoreSuiteOnLDRedisOverTLS(PersistentFeatureStoreTestBase):
    @property
    def tester_class(self):
        return LDRedisFeatureStoreTLSTester


@pytest.mark.usefixtures("point_tls_testers_at_the_mtls_server")
class TestSDKBigSegmentStoreSuiteOnLDRedisOverTLS(BigSegmentStoreTestBase):
    @property
    def tester_class(self):
        return LDRedisBigSegmentStoreTLSTester
