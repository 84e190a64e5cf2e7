"""The Redis client every service uses: retries with backoff across a restart or failover, so a
stale pooled connection does not surface as an error; and the one place replies become text."""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import BusyLoadingError, ConnectionError, TimeoutError

from shared.settings import Settings


def make_redis(settings: Settings) -> Redis:
    # A blocking pool: a burst of requests waits for a free connection instead of failing.
    pool = BlockingConnectionPool.from_url(
        settings.redis_url,
        max_connections=settings.redis_max_connections,
        timeout=10,
        socket_timeout=5,
        socket_connect_timeout=2,
        health_check_interval=10,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=6),
        retry_on_error=[ConnectionError, TimeoutError, BusyLoadingError],
    )
    return Redis(connection_pool=pool)


def text(value: bytes | str) -> str:
    """A Redis reply as text: the client returns bytes (values are stored as UTF-8)."""
    return value.decode() if isinstance(value, bytes) else value
