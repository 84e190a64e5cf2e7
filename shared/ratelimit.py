"""Per-subject rate limits, counted in Redis so that every instance of a service shares them.

Each authenticated request counts against its (service, role, subject) under every rule of
RATE_LIMITS (`limits` notation, `50/second;1500/minute`); past any of them the request is
refused with 429 and `Retry-After`, before it reads or writes anything. The sliding-window
counter keeps two integers per subject and rule: no list of timestamps grows with the traffic.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse_many
from limits.aio.storage import RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from redis.asyncio import Redis

from shared.auth import Principal
from shared.errors import TooManyRequests


class Limits:
    """Rules counted in Redis for any identity (a tuple of strings)."""

    def __init__(self, redis: Redis, rules: str) -> None:
        self.rules = parse_many(rules) if rules.strip() else []  # Settings checked them
        # The service's own connection pool: no second set of connections to Redis.
        storage = RedisStorage(
            "async+redis://",
            implementation="redispy",
            key_prefix="{ratelimit}",
            connection_pool=redis.connection_pool,
        )
        self.limiter = SlidingWindowCounterRateLimiter(storage)

    async def count(self, what: str, *identity: str) -> None:
        """Count one `what` (as a person reads it) of `identity`; TooManyRequests when a rule
        is used up."""
        for rule in self.rules:
            if not await self.limiter.hit(rule, *identity):
                stats = await self.limiter.get_window_stats(rule, *identity)
                wait = max(1, math.ceil(stats.reset_time - time.time()))
                raise TooManyRequests(
                    f"more than {rule.amount} {what} per {_per(rule)}; retry in {wait} s",
                    retry_after=wait,
                )


class SubjectRateLimits:
    def __init__(self, redis: Redis, service: str, rules: str) -> None:
        self.service = service
        self.limits = Limits(redis, rules)

    async def admit(self, principal: Principal) -> None:
        """Count one request of `principal`; TooManyRequests when a rule is used up."""
        await self.limits.count(
            f"requests for {principal.role.value} {principal.subject}",
            self.service,
            principal.role.value,
            principal.subject,
        )


def _per(rule: RateLimitItem) -> str:
    unit = rule.GRANULARITY.name
    return unit if rule.multiples == 1 else f"{rule.multiples} {unit}s"
