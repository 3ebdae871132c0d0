"""Security verbs: ``bpt checkpoint`` anchors the hash chains (issue 25)."""

from __future__ import annotations

import click

from bpt.tui.cli.base import cli, db_option, echo_json, json_option, session


@cli.command("checkpoint")
@click.option("-o", "--output", default=None, help="把检查点写入此文件（保存在数据库之外，供 bpt verify --against 比对）")
@json_option
@db_option
@click.pass_context
def checkpoint(ctx, output, as_json, db) -> None:
    """记录每条哈希链的链头（PostgreSQL 上由服务器计算并保存）；可导出到文件。"""
    from bpt.projections.audit.checkpoint import take_checkpoint, write_checkpoint

    doc = take_checkpoint(session(ctx))
    if output:
        write_checkpoint(doc, output)
    if as_json:
        echo_json(doc)
        return
    where = f"服务器检查点 {doc['checkpoint']}" if doc["checkpoint"] else "检查点（仅在文件中）"
    click.echo(f"已记录{where}：位置 {doc['position']}，{len(doc['heads'])} 条哈希链，{doc['taken_at']}"
               + (f"；已写入 {output}" if output else ""))
