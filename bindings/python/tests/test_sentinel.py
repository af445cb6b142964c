"""Redis Sentinel from Python: ``Store(url="redis-sentinel://...")``, the ``sentinels``
options and the LaunchDarkly drop-in, against a master, a replica and one sentinel started
here (stopped by pid), through a failover the test asks for."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from typing import Callable, Iterator, List

import pytest

import ldredis
from ldredis import launchdarkly as ld

from conftest import RedisServer, RespClient, free_port

MASTER = "ldmaster"


def wait_until(what: str, condition: Callable[[], bool], seconds: float = 60) -> None:
    """Polls every 50 ms; a generous bound (a failover takes seconds on a loaded machine)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting until {what}")


class SentinelSetup:
    """A master, its replica and one sentinel (quorum 1) on free loopback ports."""

    def __init__(self, password: "str | None" = None) -> None:
        self.master = RedisServer(extra_args=["--repl-diskless-sync-delay", "0"]).start()
        self.replica = RedisServer(extra_args=["--repl-diskless-sync-delay", "0", "--replicaof",
                                               "127.0.0.1", str(self.master.port)]).start()
        self.dir = tempfile.mkdtemp(prefix="ldredis-pytest-sentinel-")
        self.password = password
        self.proc: "subprocess.Popen[bytes] | None" = None
        for _attempt in range(20):
            self.port = free_port()
            conf = os.path.join(self.dir, "sentinel.conf")
            with open(conf, "w") as f:
                f.write(f"port {self.port}\nbind 127.0.0.1\ndir {self.dir}\n"
                        f"logfile {self.dir}/sentinel.log\n"
                        f"sentinel monitor {MASTER} 127.0.0.1 {self.master.port} 1\n"
                        f"sentinel down-after-milliseconds {MASTER} 1000\n"
                        f"sentinel failover-timeout {MASTER} 5000\n")
                if password:
                    f.write(f"requirepass {password}\n")
            self.proc = subprocess.Popen([shutil.which("redis-server") or "redis-server", conf,
                                          "--sentinel"], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
            try:
                wait_until("the sentinel answers", self._answers, seconds=5)
                break
            except AssertionError:
                self._stop_sentinel()
        wait_until("the sentinel knows the replica", lambda: str(self.replica.port).encode() in
                   repr(self.sentinel("SENTINEL", "REPLICAS", MASTER)).encode())
        # The master counts the replica online (writes wait for it to acknowledge them).
        wait_until("the replica is online", lambda: b"state=online" in
                   self.master.client().cmd("INFO", "replication"))

    def _answers(self) -> bool:
        if self.proc is None or self.proc.poll() is not None:
            raise AssertionError("the sentinel exited")
        try:
            self.sentinel("PING")
            return True
        except (OSError, RuntimeError):
            return False

    def sentinel(self, *args: str) -> object:
        c = RespClient(self.port, timeout=5)
        try:
            if self.password:
                c.cmd("AUTH", self.password)
            return c.cmd(*args)
        finally:
            c.close()

    @property
    def url(self) -> str:
        return f"redis-sentinel://127.0.0.1:{self.port}/{MASTER}"

    def _stop_sentinel(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)
        self.proc = None

    def cleanup(self) -> None:
        self._stop_sentinel()
        self.replica.cleanup()
        self.master.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def sentinel_setup() -> Iterator[SentinelSetup]:
    setup = SentinelSetup()
    yield setup
    setup.cleanup()


def test_url_finds_the_master_and_every_operation_works(sentinel_setup: SentinelSetup) -> None:
    store = ldredis.Store(sentinel_setup.url, "sent", cache_ttl=0)
    try:
        store.init({"features": {"f": {"key": "f", "version": 1}}, "segments": {}})
        assert store.get("features", "f")["version"] == 1
        assert store.upsert("features", "f", {"key": "f", "version": 2}) is True
        d = store.describe()
        assert d["mode"] == "sentinel"
        assert d["master"] == f"127.0.0.1:{sentinel_setup.master.port}"
        assert d["sentinel_master"] == MASTER
        raw = sentinel_setup.master.client().cmd("HGET", "sent:features", "f")
        assert b'"version":2' in raw
    finally:
        store.close()


def test_sentinels_option_and_its_errors(sentinel_setup: SentinelSetup) -> None:
    store = ldredis.Store(sentinels=[f"127.0.0.1:{sentinel_setup.port}"], sentinel_master=MASTER,
                          prefix="opt", cache_ttl=0)
    try:
        assert store.initialized is False
    finally:
        store.close()
    with pytest.raises(ldredis.InvalidArgumentError, match="master name"):
        ldredis.Store(sentinels=[f"127.0.0.1:{sentinel_setup.port}"])
    with pytest.raises(TypeError):
        ldredis.Store(sentinels="127.0.0.1:1", sentinel_master=MASTER)  # type: ignore[arg-type]
    with pytest.raises(ldredis.InvalidArgumentError, match="sentinel"):
        ldredis.Store(sentinels=["127.0.0.1:99999"], sentinel_master=MASTER)
    unknown = ldredis.Store(sentinels=[f"127.0.0.1:{sentinel_setup.port}"],
                            sentinel_master="nosuch", cache_ttl=0, connect_timeout=1)
    try:
        with pytest.raises(ldredis.UnavailableError, match="nosuch"):
            unknown.get("features", "f")
    finally:
        unknown.close()


def test_sentinel_password_is_used_and_never_shown() -> None:
    setup = SentinelSetup(password="sentinel-Pw-123")
    try:
        good = ldredis.Store(setup.url, "pw", cache_ttl=0, sentinel_password="sentinel-Pw-123")
        try:
            assert good.upsert("features", "f", {"key": "f", "version": 1}) is True
            assert "sentinel-Pw-123" not in repr(good.describe())
        finally:
            good.close()
        bad = ldredis.Store(setup.url, "pw", cache_ttl=0, sentinel_password="wrong-Pw-456")
        try:
            with pytest.raises(ldredis.UnavailableError) as info:
                bad.get("features", "f")
            assert "authentication" in str(info.value)
            assert "wrong-Pw-456" not in str(info.value)
        finally:
            bad.close()
    finally:
        setup.cleanup()


def test_drop_in_follows_a_failover(sentinel_setup: SentinelSetup) -> None:
    """The LaunchDarkly drop-in with a redis-sentinel:// URL: after SENTINEL FAILOVER, writes
    land on the promoted replica and nothing acknowledged is lost."""
    from ldclient.feature_store import CacheConfig
    from ldclient.versioned_data_kind import FEATURES

    store = ld.new_feature_store(url=sentinel_setup.url, prefix="dropin",
                                 caching=CacheConfig.disabled())
    try:
        store.init({FEATURES: {"f": {"key": "f", "version": 1}}})
        wait_until("SENTINEL FAILOVER is accepted",
                   lambda: _accepted(lambda: sentinel_setup.sentinel("SENTINEL", "FAILOVER", MASTER)))
        wait_until("the store follows the switch", lambda: store.store.describe()["master"]
                   == f"127.0.0.1:{sentinel_setup.replica.port}")
        acked: List[int] = []
        for version in range(2, 12):
            try:
                store.upsert(FEATURES, {"key": "f", "version": version})
                acked.append(version)
            except ldredis.Error:
                time.sleep(0.05)
        assert acked, "no upsert succeeded after the switch"
        raw = sentinel_setup.replica.client().cmd("HGET", "dropin:features", "f")
        assert f'"version":{acked[-1]}'.encode() in raw
        assert store.store.stats()["failovers"] >= 1
    finally:
        store.close()


def _accepted(call: Callable[[], object]) -> bool:
    try:
        return call() == "OK"
    except RuntimeError:
        return False
