"""Readiness probes shared by the services. The broker probe keeps one admin connection for
the life of the service: an orchestrator polls /readyz every few seconds, and a connection
per poll would cost the broker a handshake and a client each time."""

from __future__ import annotations

import asyncio
import contextlib

from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI

from shared.http import ReadinessCheck
from shared.settings import Settings


class BrokerProbe:
    """Asks the broker for its topics over one kept connection, made again after a failure."""

    def __init__(self, settings: Settings, timeout_s: float = 3.0) -> None:
        self.settings = settings
        self.timeout_s = timeout_s
        self._admin: AIOKafkaAdminClient | None = None
        self.connections = 0  # how many were opened, for the tests and the curious

    async def __call__(self) -> None:
        try:
            if self._admin is None:
                admin = AIOKafkaAdminClient(
                    bootstrap_servers=self.settings.bootstrap_servers,
                    client_id=f"{self.settings.service_name}-readiness",
                    request_timeout_ms=int(self.timeout_s * 1000),
                )
                await asyncio.wait_for(admin.start(), self.timeout_s)
                self._admin, self.connections = admin, self.connections + 1
            await asyncio.wait_for(self._admin.list_topics(), self.timeout_s)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        admin, self._admin = self._admin, None
        if admin is not None:
            # Closing a broken connection may fail; it is gone either way.
            with contextlib.suppress(Exception):
                await admin.close()


def redis_and_broker(app: FastAPI) -> dict[str, ReadinessCheck]:
    """Ready when the service's Redis answers and the broker serves metadata."""
    probe: BrokerProbe = app.state.broker_probe
    return {"redis": app.state.redis.ping, "broker": probe}
