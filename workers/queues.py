"""What is waiting on the broker, per queue: queued, delayed (retry backoff), in progress
(fetched by a worker: running or prefetched), dead (the dead-letter queue).

Read straight from the broker's own structures, so it shows messages no worker has touched.
Redis keeps, under its namespace, a list per queue (``q``, ``q.DQ``), a set of fetched but
unacknowledged ids per worker (``__acks__.<worker>.q``) and the dead letters (``q.XQ`` with
their data in ``q.XQ.msgs``). RabbitMQ only reports counts (ready messages; unacknowledged
ones are not counted); its dead letters stay in the ``q.XQ`` queue.
"""

from __future__ import annotations

from datetime import datetime, timezone

from dramatiq.broker import Broker
from dramatiq.message import Message

from bpt.projections.store.job_log import JobLog
from bpt.projections.store.service import Bpt
from bpt.workers.broker import broker_url, display_url, kind_of, make_broker, qualified
from bpt.workers.jobs import JOBS

DEAD_LISTED = 20  # dead messages listed per queue (all are counted)


def overview(bpt: Bpt, limit: int = 20) -> dict:
    """``bpt jobs``: the broker's queues (none in the embedded mode) and the latest jobs of the log."""
    bpt.app  # noqa: B018 - refuses a database that was never initialised (and creates no file)
    url = broker_url()
    names = sorted({qualified(job.queue) for job in JOBS.values()})
    queues: list[dict] = []
    if url:
        broker = make_broker(url)
        try:
            queues = queue_stats(broker, names)
        finally:
            broker.close()
    with JobLog(bpt.db) as log:
        recent = log.check().recent(limit)
        for dead in (d for q in queues for d in q["dead_jobs"] if not d["error"]):
            # A refused job is not retried, so the broker kept no traceback: the log has the reason.
            logged = log.get(dead["id"])
            dead["error"] = logged["error"] if logged else None
    return {"broker": display_url(url), "mode": kind_of(url), "queues": queues, "jobs": recent}


def queue_stats(broker: Broker, queues: list[str]) -> list[dict]:
    """One dict per queue: ``queue, queued, delayed, in_progress, dead, dead_jobs``."""
    from dramatiq.brokers.rabbitmq import RabbitmqBroker
    from dramatiq.brokers.redis import RedisBroker

    if isinstance(broker, RedisBroker):
        return [_redis(broker, q) for q in queues]
    if isinstance(broker, RabbitmqBroker):
        return [_rabbitmq(broker, q) for q in queues]
    return []


def _redis(broker, queue: str) -> dict:
    client, ns = broker.client, broker.namespace
    in_progress = sum(client.scard(key) for key in client.scan_iter(match=f"{ns}:__acks__.*.{queue}", count=500))
    in_progress += sum(client.scard(key) for key in client.scan_iter(match=f"{ns}:__acks__.*.{queue}.DQ", count=500))
    dead_key = f"{ns}:{queue}.XQ"
    dead = client.zrevrange(dead_key, 0, DEAD_LISTED - 1, withscores=True)
    bodies = client.hmget(f"{dead_key}.msgs", [rid for rid, _ in dead]) if dead else []
    return {
        "queue": queue,
        "queued": client.llen(f"{ns}:{queue}"),
        "delayed": client.llen(f"{ns}:{queue}.DQ"),
        "in_progress": in_progress,
        "dead": client.zcard(dead_key),
        "dead_jobs": [_dead_job(body, score) for (_, score), body in zip(dead, bodies) if body],
    }


def _dead_job(body: bytes, dead_since_ms: float) -> dict:
    message = Message.decode(body)
    return {"id": message.message_id, "kind": message.actor_name, "args": message.kwargs,
            "retries": message.options.get("retries", 0),
            "error": _last_line(message.options.get("traceback")),
            "dead_since": datetime.fromtimestamp(dead_since_ms / 1000, timezone.utc).isoformat(timespec="seconds")}


def _last_line(text: str | None) -> str | None:
    lines = (text or "").strip().splitlines()
    return lines[-1] if lines else None


def _rabbitmq(broker, queue: str) -> dict:
    queued, delayed, dead = broker.get_queue_message_counts(queue)
    return {"queue": queue, "queued": queued, "delayed": delayed, "in_progress": None, "dead": dead,
            "dead_jobs": []}
