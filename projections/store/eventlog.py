"""The event log as the read side sees it: decoded events with their event-store positions.

Each aggregate's rows are read with one indexed query on the events table (SQLite
``stored_events``, rowid = position; PostgreSQL ``bpt_events``, notification_id = position),
then decoded as the application's mapper would (``bpt.projections.store.stored``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import get_topic
from psycopg.rows import tuple_row

from bpt.domain.department import BASIC_DATA
from bpt.domain.money import fmt_yuan
from bpt.domain.rubric.formula import fmt_number
from bpt.projections.store.service import Bpt
from bpt.projections.store.gcpause import gc_paused
from bpt.projections.store.stored import Decoder


@dataclass(frozen=True)
class Logged:
    """One stored event: its position in the whole log and the decoded domain event."""

    position: int
    event: Any

    @property
    def type(self) -> str:
        return type(self.event).__name__

    @property
    def recorded_at(self) -> datetime:
        return self.event.timestamp


# -- reading ---------------------------------------------------------------------------

def head(bpt: Bpt) -> int:
    """The position of the latest event in the store (0 when empty)."""
    return bpt.app.recorder.max_notification_id() or 0


def _postgres(app: Any) -> bool:
    return isinstance(app.recorder, PostgresApplicationRecorder)


def _table(app: Any) -> tuple[str, str, str]:
    """The events table, its position column and its parameter mark."""
    recorder = app.recorder
    if _postgres(app):
        return f'"{recorder.datastore.schema}"."{recorder.events_table_name}"', "notification_id", "%s"
    return recorder.events_table_name, "rowid", "?"


def _query(app: Any, sql: str, params: Sequence[Any]) -> list[Any]:
    with app.recorder.datastore.transaction(commit=False) as cursor:
        if not _postgres(app):
            cursor.execute(sql, params)
            return cursor.fetchall()
        cursor.row_factory = tuple_row  # not a dict per row: thousands of rows at a time
        # Binary results: the states arrive as bytes, not as hex text to convert (half the
        # client time of reading 10,000 events); the values are the same Python types.
        cursor.execute(sql, params, binary=True)
        return cursor.fetchall()


def _select(app: Any, where: str, params: Sequence[Any], order: str | None = None,
            limit: int | None = None) -> list[Any]:
    """The rows (position, originator_id, originator_version, topic, state) ``where`` selects
    (``position`` in it stands for the position column), by position or by ``order``."""
    table, position, mark = _table(app)
    sql = (f"SELECT {position}, originator_id, originator_version, topic, state FROM {table} "  # noqa: S608
           f"WHERE {where.replace('position', position).replace('?', mark)} ORDER BY {order or position}"
           f"{f' LIMIT {int(limit)}' if limit else ''}")
    return _query(app, sql, params)


def _topic_in(app: Any, topics: Sequence[str]) -> tuple[str, list[Any]]:
    """``where`` and its parameters for "the topic is one of ``topics``"."""
    if _postgres(app):
        return "topic = ANY(?)", [list(topics)]
    return f"topic IN ({', '.join('?' * len(topics))})", list(topics)


def batch_after(app: Any, start: int, stop: int, topics: Sequence[str], limit: int) -> list[Any]:
    """What the library's ``select_notifications(start + 1, limit, stop, topics)`` selects, as
    ``_select`` rows: no notification objects, ids as stored (a catch-up reads them by the
    thousand; ``bpt.projections.store.stored.Decoder`` converts each aggregate's id once)."""
    where, params = "position > ? AND position <= ?", [start, stop]
    if topics:
        only, more = _topic_in(app, topics)
        where, params = f"{where} AND {only}", [*params, *more]
    return _select(app, where, params, limit=limit)


@gc_paused()
def _decode(bpt: Bpt, rows: Iterable[Any]) -> list[Logged]:
    """Rows of ``_select`` (position, originator_id, originator_version, topic, state) as events."""
    decode = Decoder(bpt.app.mapper)
    return [Logged(position, decode(topic, oid, version, state)) for position, oid, version, topic, state in rows]


def _id_param(bpt: Bpt, oid: UUID) -> Any:
    return oid if bpt.db.is_postgres else oid.hex


# One aggregate's rows in the order of its primary-key index: no sort (its versions are stored
# in position order).
BY_VERSION = "originator_version"


def log(bpt: Bpt, oid: UUID) -> list[Logged]:
    """One aggregate's events in version order (= position order), read from the store."""
    return _decode(bpt, _select(bpt.app, "originator_id = ?", (_id_param(bpt, oid),), BY_VERSION))


def last_position(bpt: Bpt, oid: UUID, upto: int | None = None) -> int:
    """The position of the aggregate's latest event (stored at or before ``upto``); 0 if none."""
    table, position, mark = _table(bpt.app)
    sql = f"SELECT max({position}) FROM {table} WHERE originator_id = {mark}"  # noqa: S608
    params: list[Any] = [_id_param(bpt, oid)]
    if upto is not None:
        sql, params = f"{sql} AND {position} <= {mark}", [*params, upto]
    return _query(bpt.app, sql, params)[0][0] or 0


# Handle -> the most recently read (aggregate, topics) logs (see log_cached).
_CACHE: WeakKeyDictionary[Bpt, OrderedDict[tuple[UUID, tuple[str, ...] | None], list[Logged]]] = WeakKeyDictionary()
CACHED_AGGREGATES = 16


def log_cached(bpt: Bpt, oid: UUID, topics: tuple[str, ...] | None = None) -> list[Logged]:
    """``log`` (only the events of ``topics`` when given), decoded once per handle: stored
    events never change (the store is append-only), so a later call reads only the rows added
    since, by the primary-key index. For repeated reads of long histories (explain in the
    TUI); integrity checks use ``log``/``logs``. A partial log is cached under its topics."""
    cache = _CACHE.setdefault(bpt, OrderedDict())
    known = cache.pop((oid, topics), [])
    since = known[-1].event.originator_version if known else 0
    where, params = "originator_id = ? AND originator_version > ?", [_id_param(bpt, oid), since]
    if topics is not None:
        only, more = _topic_in(bpt.app, topics)
        where, params = f"{where} AND {only}", [*params, *more]
    cache[(oid, topics)] = known = known + _decode(bpt, _select(bpt.app, where, params, BY_VERSION))
    while len(cache) > CACHED_AGGREGATES:
        cache.popitem(last=False)
    return known


CHUNK = 500  # aggregates per query: well under SQLite's bound-parameter limit


def logs(bpt: Bpt, oids: Iterable[UUID]) -> dict[UUID, list[Logged]]:
    """Several aggregates' events, each in version order (one query per 500 aggregates)."""
    ids = list(dict.fromkeys(oids))
    out: dict[UUID, list[Logged]] = {oid: [] for oid in ids}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        where = f"originator_id IN ({', '.join('?' for _ in chunk)})"
        for logged in _decode(bpt, _select(bpt.app, where, tuple(_id_param(bpt, i) for i in chunk))):
            out[logged.event.originator_id].append(logged)
    return out


def of_type(bpt: Bpt, event_class: type) -> list[Logged]:
    """Every event of one class in the whole store, in position order (e.g. issued self-assessments)."""
    return _decode(bpt, _select(bpt.app, "topic = ?", (get_topic(event_class),)))


# -- replaying -------------------------------------------------------------------------

def upto(logged: list[Logged], position: int | None = None, known_at: datetime | None = None) -> list[Logged]:
    """The events stored at or before ``position`` and recorded at or before ``known_at``."""
    return [x for x in logged
            if (position is None or x.position <= position) and (known_at is None or x.recorded_at <= known_at)]


def replay(logged: list[Logged], keep: Callable[[Any], bool] = lambda e: True) -> Any:
    """The aggregate's state from its creation event and the later events ``keep`` accepts.

    Skipping events (an as-of date) rules out the library's version checks, so the later
    events are applied with their own ``apply``: this is a read model, never saved.
    """
    if not logged:
        return None
    aggregate = logged[0].event.mutate(None)
    for x in logged[1:]:
        if keep(x.event):
            x.event.apply(aggregate)
    return aggregate


# -- one event as a row of the log -----------------------------------------------------

LABELS = {
    "FiscalYear.Created": "开立年度",
    "FiscalYear.DepartmentRegistered": "年度登记部门",
    "DepartmentYear.Created": "登记部门",
    "DepartmentYear.ProjectRegistered": "部门登记项目",
    "DepartmentYear.StaffRecorded": "人员数据",
    "DepartmentYear.BasicDataRecorded": "基础数据",
    "DepartmentYear.RubricAdopted": "采用评分规则",
    "DepartmentYear.SelfAssessmentIssued": "出具自评",
    "ProjectYear.Created": "登记项目",
    "ProjectYear.Approved": "年初预算",
    "ProjectYear.CarriedOver": "上年结转",
    "ProjectYear.CarriedForward": "上年结转（年度结转）",
    "ProjectYear.Increased": "追加",
    "ProjectYear.Decreased": "调减",
    "ProjectYear.TransferredIn": "调剂转入",
    "ProjectYear.TransferredOut": "调剂转出",
    "ProjectYear.Paid": "支出",
    "ProjectYear.PaymentReversed": "冲销",
    "ProjectYear.IndicatorDeclared": "申报指标",
    "ProjectYear.TargetRevised": "调整指标值",
    "ProjectYear.ActualRecorded": "实际完成值",
    "ProjectYear.QualitativeAssessed": "定性评定",
    "ProjectYear.DeviationExplained": "偏差说明",
    "ProjectYear.WarningRaised": "监控预警",
    "ProjectYear.IndicatorForecast": "指标监控研判",
    "ProjectYear.ExecutionForecast": "预计执行数",
}


def _value(v: Any) -> str:
    return fmt_number(v) if isinstance(v, Decimal) else str(v)


# What else an event says, in a few words (reasons, indicators, values).
_DETAILS: dict[str, Callable[[Any], str]] = {
    "Created": lambda e: getattr(e, "name", "") or str(getattr(e, "year", "")),
    "DepartmentRegistered": lambda e: e.dept,
    "ProjectRegistered": lambda e: f"{e.project}（{e.kind}）",
    "StaffRecorded": lambda e: f"编制数 {e.staff_quota}，实际在职 {e.staff_actual}",
    "BasicDataRecorded": lambda e: f"{BASIC_DATA.get(e.key, e.key)} = {_value(e.value)}",
    "RubricAdopted": lambda e: f"{e.kind}：{e.rubric}（{e.content_hash[:12]}）",
    "SelfAssessmentIssued": lambda e: f"{e.snapshot} 第 {e.version} 版，位置 {e.position}",
    "Increased": lambda e: e.reason,
    "Decreased": lambda e: e.reason,
    "TransferredIn": lambda e: f"自 {e.counterpart}：{e.reason}",
    "TransferredOut": lambda e: f"至 {e.counterpart}：{e.reason}",
    "CarriedForward": lambda e: (f"{e.from_year} 年度余额 " + "，".join(f"{s} {fmt_yuan(v)}" for s, v in e.balances.items())
                                 + (f"；读自快照 {e.snapshot}" if e.snapshot else "；读自实时数据（未结账）")),
    "Paid": lambda e: e.note,
    "PaymentReversed": lambda e: e.reason,
    "IndicatorDeclared": lambda e: f"{e.indicator} {e.name}：{e.target['text']}，分值 {_value(e.weight)}",
    "TargetRevised": lambda e: f"{e.indicator} 改为 {e.target['text']}：{e.reason}",
    "ActualRecorded": lambda e: f"{e.indicator} = {e.text or _value(e.value)}",
    "QualitativeAssessed": lambda e: f"{e.indicator} {e.grade} {_value(e.score)} 分：{e.reason}",
    "DeviationExplained": lambda e: f"{e.indicator or '预算执行'}：{e.text}",
    "WarningRaised": lambda e: f"{e.as_of.isoformat()} {e.level}",
    "IndicatorForecast": lambda e: (f"{e.indicator} 截至 {e.as_of.isoformat()}：预计 "
                                    f"{'—' if e.value is None else _value(e.value)}，{e.likelihood}"
                                    f"{'，' + e.cause if e.cause else ''}{'，' + e.action if e.action else ''}"),
    "ExecutionForecast": lambda e: f"截至 {e.as_of.isoformat()}：全年预计执行 {fmt_yuan(e.executed)}{'，' + e.reason if e.reason else ''}",
}


def _no_detail(_: Any) -> str:
    return ""


# Event class -> (its name, its label, its detail): looked up once per class, not per row.
_KINDS: dict[type, tuple[str, str, Callable[[Any], str]]] = {}


def _kind(cls: type) -> tuple[str, str, Callable[[Any], str]]:
    """The ``_KINDS`` entry of a class met for the first time."""
    found = _KINDS[cls] = (cls.__name__, LABELS.get(cls.__qualname__, cls.__name__),
                           _DETAILS.get(cls.__name__, _no_detail))
    return found


def row(logged: Logged, key: str | None = None) -> dict:
    """The CLI.md history row of one event; ``key`` names its project (or department)."""
    e = logged.event
    fields = e.__dict__  # an event's attributes are its fields: no getattr fallbacks per row
    name, text, detail = _KINDS.get(type(e)) or _kind(type(e))
    amount, effective = fields.get("amount"), fields.get("effective_date")
    return {
        "type": name,
        "label": text,
        "project": key,
        "effective_date": effective.isoformat() if isinstance(effective, date) else None,  # datetime is a date
        "recorded_at": e.timestamp.isoformat(),  # the library's datetime, on every event
        "operator": fields.get("operator"),
        "doc": fields.get("doc") or None,
        "voucher": fields.get("voucher") or None,
        "amount": fmt_yuan(amount) if isinstance(amount, Decimal) else None,
        "position": logged.position,
        "detail": detail(e),
    }
