"""Flag evaluation results: :class:`EvaluationDetail` (``Store.evaluate``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Union

from . import _json

__all__ = ["EvaluationDetail", "ContextInput", "context_bytes"]

#: A LaunchDarkly context: a dict ({"kind": "user", "key": ...}, a multi-kind context, or an
#: old-style user), JSON text, or the SDK's ``ldclient.Context`` (anything with ``to_dict()``).
ContextInput = Union[Dict[str, Any], str, bytes, bytearray, memoryview, Any]


@dataclass(frozen=True)
class EvaluationDetail:
    """What the SDKs' ``variation_detail`` gives: the value served (the default when the flag
    could not be evaluated), the variation index (None then) and the reason dict
    (``{"kind": "RULE_MATCH", "ruleIndex": 0, "ruleId": "..."}``, ``{"kind": "ERROR",
    "errorKind": "FLAG_NOT_FOUND"}``, ...)."""

    value: Any
    variation_index: Optional[int]
    reason: Dict[str, Any] = field(default_factory=dict)

    def is_default_value(self) -> bool:
        """True when the default was served (no variation was chosen)."""
        return self.variation_index is None

    @classmethod
    def from_json(cls, data: bytes) -> "EvaluationDetail":
        d = _json.loads(data)
        return cls(d.get("value"), d.get("variationIndex"), d.get("reason") or {})


def context_bytes(context: ContextInput) -> bytes:
    """The context as JSON bytes."""
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
