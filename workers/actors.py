"""dramatiq actors: thin wrappers that hand a message's JSON arguments to ``bpt.workers.jobs.run``.

``dramatiq bpt.workers.actors:broker`` (what ``bpt worker`` runs) imports this module, which sets
the broker of ``BPT_BROKER_URL`` and declares one actor per job on it. Tests declare the same
actors on a broker of their own with ``declare(broker, prefix)``.
"""

from __future__ import annotations

import sys

import dramatiq
from dramatiq.broker import Broker
from dramatiq.middleware import CurrentMessage

from bpt.domain.refusal import Refusal
from bpt.projections.store.database import Database
from bpt.workers import jobs
from bpt.workers.broker import broker_url, qualified, setup_broker

# Transient failures (database or broker briefly away) are retried with backoff; after that
# the message goes to the dead-letter queue, where ``bpt jobs`` shows it. A Refusal is final.
MAX_RETRIES = 5
MIN_BACKOFF_MS = 2_000
MAX_BACKOFF_MS = 5 * 60_000


def _actor_function(kind: str):
    def perform(**args) -> None:
        message = CurrentMessage.get_current_message()
        jobs.run(kind, args, job_id=message.message_id if message else None)

    perform.__name__ = perform.__qualname__ = kind
    return perform


def declare(broker: Broker, prefix: str | None = None) -> dict[str, dramatiq.Actor]:
    """One actor per job of ``bpt.workers.jobs.JOBS`` on ``broker``, queues ``<prefix>.<queue>``."""
    return {
        kind: dramatiq.actor(_actor_function(kind), broker=broker, actor_name=kind,
                             queue_name=qualified(job.queue, prefix), time_limit=job.time_limit_ms,
                             max_retries=MAX_RETRIES, min_backoff=MIN_BACKOFF_MS, max_backoff=MAX_BACKOFF_MS,
                             throws=(Refusal,))
        for kind, job in jobs.JOBS.items()
    }


broker = setup_broker()
actors = declare(broker)


def send(kind: str, db: Database, **args) -> dict:
    """Queue a job on the broker of ``BPT_BROKER_URL``; with none (embedded), run it here and now."""
    if kind not in actors:
        raise Refusal("作业", f"未知作业“{kind}”，可选：{'、'.join(actors)}")
    payload = {"db": jobs.db_arg(db), **args}
    if broker_url() is None:
        return {"mode": "embedded", "state": "done", **jobs.run(kind, payload, db=db)}
    message = actors[kind].send(**payload)
    return {"mode": "queued", "state": "queued", "job": message.message_id, "kind": kind,
            "queue": message.queue_name}


def worker_command(processes: int, threads: int, queues: list[str] | None = None) -> list[str]:
    """The dramatiq CLI running this module's actors: ``processes`` × ``threads`` workers,
    on every queue or on ``queues`` (short names: projections, monitor, reports, imports)."""
    known = sorted({job.queue for job in jobs.JOBS.values()})
    unknown = [q for q in queues or () if q not in known]
    if unknown:
        raise Refusal("--queues", f"未知队列：{'、'.join(unknown)}（可选 {'、'.join(known)}）")
    command = [sys.executable, "-m", "dramatiq", "bpt.workers.actors:broker",
               "--processes", str(processes), "--threads", str(threads)]
    if queues:
        command += ["--queues", *(qualified(q) for q in queues)]
    return command
