"""What every view kept from events has: its tables, the events it reads, a batch it fills.

A view never writes one event at a time: ``apply`` accumulates an event into the batch (in
memory: deltas per key), ``flush`` writes the batch with a few statements, inside the
transaction that also moves the view's tracking position. See docs/projections.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.utils import get_topic

from bpt.domain.project import LINES


@dataclass(frozen=True)
class Table:
    """A view table: columns (name → SQL type valid on both engines), primary key, indexes."""

    name: str
    columns: dict[str, str]
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()

    def ddl(self) -> list[str]:
        columns = ", ".join(f"{name} {kind}" for name, kind in self.columns.items())
        out = [f"CREATE TABLE IF NOT EXISTS {self.name} ({columns}, PRIMARY KEY ({', '.join(self.key)}))"]
        out += [f"CREATE INDEX IF NOT EXISTS {self.name}_{'_'.join(ix)} ON {self.name} ({', '.join(ix)})"
                for ix in self.indexes]
        return out

    def insert(self, sql, rows: Iterable[Sequence[Any]], conflict: str = "") -> None:
        sql.insert_many(self.name, {name: kind.split()[0].lower() for name, kind in self.columns.items()}, rows,
                        conflict)


class EventView:
    name = ""
    tables: tuple[Table, ...] = ()

    def handlers(self) -> dict[type, Any]:
        """Event class → method(batch, event, position)."""
        raise NotImplementedError

    def new_batch(self) -> Any:
        raise NotImplementedError

    def flush(self, sql, batch: Any) -> None:
        raise NotImplementedError

    def topics(self) -> list[str]:
        return [get_topic(cls) for cls in self.handlers()]

    def apply(self, batch: Any, event: object, position: int) -> None:
        handler = self._dispatch.get(type(event))
        if handler is not None:
            handler(batch, event, position)

    @property
    def _dispatch(self) -> dict[type, Any]:
        cached = self.__dict__.get("_handlers")
        if cached is None:
            cached = self.__dict__["_handlers"] = self.handlers()
        return cached


# The amount columns, in 分: one per budget line of domain/project.py.
LINE_COLUMNS = {line: "BIGINT NOT NULL DEFAULT 0" for line in LINES}


def adding(table: Table) -> str:
    """The conflict clause that adds a row's line deltas to the row already there."""
    adds = ", ".join(f"{line} = {table.name}.{line} + excluded.{line}" for line in LINES)
    return f"ON CONFLICT ({', '.join(table.key)}) DO UPDATE SET {adds}"
