"""The small parts of the views: exact 分, the view registry, thresholds, the portable tables."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bpt.domain.refusal import Refusal
from bpt.projections.store.database import Database
from bpt.projections.views.queries import Thresholds
from bpt.projections.views.runner import view_names
from bpt.projections.store.sql import Sql, from_cents, to_cents
from bpt.projections.views.base import LINE_COLUMNS, Table, adding


def test_amounts_are_exact_integer_cents_both_ways():
    assert to_cents(Decimal("154800.00")) == 15_480_000
    assert to_cents(Decimal("-0.01")) == -1
    assert from_cents(15_480_000) == Decimal("154800.00")
    assert str(from_cents(7)) == "0.07"
    assert from_cents(None) == Decimal(0)
    with pytest.raises(ValueError):
        to_cents(Decimal("0.001"))


def test_rebuilding_a_view_rebuilds_the_scores_derived_from_it():
    assert view_names(None) == ["execution", "indicators", "scores"]
    assert view_names(["execution"]) == ["execution", "scores"]
    assert view_names(["scores"]) == ["scores"]
    with pytest.raises(Refusal, match="视图：没有视图“budget”"):
        view_names(["budget"])


def test_thresholds_parse_fractions_and_percentages(monkeypatch):
    assert Thresholds.parse() == Thresholds(Decimal("0.60"), Decimal("0.80"))
    assert Thresholds.parse("50%", "0.75") == Thresholds(Decimal("0.5"), Decimal("0.75"))
    monkeypatch.setenv("BPT_WARNING_YELLOW_BELOW", "90%")
    assert Thresholds.parse().yellow_below == Decimal("0.9")
    assert Thresholds.parse().level(Decimal("0.5"), Decimal("0.6")) == "yellow"  # 0.5 / 0.6 = 83% < 90%
    with pytest.raises(Refusal, match="红色预警阈值"):
        Thresholds.parse("abc")


def test_a_table_adds_deltas_on_conflict(tmp_path):
    table = Table("t", {"k": "TEXT NOT NULL", **LINE_COLUMNS}, ("k",), (("k",),))
    with Sql(Database(str(tmp_path / "v.db"))) as sql:
        for statement in table.ddl():
            sql.run(statement)
        for statement in table.ddl():  # idempotent
            sql.run(statement)
        zeros = [0] * len(LINE_COLUMNS)
        with sql.transaction():
            table.insert(sql, [("a", 5, *zeros[1:]), ("b", *zeros[:-1], -3)], adding(table))
            table.insert(sql, [("a", 2, *zeros[1:])], adding(table))
        with pytest.raises(RuntimeError), sql.transaction():
            table.insert(sql, [("a", 100, *zeros[1:])], adding(table))
            raise RuntimeError("rolled back")
        assert sql.rows("SELECT k, initial_budget, executed FROM t ORDER BY k") == [("a", 7, 0), ("b", 0, -3)]
