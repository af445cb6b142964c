"""Every function of ldredis.h is declared once in _lib, and every status code has a class."""

from __future__ import annotations

import os
import re

import pytest

from ldredis import _errors, _lib


def _header() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [
        os.path.join(os.path.dirname(os.path.dirname(_lib.path)), "include", "ldredis.h"),
        os.path.join(here, "..", "..", "..", "include", "ldredis.h"),
    ]
    for path in candidates:
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                return f.read()
    pytest.skip("ldredis.h not found next to the library or in the source tree")


def _without_comments(text: str) -> str:
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def test_every_header_function_is_declared():
    functions = set(re.findall(r"\b(ldredis_\w+)\s*\(", _without_comments(_header())))
    functions.discard("ldredis_status_fn")  # the callback types: (*ldredis_status_fn)(...)
    functions.discard("ldredis_log_fn")
    assert functions, "no functions found in ldredis.h"
    assert sorted(functions - set(_lib._SIGNATURES)) == []
    assert sorted(set(_lib._SIGNATURES) - functions) == []


def test_every_header_status_has_its_exception_class():
    statuses = {int(v) for v in re.findall(r"LDREDIS_ERR_\w+\s*=\s*(-\d+)",
                                           _without_comments(_header()))}
    assert statuses
    for status in statuses:
        assert type(_errors.error_for(status, "m")) is not _errors.Error, status
