"""Redis Cluster through the Python binding: ``Store(cluster_nodes=...)`` and the drop-in
(``ldredis.launchdarkly``) through a ``redis-cluster://`` URL, against a throwaway cluster of 3
masters and 3 replicas (scripts/redis-cluster.sh, stopped by pid). The data lands at go-redis's
``{ld}.`` keys."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from typing import Iterator, List

import pytest

import ldredis

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts",
                      "redis-cluster.sh")


class Cluster:
    __test__ = False

    def __init__(self, url: str, nodes: List[str]) -> None:
        self.url, self.nodes = url, nodes

    def cli(self, *args: str) -> str:
        """redis-cli -c (follows redirections) on the first node."""
        host, port = self.nodes[0].rsplit(":", 1)
        out = subprocess.run(["redis-cli", "-c", "-h", host, "-p", port, "--raw", *args],
                             check=True, capture_output=True, text=True, timeout=30).stdout
        return out[:-1] if out.endswith("\n") else out


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        pytest.skip("redis-server / redis-cli is not installed")
    top = tempfile.mkdtemp(prefix="ldredis-pytest-cluster-")
    directory = os.path.join(top, "c")
    try:
        started = subprocess.run(["bash", SCRIPT, "start", directory], capture_output=True,
                                 text=True, timeout=180)
        if started.returncode != 0:
            pytest.fail(f"could not start a cluster: {started.stderr}")
        url = started.stdout.strip()
        yield Cluster(url, url[len("redis-cluster://"):].split(","))
    finally:
        subprocess.run(["bash", SCRIPT, "stop", directory], timeout=60)
        shutil.rmtree(top, ignore_errors=True)


def unique() -> str:
    return "pc" + uuid.uuid4().hex[:8]


DATA = {
    "flags": {"f1": {"key": "f1", "version": 1, "on": True}},
    "segments": {"s1": {"key": "s1", "version": 2}},
}


@pytest.mark.parametrize("cache_ttl", [0, 30, None])
def test_cluster_nodes_every_operation_at_the_ld_keys(cluster, cache_ttl):
    prefix = unique()
    with ldredis.Store(prefix=prefix, cache_ttl=cache_ttl,
                       cluster_nodes=["127.0.0.1:1", cluster.nodes[1]], connect_timeout=1) as s:
        assert s.initialized is False
        s.init(DATA)
        assert s.initialized is True
        assert s.get("features", "f1")["version"] == 1
        assert s.upsert("features", "f1", {"key": "f1", "version": 2}) is True
        assert s.upsert("features", "f1", {"key": "f1", "version": 1}) is False
        assert set(s.all("segments")) == {"s1"}
        assert s.delete("features", "f1", 3) is True
        assert s.get("features", "f1") is None
        assert '"version":3' in cluster.cli("HGET", "{ld}." + prefix + ":features", "f1")
        d = s.describe()
        assert d["mode"] == "cluster"
        assert d["features_key"] == "{ld}." + prefix + ":features"
        assert d["cluster_nodes"] == "127.0.0.1:1," + cluster.nodes[1]
        assert d["master"].startswith("127.0.0.1:")
        assert s.stats()["slot_map_refreshes"] >= 1


def test_cluster_nodes_must_be_a_list_and_the_database_0(cluster):
    with pytest.raises(TypeError):
        ldredis.Store(cluster_nodes="127.0.0.1:7000")
    with pytest.raises(ldredis.InvalidArgumentError, match="database"):
        ldredis.Store(cluster_nodes=[cluster.nodes[0]], database=1)
    with pytest.raises(ldredis.InvalidArgumentError, match="database 0"):
        ldredis.Store(cluster.url + "/2")


def test_the_drop_in_through_a_redis_cluster_url(cluster):
    pytest.importorskip("ldclient", reason="launchdarkly-server-sdk is not installed")
    from ldclient.feature_store import CacheConfig
    from ldclient.versioned_data_kind import FEATURES, SEGMENTS

    from ldredis import launchdarkly as ldr

    prefix = unique()
    for caching in (CacheConfig.disabled(), CacheConfig.default()):
        store = ldr.new_feature_store(url=cluster.url, prefix=prefix, caching=caching)
        try:
            store.init({FEATURES: {"foo": {"key": "foo", "version": 10}},
                        SEGMENTS: {"seg": {"key": "seg", "version": 1}}})
            assert store.initialized
            assert store.get(FEATURES, "foo")["version"] == 10
            store.upsert(FEATURES, {"key": "foo", "version": 11})
            assert store.get(FEATURES, "foo")["version"] == 11
            store.delete(FEATURES, "foo", 12)
            assert store.get(FEATURES, "foo") is None
            assert '"version":12' in cluster.cli("HGET", "{ld}." + prefix + ":features", "foo")
        finally:
            store.close()
    big = ldr.new_big_segment_store(url=cluster.url, prefix=prefix)
    try:
        cluster.cli("SET", "{ld}." + prefix + ":big_segments_synchronized_on", "1700000000123")
        cluster.cli("SADD", "{ld}." + prefix + ":big_segment_include:h1", "seg1")
        assert big.get_metadata().last_up_to_date == 1700000000123
        assert big.get_membership("h1") == {"seg1": True}
    finally:
        big.stop()
