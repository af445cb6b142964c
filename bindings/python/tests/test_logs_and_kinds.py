"""Issue 14: the library's log lines in the ``ldredis`` logger (start, outage, back), never a
password; kinds as names (``ldredis.FEATURES``/``SEGMENTS``, "flags" is "features")."""

from __future__ import annotations

import logging
import os
import typing
import uuid

import pytest

import ldredis
from conftest import wait_for

SECRET = "pyl0g-s3cret"


def _lines(caplog: pytest.LogCaptureFixture) -> "list[tuple[int, str]]":
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "ldredis"]


def test_start_outage_and_recovery_are_logged(own_redis, caplog):
    caplog.set_level(logging.DEBUG, logger="ldredis")
    prefix = "logs-" + uuid.uuid4().hex[:8]
    server = f"redis://127.0.0.1:{own_redis.port}/0 prefix={prefix}"
    with ldredis.Store(own_redis.url, prefix, cache_ttl=30, connect_timeout=0.5) as s:
        assert _lines(caplog)[0] == (logging.INFO, f"store started: {server}, cache TTL 30000 ms")
        own_redis.stop()
        with pytest.raises(ldredis.UnavailableError):
            s.get(ldredis.FEATURES, "missing")
        assert wait_for(lambda: any(lvl == logging.WARNING for lvl, _ in _lines(caplog)))
        warnings = [m for lvl, m in _lines(caplog) if lvl == logging.WARNING]
        assert len(warnings) == 1
        assert warnings[0].startswith(f"Redis is unavailable ({server}): cannot connect")
        own_redis.start()  # same port
        assert wait_for(lambda: any("available again" in m for _, m in _lines(caplog)))
        back = [(lvl, m) for lvl, m in _lines(caplog) if "available again" in m]
        assert back[0][0] == logging.INFO
        assert back[0][1].startswith(f"Redis is available again ({server}); ")
        assert "needs refresh" in back[0][1]
    assert any(m == f"store closed ({server})" for lvl, m in _lines(caplog) if lvl == logging.DEBUG)


def test_log_lines_never_hold_the_password(caplog):
    caplog.set_level(logging.DEBUG, logger="ldredis")
    with ldredis.Store(f"redis://user:{SECRET}@127.0.0.1:1/0", connect_timeout=0.3) as s:
        with pytest.raises(ldredis.UnavailableError):
            s.get(ldredis.FEATURES, "f")
        assert wait_for(lambda: len(_lines(caplog)) >= 2)
    lines = _lines(caplog)
    assert lines[0][1].startswith("store started: redis://user:xxxxx@127.0.0.1:1/0 ")
    assert all(SECRET not in m for _, m in lines), lines


def test_nothing_below_the_loggers_level_is_emitted(down_url_store_lines):
    assert down_url_store_lines == []


@pytest.fixture
def down_url_store_lines(caplog):
    caplog.set_level(logging.ERROR, logger="ldredis")
    with ldredis.Store("redis://127.0.0.1:1/0"):
        pass
    return _lines(caplog)


def test_kind_names_are_constants_and_a_literal_type():
    assert ldredis.FEATURES == "features"
    assert ldredis.SEGMENTS == "segments"
    assert set(typing.get_args(ldredis.KindName)) == {"features", "segments", "flags"}
    hints = typing.get_type_hints(ldredis.Store.get)
    assert hints["kind"] == ldredis.Kind


def test_flags_is_the_features_kind(url, prefix, redis):
    with ldredis.Store(url, prefix, cache_ttl=0) as s:
        s.init({"flags": {"a": {"key": "a", "version": 1}}, "segments": {}})
        assert s.get("flags", "a") == {"key": "a", "version": 1}
        assert s.get(ldredis.FEATURES, "a") == {"key": "a", "version": 1}
        assert s.upsert("flags", "b", {"key": "b", "version": 1}) is True
        assert sorted(s.all(ldredis.FEATURES)) == ["a", "b"]
        assert s.delete("flags", "a", 2) is True
        assert s.get(ldredis.FEATURES, "a") is None
        assert s.all(ldredis.SEGMENTS) == {}
    assert redis.cmd("EXISTS", f"{prefix}:flags") == 0


def test_a_misspelt_kind_fails_type_checking(tmp_path):
    """Kind is a Literal: mypy accepts the constants, "flags" and an SDK kind, refuses a typo."""
    mypy_api = pytest.importorskip("mypy.api")
    good = tmp_path / "good.py"
    good.write_text(
        "import ldredis\n"
        "def f(s: ldredis.Store) -> None:\n"
        "    s.get(ldredis.FEATURES, 'a')\n"
        "    s.get(ldredis.SEGMENTS, 'a')\n"
        "    s.get('features', 'a')\n"
        "    s.all('flags')\n"
    )
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import ldredis\n"
        "def f(s: ldredis.Store) -> None:\n"
        "    s.get('feature', 'a')\n"
    )
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env_path = os.environ.get("MYPYPATH")
    os.environ["MYPYPATH"] = package_root
    try:
        flags = ["--no-incremental", "--ignore-missing-imports", "--follow-imports=silent"]
        out, _, status = mypy_api.run([*flags, str(good)])
        assert status == 0, out
        out, _, status = mypy_api.run([*flags, str(bad)])
        assert status != 0 and "Literal['feature']" in out, out
    finally:
        if env_path is None:
            os.environ.pop("MYPYPATH", None)
        else:
            os.environ["MYPYPATH"] = env_path
