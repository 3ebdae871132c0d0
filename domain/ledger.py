"""The base aggregate of bpt: every event names its operator, and is chained by hash."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.chain import GENESIS, link

# Aggregate ids are derived from business keys, so "the project P01 of 2021" has exactly
# one id everywhere, and a second registration collides in the event store.
_NAMESPACE = UUID("6b0f5f0e-2f43-4d7c-9a53-6a7f4f0b8b11")


def fiscal_year_id(year: int) -> UUID:
    return uuid5(_NAMESPACE, f"year:{year}")


def department_id(year: int, code: str) -> UUID:
    return uuid5(_NAMESPACE, f"dept:{year}:{code}")


def project_id(year: int, code: str) -> UUID:
    return uuid5(_NAMESPACE, f"project:{year}:{code}")


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
        kwargs["timestamp"] = event_class.create_timestamp()
        fields = dict(kwargs, originator_id=id, originator_version=cls.INITIAL_VERSION)
        kwargs["chain"] = link(GENESIS, event_class.__name__, fields)
        return cls._create(event_class, id=id, **kwargs)

    def trigger_event(self, event_class: type, **kwargs: Any) -> None:
        kwargs["timestamp"] = event_class.create_timestamp()
        fields = dict(kwargs, originator_id=self.id, originator_version=self.version + 1)
        kwargs["chain"] = link(self.chain, event_class.__name__, fields)
        super().trigger_event(event_class, **kwargs)
