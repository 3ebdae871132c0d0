"""The base aggregate of bpt: every event names its operator, and is chained by hash."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from functools import lru_cache
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from bpt.domain.chain import GENESIS, link
from bpt.domain.refusal import Refusal
from bpt.domain.text import normal, normal_texts

# Aggregate ids are derived from business keys, so "the project P01 of 2021" has exactly
# one id everywhere, and a second registration collides in the event store.
_NAMESPACE = UUID("6b0f5f0e-2f43-4d7c-9a53-6a7f4f0b8b11")


def fiscal_year_id(year: int) -> UUID:
    return uuid5(_NAMESPACE, f"year:{year}")


def department_id(year: int, code: str) -> UUID:
    return uuid5(_NAMESPACE, f"dept:{year}:{normal('dept', code)}")


def project_id(year: int, code: str) -> UUID:
    return uuid5(_NAMESPACE, f"project:{year}:{normal('project', code)}")


# Control characters are refused in every text an event carries (tab and line breaks
# excepted): PostgreSQL text cannot hold NUL, and escapes would reach reviewers' terminals.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_FIELD_NAMES = {"code": "编号", "name": "名称", "doc": "文号", "voucher": "凭证号", "reason": "原因", "note": "备注",
                "text": "内容", "unit": "单位", "level1": "一级指标", "level2": "二级指标", "operator": "经办人",
                "source": "资金来源", "kind": "类别", "dept": "部门", "project": "项目", "grade": "等级"}


def check_texts(fields: dict[str, Any]) -> None:
    """Refuse a control character in any string of ``fields`` (nested dicts and lists too)."""
    for name, value in fields.items():
        _check_text(value, name)


def _check_text(value: Any, name: str) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _check_text(item, name)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _check_text(item, name)
    elif isinstance(value, str) and (bad := _CONTROL.search(value)):
        raise Refusal(_FIELD_NAMES.get(name, name), f"含有控制字符 U+{ord(bad.group()):04X}")


@lru_cache(maxsize=None)  # per event class
def _defaults(event_class: type) -> tuple[tuple[str, Any], ...]:
    """The event's defaulted fields: the event stores them, so its chain hashes them too."""
    return tuple((f.name, f.default) for f in dataclasses.fields(event_class) if f.default is not dataclasses.MISSING)


def _complete(event_class: type, kwargs: dict[str, Any]) -> None:
    for name, default in _defaults(event_class):
        kwargs.setdefault(name, default)


class Ledger(Aggregate):
    """An aggregate whose events all carry ``operator``, ``effective_date`` and ``chain``."""

    chain = GENESIS  # hash of the latest event (not a dataclass field)

    class Event(Aggregate.Event):
        operator: str
        effective_date: date
        chain: str

        def mutate(self, aggregate: Any) -> Any:
            aggregate = super().mutate(aggregate)
            aggregate.chain = self.chain
            return aggregate

    @classmethod
    def _new(cls, event_class: type, id: UUID, **kwargs: Any):  # noqa: A002
        kwargs = normal_texts(kwargs, getattr(event_class, "verbatim", ()))
        check_texts(kwargs)
        _complete(event_class, kwargs)
        kwargs["timestamp"] = event_class.create_timestamp()
        fields = dict(kwargs, originator_id=id, originator_version=cls.INITIAL_VERSION)
        kwargs["chain"] = link(GENESIS, event_class.__name__, fields)
        return cls._create(event_class, id=id, **kwargs)

    def trigger_event(self, event_class: type, **kwargs: Any) -> None:
        kwargs = normal_texts(kwargs, getattr(event_class, "verbatim", ()))
        check_texts(kwargs)
        _complete(event_class, kwargs)
        kwargs["timestamp"] = event_class.create_timestamp()
        fields = dict(kwargs, originator_id=self.id, originator_version=self.version + 1)
        kwargs["chain"] = link(self.chain, event_class.__name__, fields)
        super().trigger_event(event_class, **kwargs)
