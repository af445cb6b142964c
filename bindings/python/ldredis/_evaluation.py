"""Flag evaluation results: :class:`EvaluationDetail` (``Store.evaluate``)."""

from __future__ import annotations

from typing import Any, Dict, Optional, Union

import json as _stdjson
import re

from . import _json

# orjson reads integers beyond 64 bits as floats; the evaluator keeps them exact (as Python's
# json does), so text with such a number is read with the standard library.
_LONG_NUMBER = re.compile(rb"\d{19}")
_MAYBE_INEXACT = (float, list, dict)


def loads_exact(data: bytes) -> Any:
    """JSON bytes to Python values, integers of any size kept exact."""
    if _LONG_NUMBER.search(data):
        return _stdjson.loads(data)
    return _json.loads(data)

__all__ = ["EvaluationDetail", "ContextInput", "context_bytes", "loads_exact"]

#: A LaunchDarkly context: a dict ({"kind": "user", "key": ...}, a multi-kind context, or an
#: old-style user), JSON text, or the SDK's ``ldclient.Context`` (anything with ``to_dict()``).
ContextInput = Union[Dict[str, Any], str, bytes, bytearray, memoryview, Any]


class EvaluationDetail:
    """What the SDKs' ``variation_detail`` gives: the value served (the default when the flag
    could not be evaluated), the variation index (None then) and the reason dict
    (``{"kind": "RULE_MATCH", "ruleIndex": 0, "ruleId": "..."}``, ``{"kind": "ERROR",
    "errorKind": "FLAG_NOT_FOUND"}``, ...)."""

    __slots__ = ("value", "variation_index", "reason")

    def __init__(self, value: Any, variation_index: Optional[int], reason: Optional[Dict[str, Any]] = None) -> None:
        self.value = value
        self.variation_index = variation_index
        self.reason = reason if reason is not None else {}

    def is_default_value(self) -> bool:
        """True when the default was served (no variation was chosen)."""
        return self.variation_index is None

    def __eq__(self, other: Any) -> bool:
        return (isinstance(other, EvaluationDetail) and self.value == other.value
                and self.variation_index == other.variation_index and self.reason == other.reason)

    def __repr__(self) -> str:
        return "EvaluationDetail(value=%r, variation_index=%r, reason=%r)" % (
            self.value, self.variation_index, self.reason)

    @classmethod
    def from_json(cls, data: bytes) -> "EvaluationDetail":
        d = _json.loads(data)
        value = d.get("value")
        if type(value) in _MAYBE_INEXACT and _LONG_NUMBER.search(data):
            d = _stdjson.loads(data)      # a big integer that orjson made a float
            value = d.get("value")
        return cls(value, d.get("variationIndex"), d.get("reason"))


def context_bytes(context: ContextInput) -> bytes:
    """The context as JSON bytes."""
    if type(context) is dict:
        return _json.dumps(context)
    if isinstance(context, (bytes, bytearray, memoryview)):
        return bytes(context)
    if isinstance(context, str):
        return context.encode("utf-8")
    if isinstance(context, dict):
        return _json.dumps(context)
    to_dict = getattr(context, "to_dict", None)
    if callable(to_dict):
        return _json.dumps(to_dict())
    raise TypeError("context must be a dict, JSON text or an ldclient.Context, not %s" % type(context).__name__)
