"""JSON with orjson when it is importable (several times faster), else the standard library.

orjson refuses a few things the standard library accepts (integers beyond 64 bits, NaN); those
fall back to ``json`` so that the result never depends on which one is installed.
"""

from __future__ import annotations

import json as _json
from typing import Any, Callable, Optional

try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised only without orjson
    _orjson = None  # type: ignore[assignment]

#: True when orjson is in use.
HAVE_ORJSON = _orjson is not None


def loads(data: bytes) -> Any:
    """Parses JSON bytes."""
    if _orjson is not None:
        try:
            return _orjson.loads(data)
        except _orjson.JSONDecodeError:
            pass
    return _json.loads(data)


def dumps(value: Any, default: Optional[Callable[[Any], Any]] = None) -> bytes:
    """Serialises to compact UTF-8 JSON bytes. ``default`` turns an object JSON has no type for
    into one it has (as in both libraries); without it such an object raises TypeError."""
    if _orjson is not None:
        try:
            return _orjson.dumps(value, default) if default is not None else _orjson.dumps(value)
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            pass
    return _json.dumps(
        value, separators=(",", ":"), ensure_ascii=False, default=default
    ).encode("utf-8")
