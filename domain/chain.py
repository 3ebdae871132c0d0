"""Tamper evidence: each event carries a hash chained to its aggregate's previous event.

chain(n) = sha256(chain(n-1) | canonical JSON of event n without its ``chain``).
``bpt verify`` recomputes the chain from the stored events; an edited row breaks the
chain at that row, a deleted row leaves a version gap.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

GENESIS = ""
# Attributes that are not part of what an event says: the chain itself, and the topic
# the library adds to creation events (it would change if a class were moved).
_EXCLUDED = frozenset({"chain", "originator_topic"})


def _default(value: Any) -> Any:
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot hash {type(value).__name__}")


def canonical(event_name: str, fields: dict[str, Any]) -> bytes:
    body = {k: v for k, v in fields.items() if k not in _EXCLUDED}
    body["__event__"] = event_name
    return json.dumps(body, sort_keys=True, ensure_ascii=False, default=_default).encode()


def link(previous: str, event_name: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(previous.encode() + b"|" + canonical(event_name, fields)).hexdigest()
