"""What runs beside a service's HTTP routes for as long as it lives: the outbox relay, the
consumers and any other loop; started together, stopped in order, never left dangling."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import asynccontextmanager, suppress
from typing import Any

from shared.consumer import ConsumerRunner
from shared.outbox import OutboxRelay

STOP_TIMEOUT_S = 20


@asynccontextmanager
async def running(
    relay: OutboxRelay,
    consumers: Sequence[ConsumerRunner] = (),
    loops: Sequence[Coroutine[Any, Any, None]] = (),
) -> AsyncIterator[None]:
    """Run the relay, the consumers and `loops` (cancelled at the end) while in the block.

    The relay and consumers stop gracefully (the relay keeps unacknowledged entries, consumers
    commit what they applied); the loops are cancelled."""
    workers = [asyncio.create_task(relay.run(), name="outbox-relay")]
    workers += [asyncio.create_task(c.run(), name=c.group_id) for c in consumers]
    extra = [asyncio.create_task(loop) for loop in loops]
    try:
        yield
    finally:
        await relay.stop()
        for consumer in consumers:
            await consumer.stop()
        for task in extra:
            task.cancel()
        with suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*workers, *extra, return_exceptions=True), STOP_TIMEOUT_S
            )
