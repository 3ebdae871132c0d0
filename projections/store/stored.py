"""Stored events decoded fast: what ``app.mapper.to_domain_event`` gives, in a fraction of its time.

The library parses an event's JSON with a Python ``object_hook`` called for every JSON object.
Here the C parser runs alone and only the values the transcoder wrapped
(``{"_type_": name, "_data_": …}``) are converted afterwards, innermost first as the hook
does, with the application's registered transcodings (their C constructors where the
transcoding is exactly one of the known ones). The events are equal to the mapper's, attribute
by attribute: tests/integration/test_stored.py checks every event class. Encrypted or
compressed state goes through the mapper's own cipher and compressor first; another
transcoder, or anything the fast path cannot decode, goes through the mapper itself (so a
broken event raises the library's error).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (DatetimeAsISO, DecimalAsStr, JSONTranscoder, Mapper, StoredEvent,
                                       UUIDAsHex)
from eventsourcing.utils import resolve_topic

from bpt.domain.application import DateAsISO

TYPE, DATA = "_type_", "_data_"
# The json module's C scanner, called directly: json.loads adds ~1 µs of Python around it.
SCAN = json.JSONDecoder().scan_once
# Transcodings whose decode is one C call on the string (a non-string fails both ways alike).
NATIVE: dict[type, Callable[[str], Any]] = {
    DecimalAsStr: Decimal, DatetimeAsISO: datetime.fromisoformat, UUIDAsHex: UUID, DateAsISO: date.fromisoformat}


class Decoder:
    """Decodes stored events with one mapper's transcodings (cheap to make: one per read)."""

    def __init__(self, mapper: Mapper):
        self.mapper = mapper
        self.fast = type(mapper.transcoder) is JSONTranscoder
        self.transcodings: dict[str, Callable[[Any], Any]] = {
            name: NATIVE.get(type(t), t.decode) for name, t in mapper.transcoder.names.items()} if self.fast else {}
        self.classes: dict[str, tuple[type, int]] = {}  # topic -> (event class, class version) of UUID ids
        self.ids: dict[Any, UUID] = {}  # originator id as stored (UUID, or hex text on SQLite) -> UUID

    def __call__(self, topic: str, originator_id: Any, originator_version: int, state: bytes) -> Any:
        """The domain event of one stored event's columns."""
        if not self.fast:
            return self._by_mapper(topic, originator_id, originator_version, state)
        try:
            cls, class_version = self.classes.get(topic) or self._resolve(topic)
            mapper, plain = self.mapper, state
            if mapper.cipher:
                plain = mapper.cipher.decrypt(plain)
            if mapper.compressor:
                plain = mapper.compressor.decompress(plain)
            text = plain.decode()
            fields, end = SCAN(text, 0)
            if end != len(text) or type(fields) is not dict:
                raise ValueError("not one JSON object")
            transcodings = self.transcodings
            for name, value in fields.items():
                if type(value) is dict:
                    if len(value) == 2 and DATA in value and type(data := value[DATA]) is str:
                        # A missing or unknown name raises KeyError: the mapper then decides.
                        fields[name] = transcodings[value[TYPE]](data)
                    else:
                        fields[name] = self._value(value)
                elif type(value) is list:
                    fields[name] = self._value(value)
            oid = self.ids.get(originator_id)
            if oid is None:
                oid = self.ids[originator_id] = (originator_id if isinstance(originator_id, UUID)
                                                 else UUID(originator_id))
        except Exception:  # noqa: BLE001 - the mapper decodes it, or raises the library's error
            return self._by_mapper(topic, originator_id, originator_version, state)
        fields["originator_id"] = oid
        fields["originator_version"] = originator_version
        if class_version > 1 or "class_version" in fields:
            version = fields.pop("class_version", 1)
            while version < class_version:
                getattr(cls, f"upcast_v{version}_v{version + 1}")(fields)
                version += 1
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", fields)
        return event

    def _resolve(self, topic: str) -> tuple[type, int]:
        cls = resolve_topic(topic)
        if getattr(cls, "originator_id_type", None) is not UUID:
            raise TypeError(f"{topic}: ids other than UUID are left to the mapper")
        found = self.classes[topic] = (cls, getattr(cls, "class_version", 1))
        return found

    def _value(self, value: Any) -> Any:
        """A parsed JSON object or array with every transcoded object inside it decoded."""
        if type(value) is list:
            return [self._value(v) if type(v) is dict or type(v) is list else v for v in value]
        for name, v in value.items():
            if type(v) is dict or type(v) is list:
                value[name] = self._value(v)
        if len(value) == 2 and TYPE in value and DATA in value:
            return self.transcodings[value[TYPE]](value[DATA])
        return value

    def _by_mapper(self, topic: str, originator_id: Any, originator_version: int, state: bytes) -> Any:
        oid = originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
        return self.mapper.to_domain_event(StoredEvent(oid, originator_version, topic, bytes(state)))
