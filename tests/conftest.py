"""A real broker and a real Redis for the session, shared by the integration and security
tests: Tansu and redis-server started by the local launcher, or Apache Kafka and Redis
containers with TEST_INFRA=docker where an engine exists. Services run in-process against them
with their full lifespan (relay, consumers); a security test may also start one as a process."""

from __future__ import annotations

import os
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from redis.asyncio import Redis

from deploy.local.stack import LocalStack
from shared.auth import Role, bearer
from shared.keys import KEY_VARIABLES
from shared.settings import Settings, get_settings
from tests.infrastructure import containers, docker_engine_problem, wants_docker

ORGANISER = "disperindag-ntt"
# Tests send one subject's requests far past a person's pace (10,000 bookings, the API fuzzer);
# every service they start, in any stack, still counts each request but refuses none. The
# security tests start a service with a low limit to see it refuse.
TEST_RATE_LIMITS = "1000000/second"
os.environ.setdefault("RATE_LIMITS", TEST_RATE_LIMITS)
TEST_ENV = {
    "KAFKA_REQUEST_TIMEOUT_MS": "2000",
    "KAFKA_SESSION_TIMEOUT_MS": "1500",
    "KAFKA_HEARTBEAT_INTERVAL_MS": "300",
    "ENVIRONMENT": "test",
    # The tests' organiser signs in many times a minute; the limit is still counted, and
    # tests/web/test_signin.py meets a low one of its own.
    "SIGN_IN_LIMITS": "1000/minute",
}


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    data_dir = Path(tmp_path_factory.mktemp("stack"))
    with ExitStack() as started:
        external = {}
        if wants_docker():
            problem = docker_engine_problem()
            if problem is None:
                external = started.enter_context(containers())
            else:
                warnings.warn(
                    f"TEST_INFRA=docker but {problem}; using local processes", stacklevel=1
                )
        touched = [
            "KAFKA_BOOTSTRAP_SERVERS",
            "REDIS_URL",
            *KEY_VARIABLES,
            "KAFKA_IDEMPOTENCE",
            *TEST_ENV,
        ]
        previous = {key: os.environ.get(key) for key in touched}
        os.environ.update(external)
        running = started.enter_context(LocalStack(data_dir, env=TEST_ENV))
        os.environ.update(running.environment())
        get_settings.cache_clear()
        yield running
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()


@pytest.fixture(scope="session")
def settings(stack: LocalStack) -> Settings:
    return get_settings()


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(settings.redis_url)
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
async def catalog(stack: LocalStack) -> AsyncIterator[httpx.AsyncClient]:
    """The catalog app in-process with its lifespan (relay running), as an organiser."""
    from services.catalog.app import app

    async with in_process(app, "http://catalog") as client:
        yield client


@asynccontextmanager
async def in_process(app: FastAPI, base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A service app in this process with its whole lifespan, behind an organiser's token."""
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url=base_url,
            headers=bearer(get_settings(), Role.organiser, ORGANISER),
        ) as client:
            yield client


@pytest.fixture(scope="session")
async def events(stack: LocalStack, catalog: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """The events app in-process (relay and consumers running), as an organiser."""
    from services.events.app import app

    async with in_process(app, "http://events") as client:
        yield client


@pytest.fixture(scope="session")
async def matching(
    stack: LocalStack, events: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    """The matching app in-process (relay, consumers and index follower running)."""
    from services.matching.app import app

    async with in_process(app, "http://matching") as client:
        yield client


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = str(item.fspath)
        if "tests/integration" in path:
            item.add_marker(pytest.mark.integration)
        elif "tests/security" in path:
            item.add_marker(pytest.mark.security)
