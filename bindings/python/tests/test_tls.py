"""TLS: ldredis.Store and the LaunchDarkly drop-in against TLS-only redis-servers (conftest:
``tls_redis_server`` asks no client certificate, ``mtls_redis_server`` requires one), with
certificates made at test time by the openssl CLI (conftest ``TLSFiles``)."""

from __future__ import annotations

import json
import os
import pathlib
import ssl
import time

import pytest

import ldredis
from conftest import RedisServer, TLSFiles

DATA = {
    "flags": {"f1": {"key": "f1", "version": 1, "on": True}},
    "segments": {"s1": {"key": "s1", "version": 2}},
}

# Short timeouts: every failure here must come well within them, never hang.
FAST = {"connect_timeout": 1.0, "operation_timeout": 1.0}
# Generous bound on how long a failing call may take (the timeouts above, plus slack for a
# loaded machine).
FAILS_WITHIN = 10.0


@pytest.fixture
def tls_url(tls_redis_server: RedisServer) -> str:
    tls_redis_server.client().cmd("FLUSHALL")
    return tls_redis_server.url


@pytest.fixture
def mtls_url(mtls_redis_server: RedisServer) -> str:
    mtls_redis_server.client().cmd("FLUSHALL")
    return mtls_redis_server.url


def exercise(store: ldredis.Store) -> None:
    """Every data operation, checked."""
    assert store.initialized is False
    store.init(DATA)
    assert store.initialized is True
    assert store.get("features", "f1") == DATA["flags"]["f1"]
    assert store.get("features", "missing") is None
    assert store.all("segments") == DATA["segments"]
    assert store.upsert("features", "f1", {"key": "f1", "version": 2}) is True
    assert store.upsert("features", "f1", {"key": "f1", "version": 1}) is False
    assert store.get("features", "f1") == {"key": "f1", "version": 2}
    assert store.delete("features", "f1", 3) is True
    assert store.get("features", "f1") is None
    assert store.all("features") == {}
    assert store.available() is True
    assert store.status().available is True


def unavailable(store: ldredis.Store) -> ldredis.UnavailableError:
    """The error of a get on a store that cannot connect; it must come within FAILS_WITHIN."""
    started = time.monotonic()
    with pytest.raises(ldredis.UnavailableError) as e:
        store.get("features", "f1")
    assert time.monotonic() - started < FAILS_WITHIN
    return e.value


class TestStoreOverTLS:
    @pytest.mark.parametrize("cache_ttl", [0, 15, None], ids=["cache-off", "ttl", "infinite"])
    def test_every_operation_with_the_ca(self, tls_url, tls_files, prefix, cache_ttl):
        with ldredis.Store(tls_url, prefix, cache_ttl=cache_ttl,
                           tls_ca_file=tls_files.ca) as store:
            exercise(store)

    def test_what_is_written_over_tls_is_in_redis(self, tls_url, tls_files, tls_redis_server,
                                                  prefix):
        with ldredis.Store(tls_url, prefix, tls_ca_file=tls_files.ca) as store:
            store.init(DATA)
        raw = tls_redis_server.client().cmd("HGET", f"{prefix}:features", "f1")
        assert json.loads(raw) == DATA["flags"]["f1"]

    def test_describe_shows_tls_and_no_key_material(self, tls_url, tls_files, mtls_url, prefix):
        with ldredis.Store(mtls_url, prefix, tls_ca_file=tls_files.ca,
                           tls_cert_file=tls_files.client_cert,
                           tls_key_file=tls_files.client_key) as store:
            exercise(store)
            d = store.describe()
        assert d["tls"] == "on" and d["tls_verify"] == "on"
        text = json.dumps(d)
        with open(tls_files.client_key) as f:
            key_lines = [line for line in f.read().splitlines() if line and "-----" not in line]
        assert key_lines and not any(line in text for line in key_lines)
        with ldredis.Store("redis://127.0.0.1:1/0") as plain:
            assert plain.describe()["tls"] == "off"

    def test_paths_may_be_path_objects_or_bytes(self, tls_url, tls_files, prefix):
        with ldredis.Store(tls_url, prefix, tls_ca_file=pathlib.Path(tls_files.ca)) as store:
            store.init(DATA)
        with ldredis.Store(tls_url, prefix, tls_ca_file=os.fsencode(tls_files.ca)) as store:
            assert store.initialized is True

    def test_tls_true_turns_tls_on_for_a_redis_url(self, tls_redis_server, tls_files, prefix):
        url = tls_redis_server.url.replace("rediss://", "redis://")
        with ldredis.Store(url, prefix, tls=True, tls_ca_file=tls_files.ca) as store:
            assert store.describe()["tls"] == "on"
            exercise(store)

    def test_tls_false_turns_tls_off_for_a_rediss_url(self, url, redis_server, prefix):
        plain = redis_server.url.replace("redis://", "rediss://")
        with ldredis.Store(plain, prefix, tls=False) as store:
            assert store.describe()["tls"] == "off"
            exercise(store)

    def test_the_server_name_is_checked_instead_of_the_host(self, tls_url, tls_files, prefix):
        # The URL's host is 127.0.0.1 (an IP SAN of the certificate); "localhost" is its DNS SAN.
        with ldredis.Store(tls_url, prefix, tls_ca_file=tls_files.ca,
                           tls_server_name="localhost") as store:
            exercise(store)
        with ldredis.Store(tls_url, prefix, tls_ca_file=tls_files.ca,
                           tls_server_name="redis.invalid", **FAST) as store:
            e = unavailable(store)
        assert "redis.invalid" in str(e)

    def test_a_hostname_url_is_verified_against_the_dns_name(self, tls_redis_server, tls_files,
                                                             prefix):
        url = tls_redis_server.url.replace("127.0.0.1", "localhost")
        with ldredis.Store(url, prefix, tls_ca_file=tls_files.ca) as store:
            exercise(store)


class TestVerification:
    def test_a_wrong_ca_fails_with_certificate_verify_failed(self, tls_url, tls_files, prefix):
        with ldredis.Store(tls_url, prefix, tls_ca_file=tls_files.other_ca, **FAST) as store:
            e = unavailable(store)
            assert "certificate verify failed" in str(e)
            assert store.available() is False
            assert "certificate verify failed" in (store.status().last_error or "")

    def test_the_system_roots_do_not_trust_a_private_ca(self, tls_url, prefix):
        with ldredis.Store(tls_url, prefix, **FAST) as store:
            assert "certificate verify failed" in str(unavailable(store))

    def test_verify_off_connects_without_the_ca(self, tls_url, prefix):
        with ldredis.Store(tls_url, prefix, tls_verify=False) as store:
            assert store.describe()["tls_verify"] == "off"
            exercise(store)

    def test_verify_off_ignores_an_unrelated_ca_and_a_wrong_name(self, tls_url, tls_files,
                                                                 prefix):
        with ldredis.Store(tls_url, prefix, tls_verify=False, tls_ca_file=tls_files.other_ca,
                           tls_server_name="redis.invalid") as store:
            exercise(store)


class TestMutualTLS:
    def test_without_a_client_certificate_the_server_refuses(self, mtls_url, tls_files, prefix):
        with ldredis.Store(mtls_url, prefix, tls_ca_file=tls_files.ca, **FAST) as store:
            unavailable(store)
            assert store.available() is False

    def test_with_the_client_certificate_it_works(self, mtls_url, tls_files, prefix):
        with ldredis.Store(mtls_url, prefix, tls_ca_file=tls_files.ca,
                           tls_cert_file=tls_files.client_cert,
                           tls_key_file=tls_files.client_key) as store:
            exercise(store)


class TestMismatches:
    def test_a_plain_client_on_a_tls_port_fails_within_the_timeouts(self, tls_redis_server,
                                                                     prefix):
        url = tls_redis_server.url.replace("rediss://", "redis://")
        with ldredis.Store(url, prefix, **FAST) as store:
            started = time.monotonic()
            with pytest.raises(ldredis.UnavailableError):  # a timeout is one too
                store.get("features", "f1")
            assert time.monotonic() - started < FAILS_WITHIN

    def test_a_tls_client_on_a_plain_port_fails_within_the_timeouts(self, url, redis_server,
                                                                    prefix):
        tls_url = redis_server.url.replace("redis://", "rediss://")
        with ldredis.Store(tls_url, prefix, tls_verify=False, **FAST) as store:
            unavailable(store)


class TestSettings:
    def test_a_missing_ca_file_is_refused_when_the_store_is_created(self, tls_url, tls_files):
        missing = os.path.join(tls_files.dir, "no-such-ca.pem")
        with pytest.raises(ldredis.InvalidArgumentError, match="no-such-ca.pem"):
            ldredis.Store(tls_url, tls_ca_file=missing)

    def test_a_file_that_is_not_pem_is_refused(self, tls_url, tls_files, tmp_path):
        junk = tmp_path / "junk.pem"
        junk.write_text("not a certificate\n")
        for setting in ("tls_ca_file", "tls_cert_file"):
            kwargs = {setting: str(junk)}
            if setting == "tls_cert_file":
                kwargs["tls_key_file"] = tls_files.client_key
            with pytest.raises(ldredis.InvalidArgumentError, match="junk.pem"):
                ldredis.Store(tls_url, **kwargs)

    def test_a_key_that_does_not_match_the_certificate_is_refused(self, tls_url, tls_files):
        with pytest.raises(ldredis.InvalidArgumentError):
            ldredis.Store(tls_url, tls_cert_file=tls_files.client_cert,
                          tls_key_file=tls_files.server_key)

    @pytest.mark.parametrize("setting", ["tls_ca_file", "tls_cert_file", "tls_key_file",
                                         "tls_server_name"])
    def test_a_tls_setting_without_tls_is_refused(self, tls_files, setting):
        value = "localhost" if setting == "tls_server_name" else tls_files.ca
        if setting in ("tls_cert_file", "tls_key_file"):
            kwargs = {"tls_cert_file": tls_files.client_cert,
                      "tls_key_file": tls_files.client_key}
        else:
            kwargs = {setting: value}
        with pytest.raises(ldredis.InvalidArgumentError, match="TLS is off"):
            ldredis.Store("redis://127.0.0.1:1/0", **kwargs)
        with pytest.raises(ldredis.InvalidArgumentError, match="TLS is off"):
            ldredis.Store("rediss://127.0.0.1:1/0", tls=False, **kwargs)

    def test_path_arguments_are_checked(self):
        with pytest.raises(TypeError, match="tls_ca_file"):
            ldredis.Store("rediss://127.0.0.1:1/0", tls_ca_file=5)
        with pytest.raises(ldredis.InvalidArgumentError, match="NUL"):
            ldredis.Store("rediss://127.0.0.1:1/0", tls_ca_file="a\0b")
        with pytest.raises(ldredis.InvalidArgumentError, match="empty"):
            ldredis.Store("rediss://127.0.0.1:1/0", tls_ca_file="")
        with pytest.raises(ldredis.InvalidArgumentError, match="NUL"):
            ldredis.Store("rediss://127.0.0.1:1/0", tls_server_name="a\0b")


# ---- the LaunchDarkly drop-in --------------------------------------------------------------

ldclient = pytest.importorskip("ldclient", reason="launchdarkly-server-sdk is not installed")

from ldclient.feature_store import CacheConfig  # noqa: E402
from ldclient.versioned_data_kind import FEATURES, SEGMENTS  # noqa: E402

from ldredis import launchdarkly as ldr  # noqa: E402


def exercise_feature_store(store) -> None:
    try:
        store.init({FEATURES: {"f1": {"key": "f1", "version": 1, "on": True}},
                    SEGMENTS: {}})
        assert store.initialized is True
        assert store.get(FEATURES, "f1", lambda x: x).version == 1
        store.upsert(FEATURES, {"key": "f2", "version": 1})
        assert sorted(store.all(FEATURES, lambda x: x)) == ["f1", "f2"]
        store.delete(FEATURES, "f1", 2)
        assert store.get(FEATURES, "f1", lambda x: x) is None
        assert store.is_available() is True
    finally:
        store.close()


class TestDropIn:
    def test_rediss_with_ssl_ca_certs(self, tls_url, tls_files, prefix):
        store = ldr.new_feature_store(url=tls_url, prefix=prefix,
                                      redis_opts={"ssl_ca_certs": tls_files.ca})
        assert store.store.describe()["tls"] == "on"
        exercise_feature_store(store)

    def test_ssl_true_turns_tls_on_for_a_redis_url(self, tls_redis_server, tls_files, prefix):
        url = tls_redis_server.url.replace("rediss://", "redis://")
        store = ldr.new_feature_store(url=url, prefix=prefix, caching=CacheConfig.disabled(),
                                      redis_opts={"ssl": True, "ssl_ca_certs": tls_files.ca,
                                                  "ssl_cert_reqs": "required",
                                                  "ssl_check_hostname": True})
        exercise_feature_store(store)

    def test_mutual_tls_with_ssl_certfile_and_keyfile(self, mtls_url, tls_files, prefix):
        opts = {"ssl_ca_certs": tls_files.ca, "ssl_certfile": tls_files.client_cert,
                "ssl_keyfile": tls_files.client_key, "ssl_cert_reqs": ssl.CERT_REQUIRED}
        exercise_feature_store(ldr.new_feature_store(url=mtls_url, prefix=prefix,
                                                     redis_opts=opts))
        big = ldr.new_big_segment_store(url=mtls_url, prefix=prefix, redis_opts=opts)
        try:
            assert big.get_metadata().last_up_to_date is None
        finally:
            big.stop()

    @pytest.mark.parametrize("cert_reqs", ["none", None, ssl.CERT_NONE])
    def test_ssl_cert_reqs_none_turns_verification_off(self, tls_url, prefix, cert_reqs):
        store = ldr.new_feature_store(url=tls_url, prefix=prefix,
                                      redis_opts={"ssl_cert_reqs": cert_reqs,
                                                  "ssl_check_hostname": False})
        assert store.store.describe()["tls_verify"] == "off"
        exercise_feature_store(store)

    @pytest.mark.parametrize("cert_reqs", ["required", "optional", ssl.CERT_REQUIRED,
                                           ssl.CERT_OPTIONAL])
    def test_ssl_cert_reqs_required_or_optional_verifies(self, tls_url, tls_files, prefix,
                                                        cert_reqs):
        store = ldr.new_feature_store(url=tls_url, prefix=prefix, caching=CacheConfig.disabled(),
                                      redis_opts={"ssl_ca_certs": tls_files.other_ca,
                                                  "ssl_cert_reqs": cert_reqs}, **FAST)
        try:
            assert store.store.describe()["tls_verify"] == "on"
            with pytest.raises(ldredis.UnavailableError, match="certificate verify failed"):
                store.get(FEATURES, "f1", lambda x: x)
        finally:
            store.close()

    def test_ssl_check_hostname_false_while_verifying_is_refused(self, tls_url, tls_files):
        for opts in ({"ssl_check_hostname": False},
                     {"ssl_check_hostname": False, "ssl_cert_reqs": "required",
                      "ssl_ca_certs": tls_files.ca}):
            with pytest.raises(ldredis.InvalidArgumentError, match="tls_server_name"):
                ldr.new_feature_store(url=tls_url, redis_opts=opts)
        # tls_verify=False given as a keyword argument: nothing is checked, nothing to refuse
        store = ldr.new_feature_store(url=tls_url, redis_opts={"ssl_check_hostname": False},
                                      tls_verify=False)
        store.close()

    def test_ssl_false_does_not_turn_a_rediss_url_into_plain(self, tls_url, tls_files, prefix):
        store = ldr.new_feature_store(url=tls_url, prefix=prefix,
                                      redis_opts={"ssl": False, "ssl_ca_certs": tls_files.ca})
        assert store.store.describe()["tls"] == "on"
        exercise_feature_store(store)

    @pytest.mark.parametrize("key", ["ssl_ca_path", "ssl_ca_data", "ssl_password",
                                     "ssl_min_version", "ssl_ciphers", "ssl_validate_ocsp"])
    def test_an_unsupported_ssl_key_fails_loudly(self, tls_url, key):
        with pytest.raises(ldredis.InvalidArgumentError, match=key):
            ldr.new_feature_store(url=tls_url, redis_opts={key: "x"})
        with pytest.raises(ldredis.InvalidArgumentError, match=key):
            ldr.new_big_segment_store(url=tls_url, redis_opts={key: "x"})

    def test_a_bad_ssl_cert_reqs_fails_loudly(self, tls_url):
        with pytest.raises(ldredis.InvalidArgumentError, match="ssl_cert_reqs"):
            ldr.new_feature_store(url=tls_url, redis_opts={"ssl_cert_reqs": "sometimes"})

    def test_ssl_files_with_a_redis_url_fail_loudly(self, tls_files):
        # redis-py fails too (its plain connection takes no ssl_* argument).
        with pytest.raises(ldredis.InvalidArgumentError, match="TLS is off"):
            ldr.new_feature_store(url="redis://127.0.0.1:1/0",
                                  redis_opts={"ssl_ca_certs": tls_files.ca})

    def test_the_sdks_own_store_reads_what_ours_wrote_over_tls(self, tls_url, tls_files,
                                                                prefix):
        from ldclient.integrations import Redis as SDKRedis

        opts = {"ssl_ca_certs": tls_files.ca}
        ours = ldr.new_feature_store(url=tls_url, prefix=prefix, redis_opts=opts)
        theirs = SDKRedis.new_feature_store(url=tls_url, prefix=prefix, redis_opts=opts,
                                            caching=CacheConfig.disabled())
        try:
            ours.init({FEATURES: {"f1": {"key": "f1", "version": 4}}, SEGMENTS: {}})
            assert theirs.get(FEATURES, "f1", lambda x: x).version == 4
        finally:
            ours.close()
            theirs.close()


def test_tls_files_fixture_is_usable(tls_files: TLSFiles):
    """The certificates are what the other tests assume (guards the fixture itself)."""
    context = ssl.create_default_context(cafile=tls_files.ca)
    context.load_cert_chain(tls_files.client_cert, tls_files.client_key)
    other = ssl.create_default_context(cafile=tls_files.other_ca)
    assert context.cert_store_stats()["x509_ca"] == 1
    assert other.cert_store_stats()["x509_ca"] == 1
