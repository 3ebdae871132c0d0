"""The fast decoder (bpt.projections.store.stored) gives exactly the library mapper's events, for every
event class of the domain, on both storages: same class, same attributes, same value types."""

import json
from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent

from bpt.domain.application import BudgetApp
from bpt.domain.classification import Classification
from bpt.domain.department import DepartmentYear, FiscalYear
from bpt.domain.dept_figures import flows
from bpt.domain.project import ProjectYear
from bpt.domain.values import Target
from bpt.projections.store import eventlog
from bpt.projections.store.database import Database
from bpt.projections.demo.year import DEPT, YEAR, build_demo
from bpt.projections.store.stored import Decoder
from tests.conftest import initialised
from tests.integration.test_years import carry_plan

OPERATOR = "解码测试"
EVENT_CLASSES = {cls for aggregate in (FiscalYear, DepartmentYear, ProjectYear) for cls in vars(aggregate).values()
                 if isinstance(cls, type) and issubclass(cls, Aggregate.Event)
                 and cls.__name__ != "Event" and not cls.__name__.startswith("_")}  # not the bases


def typed(value):
    """A value with the type of every part spelled out: Decimal("5") and 5 compare equal, these do not."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return type(value), value


def same_event(fast, slow) -> bool:
    return type(fast) is type(slow) and typed(vars(fast)) == typed(vars(slow))


def record_the_rest(app: BudgetApp) -> None:
    """The event classes the demo year does not record, with nested values in a self-assessment."""
    on = date(YEAR, 12, 30)
    app.record_staff(DEPT, YEAR, staff_quota=27, staff_actual=None, operator=OPERATOR, on=on)
    app.carry_over("P01", YEAR, Decimal("1000.50"), doc="解码结转1号", on=on, operator=OPERATOR)
    app.open_year(carry_plan(YEAR, DEPT, "P01", "项目支出", {"当年财政拨款": Decimal("12.30"), "其他资金": Decimal("-0.30")},
                             "解码年度结转1号"), on=on, operator=OPERATOR)
    app.transfer("P01", "P02", YEAR, Decimal("100"), doc="解码调剂1号", on=on, reason="调剂", operator=OPERATOR)
    voucher = next(iter(app.project(YEAR, "P01").payments))
    app.reverse("P01", YEAR, voucher=voucher, reason="冲销", operator=OPERATOR, on=on)
    # Classified facts (the demo pays and approves by 经济分类 already): a reversal carries its payment's.
    classified = next(v for v, p in app.project(YEAR, "B02").payments.items() if p["procurement"])
    app.reverse("B02", YEAR, voucher=classified, reason="冲销", operator=OPERATOR, on=on)
    app.adjust("B02", YEAR, Decimal("-100"), doc="解码调减1号", on=on, reason="调减", operator=OPERATOR,
               classification=Classification("30201", "2013101", "政府性基金预算", True))
    app.revise_target("P01", YEAR, "I01", Target.parse(">=12.5"), doc="解码指标1号", reason="调整", on=on,
                      operator=OPERATOR)
    app.forecast_execution("P01", YEAR, as_of=date(YEAR, 7, 31), executed=Decimal("260000"), reason="预计",
                           operator=OPERATOR)
    app.forecast_indicator("P01", YEAR, "I01", as_of=date(YEAR, 7, 31), value=Decimal("2.5"), likelihood="有可能",
                           cause="经费保障", action="纠偏", operator=OPERATOR)
    app.issue_self_assessment(DEPT, YEAR, snapshot="S1", position=7, rubric="r", rubric_hash="h", content_hash="c",
                              figures={"projects": [{"project": "P01", "executed": Decimal("1.50"), "on": on,
                                                     "rate": None, "tags": ["a", Decimal("2")]}],
                                       "total": Decimal("0.10")}, operator=OPERATOR)


@pytest.fixture
def store(db_url):
    bpt = initialised(db_url)
    build_demo(bpt)
    record_the_rest(bpt.app)
    yield bpt
    bpt.close()


def test_every_event_class_decodes_exactly_as_the_mapper(store):
    app = store.app
    notifications = app.recorder.select_notifications(1, 100_000)
    decode = Decoder(app.mapper)
    seen = set()
    for n in notifications:
        slow = app.mapper.to_domain_event(n)
        fast = decode(n.topic, n.originator_id, n.originator_version, n.state)
        assert same_event(fast, slow), n.topic
        seen.add(type(slow))
    assert seen == EVENT_CLASSES  # a new event class must be recorded above to be checked


def test_the_read_side_rows_decode_exactly_as_the_mapper(store):
    """``eventlog`` reads the rows itself (SQLite gives ids as text): the same events again."""
    app = store.app
    slow = {n.id: app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(1, 100_000)}
    fast = eventlog.logs(store, {event.originator_id for event in slow.values()})
    decoded = [x for logged in fast.values() for x in logged]
    assert sorted(x.position for x in decoded) == sorted(slow)
    assert all(same_event(x.event, slow[x.position]) for x in decoded)


@pytest.mark.parametrize(("start", "stop", "limit", "topics"), [
    (0, 10**9, 50, ("bpt.domain.project:ProjectYear.Paid", "bpt.domain.project:ProjectYear.Approved")),
    (20, 120, 1000, ("bpt.domain.project:ProjectYear.Paid",)), (10, 40, 7, ())])
def test_a_catch_up_batch_is_what_select_notifications_selects(store, start, stop, limit, topics):
    app = store.app
    library = app.recorder.select_notifications(start + 1, limit, stop=stop, topics=list(topics))
    rows = eventlog.batch_after(app, start, stop, topics, limit)
    assert [(n.id, n.originator_version, n.topic, bytes(n.state)) for n in library] == [
        (position, version, topic, bytes(state)) for position, _, version, topic, state in rows]
    assert rows  # not vacuous


def test_state_the_fast_path_cannot_read_raises_the_mappers_error(sqlite_url):
    app = Database(sqlite_url).open_app(create_table=True)
    try:
        with pytest.raises(MapperDeserialisationError, match="not deserializable"):
            Decoder(app.mapper)("bpt.domain.project:ProjectYear.Paid", uuid4(), 2,
                                b'{"amount":{"_type_":"no_such_transcoding","_data_":"1"}}')
    finally:
        app.close()


def test_compressed_state_decodes_exactly_as_the_mapper(sqlite_url):
    """A deployment may set COMPRESSOR_TOPIC (or a cipher: the same path, the mapper's own object)."""
    env = {**Database(sqlite_url).app_env(create_table=True),
           "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor"}
    app = BudgetApp(env=env)
    try:
        app.add_department(YEAR, "D9", "压缩部门", operator=OPERATOR, on=date(YEAR, 1, 4))
        app.add_project("D9", YEAR, "P9", "压缩项目", operator=OPERATOR, on=date(YEAR, 1, 4))
        app.approve("P9", YEAR, Decimal("10.25"), doc="压缩1号", on=date(YEAR, 1, 5), operator=OPERATOR)
        notifications = app.recorder.select_notifications(1, 100)
        assert all(not n.state.startswith(b"{") for n in notifications)  # really not plain JSON
        decode = Decoder(app.mapper)
        for n in notifications:
            assert same_event(decode(n.topic, n.originator_id, n.originator_version, n.state),
                              app.mapper.to_domain_event(n))
    finally:
        app.close()


def test_events_stored_before_classification_decode_with_the_defaults(store):
    """A payment or budget fact stored without 经济分类/功能分类/资金性质/政府采购 (as every event
    before them was) decodes, on both paths, as 未分类, 一般公共预算, not 政府采购."""
    app = store.app
    decode = Decoder(app.mapper)
    new_fields = ("econ", "func", "fund_type", "procurement")
    seen = set()
    for n in app.recorder.select_notifications(1, 100_000):
        if not n.topic.endswith(("ProjectYear.Paid", "ProjectYear.Approved", "ProjectYear.PaymentReversed")):
            continue
        state = json.loads(n.state)
        for name in new_fields:
            state.pop(name, None)
        old = json.dumps(state).encode()
        slow = app.mapper.to_domain_event(StoredEvent(n.originator_id, n.originator_version, n.topic, old))
        fast = decode(n.topic, n.originator_id, n.originator_version, old)
        assert same_event(fast, slow)
        assert not set(new_fields) & set(vars(slow))  # what was stored, nothing added ...
        assert Classification.of(slow) == Classification()  # ... and read with the defaults
        assert (slow.econ, slow.func, slow.fund_type, slow.procurement) == ("", "", "一般公共预算", False)
        created = next(iter(app.events.get(n.originator_id)))
        [flow] = flows([created, slow])
        assert (flow.econ, flow.fund_type, flow.procurement) == ("", "一般公共预算", False)
        seen.add(type(slow).__name__)
    assert seen == {"Paid", "Approved", "PaymentReversed"}
