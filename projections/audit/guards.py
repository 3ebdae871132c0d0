"""verify checks the database's own guards, and (PostgreSQL) the server's stamp on every event.

``check_guards(bpt)``: the append-only triggers, the stamp trigger and the grants as ``bpt init``
made them (``bpt.projections.store.security``); a dropped or disabled trigger, a role missing, or
a grant the app or reviewer role should not hold is a finding. A database where ``bpt init``
never ran (no job log) has no guards to check.

``check_stamps(bpt)`` (PostgreSQL): an event without a stamp was inserted while the stamp
trigger was off (only a superuser can); a stamp without its event means the event was deleted
(the newest one included, which the chains alone cannot see); an event whose own recording
time differs from the server's by more than ``CLOCK_SKEW`` was back- (or forward-) dated.

Each finding: ``problem`` (guard | unstamped | deleted | clock), ``object`` (guards) or
``position`` / ``aggregate`` / ``version`` / ``type`` (stamps), and ``detail``.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bpt.projections.store.security import (
    APP_ROLE,
    CHECKPOINTS_TABLE,
    JOB_TABLE,
    PG_EVENT_TABLES,
    REVIEWER_ROLE,
    SQLITE_EVENT_TABLES,
)
from bpt.projections.store.service import Bpt
from bpt.projections.store.stamps import STAMPS_TABLE, has_stamps

CLOCK_SKEW = timedelta(minutes=5)

# Trigger name -> its table, as security.py installs them.
_PG_TRIGGERS = {
    **{f"{t}_append_only": t for t in PG_EVENT_TABLES}, **{f"{t}_no_truncate": t for t in PG_EVENT_TABLES},
    "bpt_events_stamp": "bpt_events", f"{STAMPS_TABLE}_append_only": STAMPS_TABLE,
    f"{STAMPS_TABLE}_no_truncate": STAMPS_TABLE,
    f"{CHECKPOINTS_TABLE}_append_only": CHECKPOINTS_TABLE, f"{CHECKPOINTS_TABLE}_no_truncate": CHECKPOINTS_TABLE,
}
# (role, table, privilege) that must NOT be held. bpt_app keeps UPDATE on bpt_events (the
# library's table lock needs it; the trigger refuses the UPDATE itself).
_FORBIDDEN = [
    (APP_ROLE, "bpt_events", "DELETE"), (APP_ROLE, "bpt_events", "TRUNCATE"),
    *((APP_ROLE, "bpt_snapshots", p) for p in ("UPDATE", "DELETE", "TRUNCATE")),
    *((role, table, p) for table in (STAMPS_TABLE, CHECKPOINTS_TABLE) for role in (APP_ROLE, REVIEWER_ROLE)
      for p in ("INSERT", "UPDATE", "DELETE", "TRUNCATE")),
    *((REVIEWER_ROLE, t, p) for t in PG_EVENT_TABLES for p in ("INSERT", "UPDATE", "DELETE", "TRUNCATE")),
]


def _guard(obj: str, detail: str) -> dict:
    return {"problem": "guard", "object": obj, "detail": detail}


def check_guards(bpt: Bpt) -> list[dict]:
    """Every difference between the database's guards and what ``bpt init`` installs."""
    return _pg_guards(bpt) if bpt.db.is_postgres else _sqlite_guards(bpt)


def _sqlite_guards(bpt: Bpt) -> list[dict]:
    with sqlite3.connect(bpt.db.sqlite_path) as conn:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [JOB_TABLE]).fetchone() is None:
            return []
        present = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    expected = [f"{t}_no_{a}" for t in SQLITE_EVENT_TABLES for a in ("update", "delete")]
    return [_guard(name, f"只追加触发器 {name} 缺失（被删除）") for name in expected if name not in present]


def _pg_guards(bpt: Bpt) -> list[dict]:
    schema = bpt.db.app_env().get("POSTGRES_SCHEMA", "public")
    with bpt.db.connect_pg() as conn:
        if conn.execute("SELECT to_regclass(%s)", [f"{schema}.{JOB_TABLE}"]).fetchone()[0] is None:
            return []
        triggers = dict(conn.execute(
            "SELECT t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND NOT t.tgisinternal",
            [schema]).fetchall())
        found = []
        for name, table in _PG_TRIGGERS.items():
            if name not in triggers:
                found.append(_guard(name, f"表 {table} 的触发器 {name} 缺失（被删除）"))
            elif triggers[name] == "D":
                found.append(_guard(name, f"表 {table} 的触发器 {name} 被停用（DISABLE TRIGGER）"))
        roles = {r for (r,) in conn.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)",
                                            [[APP_ROLE, REVIEWER_ROLE]])}
        found += [_guard(role, f"角色 {role} 不存在") for role in (APP_ROLE, REVIEWER_ROLE) if role not in roles]
        for role, table, privilege in _FORBIDDEN:
            qualified = f"{schema}.{table}"
            if (role in roles and conn.execute("SELECT to_regclass(%s)", [qualified]).fetchone()[0] is not None
                    and conn.execute("SELECT has_table_privilege(%s, %s, %s)", [role, qualified, privilege]).fetchone()[0]):
                found.append(_guard(f"{role}:{table}", f"角色 {role} 对 {table} 有 {privilege} 权限（不应有）"))
        if REVIEWER_ROLE in roles and conn.execute(
                "SELECT CASE WHEN to_regclass(%s) IS NULL THEN false "
                "ELSE has_column_privilege(%s, %s, 'args', 'SELECT') END",
                [f"{schema}.{JOB_TABLE}", REVIEWER_ROLE, f"{schema}.{JOB_TABLE}"]).fetchone()[0]:
            found.append(_guard(f"{REVIEWER_ROLE}:{JOB_TABLE}.args", f"角色 {REVIEWER_ROLE} 能读取作业参数（不应能）"))
        definer = conn.execute("SELECT p.prosecdef FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                               "WHERE n.nspname = %s AND p.proname = 'bpt_stamp_event'", [schema]).fetchone()
        if definer is None or not definer[0]:
            found.append(_guard("bpt_stamp_event", "盖章函数 bpt_stamp_event 缺失或不是 SECURITY DEFINER"))
    return found


def check_stamps(bpt: Bpt) -> list[dict]:
    """Events without the server's stamp, stamps without their event, and dates the client moved."""
    if not has_stamps(bpt):
        return []
    schema = bpt.db.app_env().get("POSTGRES_SCHEMA", "public")
    events, stamps = f"{schema}.bpt_events", f"{schema}.{STAMPS_TABLE}"
    with bpt.db.connect_pg() as conn:
        unstamped = conn.execute(
            f"SELECT e.notification_id, e.originator_id, e.originator_version, e.topic FROM {events} e "  # noqa: S608
            f"LEFT JOIN {stamps} s USING (notification_id) WHERE s.notification_id IS NULL "
            "ORDER BY e.notification_id").fetchall()
        orphans = conn.execute(
            f"SELECT s.notification_id, s.login, s.stamped_at FROM {stamps} s "  # noqa: S608
            f"LEFT JOIN {events} e USING (notification_id) WHERE e.notification_id IS NULL "
            "ORDER BY s.notification_id").fetchall()
        moved = conn.execute(
            f"SELECT notification_id, originator_id, originator_version, topic, recorded, stamped_at FROM ("  # noqa: S608
            f" SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, s.stamped_at,"
            f" (convert_from(e.state, 'UTF8')::jsonb #>> '{{timestamp,_data_}}')::timestamptz AS recorded"
            f" FROM {events} e JOIN {stamps} s USING (notification_id)) x"
            " WHERE abs(extract(epoch FROM recorded - stamped_at)) > %s ORDER BY notification_id",
            [CLOCK_SKEW.total_seconds()]).fetchall()
    found = [_at("unstamped", n, oid, v, topic, "此事件没有服务器盖章：写入时盖章触发器被关闭（需超级用户）")
             for n, oid, v, topic in unstamped]
    found += [{"problem": "deleted", "aggregate": None, "version": None, "position": n, "type": None,
               "detail": f"位置 {n} 的事件（{login} 于 {at.isoformat()} 写入）已不在事件表中：被删除"}
              for n, login, at in orphans]
    found += [_at("clock", n, oid, v, topic, f"事件自称记录于 {recorded.isoformat()}，服务器盖章时间为 "
                                              f"{at.isoformat()}：记录时间被改动")
              for n, oid, v, topic, recorded, at in moved]
    return sorted(found, key=lambda p: p["position"])


def _at(problem: str, position: int, oid, version: int, topic: str, detail: str) -> dict:
    return {"problem": problem, "aggregate": str(oid), "version": version, "position": position,
            "type": topic.rpartition(".")[2].rpartition(":")[2], "detail": detail}
