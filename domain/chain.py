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
from functools import lru_cache
from typing import Any
from uuid import UUID

GENESIS = ""
# Attributes that are not part of what an event says: the chain itself, and the topic
# the library adds to creation events (it would change if a class were moved).
_EXCLUDED = frozenset({"chain", "originator_topic"})


@lru_cache(maxsize=4096)
def _uuid_text(value: UUID) -> str:
    return str(value)  # UUID.__str__ is Python code; a bulk import hashes the same few ids over and over


# The text each non-JSON value is hashed as, by exact type (a lookup, not a chain of isinstance:
# this runs for several values of every event recorded).
_AS_TEXT = {Decimal: str, UUID: _uuid_text, date: date.isoformat, datetime: datetime.isoformat}


def _default(value: Any) -> Any:
    as_text = _AS_TEXT.get(type(value))
    if as_text is not None:
        return as_text(value)
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot hash {type(value).__name__}")


# json.dumps(body, sort_keys=True, ensure_ascii=False, default=_default) builds this C encoder
# on every call; canonical() runs for every event recorded, so it is built once here (without
# the circular-reference check: event fields are plain values).
_ENCODE = json.encoder.c_make_encoder(None, _default, json.encoder.encode_basestring, None, ": ", ", ",
                                      True, False, True)


def canonical(event_name: str, fields: dict[str, Any]) -> bytes:
    body = {k: v for k, v in fields.items() if k not in _EXCLUDED}
    body["__event__"] = event_name
    return "".join(_ENCODE(body, 0)).encode()


def link(previous: str, event_name: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(previous.encode() + b"|" + canonical(event_name, fields)).hexdigest()
