"""Readiness probes shared by the services."""

from __future__ import annotations

import asyncio

from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI

from shared.http import ReadinessCheck
from shared.settings import Settings


def broker_check(settings: Settings, timeout_s: float = 3.0) -> ReadinessCheck:
    """A probe that asks the broker for its metadata, with a deadline."""

    async def check() -> None:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=settings.bootstrap_servers,
            client_id=f"{settings.service_name}-readiness",
            request_timeout_ms=int(timeout_s * 1000),
        )
        try:
            await asyncio.wait_for(admin.start(), timeout_s)
            await asyncio.wait_for(admin.list_topics(), timeout_s)
        finally:
            await admin.close()

    return check


def redis_and_broker(app: FastAPI) -> dict[str, ReadinessCheck]:
    """Ready when the service's Redis answers and the broker serves metadata."""
    return {"redis": app.state.redis.ping, "broker": broker_check(app.state.settings)}
