"""Importing: finding the library, the version check, one ImportError listing what was tried,
and the LaunchDarkly SDK staying optional."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

import ldredis

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)


def run_python(code: str, **env_overrides: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = PACKAGE_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    for k, v in env_overrides.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=60)


def test_import_ldredis_does_not_import_the_sdk():
    r = run_python("""
        import sys, ldredis
        assert "ldclient" not in sys.modules, "ldredis imported ldclient"
        print("ok")
    """)
    assert r.returncode == 0, r.stderr
    assert "ok" in r.stdout


def test_ldredis_launchdarkly_without_the_sdk_is_a_clear_import_error():
    r = run_python("""
        import sys
        sys.modules["ldclient"] = None  # as if not installed
        import ldredis
        try:
            import ldredis.launchdarkly
        except ImportError as e:
            print("IMPORTERROR:", e)
    """)
    assert r.returncode == 0, r.stderr
    assert "IMPORTERROR:" in r.stdout
    assert "pip install launchdarkly-server-sdk" in r.stdout


def test_a_missing_library_is_one_import_error_listing_what_was_tried(tmp_path):
    missing = str(tmp_path / "nope" / "libldredis.so")
    r = run_python("import ldredis", LDREDIS_LIBRARY=missing)
    assert r.returncode != 0
    assert [line for line in r.stderr.splitlines() if line.startswith("ImportError:")] != []
    assert "During handling" not in r.stderr  # one error, not a chain
    assert missing in r.stderr and "$LDREDIS_LIBRARY" in r.stderr


def test_without_ldredis_library_the_system_loader_is_tried(tmp_path):
    r = run_python("import ldredis", LDREDIS_LIBRARY=None, LD_LIBRARY_PATH=str(tmp_path))
    if r.returncode == 0:
        pytest.skip("libldredis is installed system-wide")
    assert 'find_library("ldredis")' in r.stderr
    assert "libldredis.so.1" in r.stderr


def test_the_library_found_through_ld_library_path_loads():
    lib = os.environ["LDREDIS_LIBRARY"]
    r = run_python("import ldredis; print(ldredis.library_path, ldredis.library_version)",
                   LDREDIS_LIBRARY=None, LD_LIBRARY_PATH=os.path.dirname(lib))
    assert r.returncode == 0, r.stderr
    path, version = r.stdout.split()
    assert "libldredis.so" in path
    assert version == ldredis.library_version  # the library under test, not another copy


def test_a_library_with_another_major_version_is_refused(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to build a fake library")
    src = tmp_path / "fake.c"
    src.write_text('const char *ldredis_version(void) { return "2.0.0"; }\n')
    so = tmp_path / "libldredis.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(so), str(src)], check=True)
    r = run_python("import ldredis", LDREDIS_LIBRARY=str(so))
    assert r.returncode != 0
    assert "version '2.0.0'" in r.stderr and "needs 1.x" in r.stderr
