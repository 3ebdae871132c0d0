"""Which message broker the workers use, always set explicitly.

``BPT_BROKER_URL`` selects it: ``redis://…`` (the deployment default) or ``amqp://…``
(RabbitMQ). Unset means the embedded mode: no broker, jobs run in the command that asks for
them; a StubBroker is still set so that declaring actors never reaches for dramatiq's implicit
RabbitMQ on localhost.

Knobs (environment):
- ``BPT_QUEUE_PREFIX`` (default ``bpt``): queues are ``<prefix>.<queue>``; tests use a unique one.
- ``BPT_REDIS_NAMESPACE`` (default ``dramatiq``): the Redis key prefix.
- ``BPT_REDIS_HEARTBEAT_TIMEOUT`` (ms, default 60000): after this long without a heartbeat a
  worker counts as dead and its unacknowledged messages are put back on their queue — by
  queue maintenance, which runs on ``BPT_REDIS_MAINTENANCE_CHANCE`` of every million broker
  commands (default 1000). RabbitMQ redelivers as soon as a dead worker's connection drops.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import dramatiq
from dramatiq.broker import Broker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import CurrentMessage

from bpt.domain.refusal import Refusal
from bpt.projections.store.failure import without_password

URL_ENV = "BPT_BROKER_URL"
REDIS_SCHEMES = ("redis", "rediss", "unix")
AMQP_SCHEMES = ("amqp", "amqps")


def broker_url() -> str | None:
    return os.environ.get(URL_ENV) or None


def queue_prefix() -> str:
    return os.environ.get("BPT_QUEUE_PREFIX") or "bpt"


def qualified(queue: str, prefix: str | None = None) -> str:
    """A queue's full name: ``<prefix>.<queue>``."""
    return f"{prefix or queue_prefix()}.{queue}"


def kind_of(url: str | None) -> str:
    """``embedded``, ``redis`` or ``rabbitmq``; any other URL is refused."""
    if url is None:
        return "embedded"
    scheme = urlsplit(url).scheme
    if scheme in REDIS_SCHEMES:
        return "redis"
    if scheme in AMQP_SCHEMES:
        return "rabbitmq"
    raise Refusal(URL_ENV, f"不支持的消息代理地址“{url}”：应为 redis://… 或 amqp://…")


def make_broker(url: str | None) -> Broker:
    """A new broker for ``url`` (None: a StubBroker), with the CurrentMessage middleware the
    actors use to learn their job id."""
    kind = kind_of(url)
    if kind == "redis":
        from dramatiq.brokers.redis import RedisBroker

        broker: Broker = RedisBroker(
            url=url, namespace=os.environ.get("BPT_REDIS_NAMESPACE") or "dramatiq",
            heartbeat_timeout=_env_int("BPT_REDIS_HEARTBEAT_TIMEOUT", 60_000),
            maintenance_chance=_env_int("BPT_REDIS_MAINTENANCE_CHANCE", 1000))
    elif kind == "rabbitmq":
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        # Confirmed delivery: an enqueue returns only once RabbitMQ has the message.
        broker = RabbitmqBroker(url=url, confirm_delivery=True)
    else:
        broker = StubBroker()
    broker.add_middleware(CurrentMessage())
    return broker


def setup_broker(url: str | None = None) -> Broker:
    """Create the broker for ``url`` (default: ``BPT_BROKER_URL``) and make it dramatiq's global one."""
    broker = make_broker(url if url is not None else broker_url())
    dramatiq.set_broker(broker)
    return broker


def display_url(url: str | None) -> str | None:
    """The broker URL without its password, for output."""
    return None if url is None else without_password(url)


def _env_int(name: str, default: int) -> int:
    text = os.environ.get(name)
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise Refusal(name, f"应为整数，收到“{text}”") from None
