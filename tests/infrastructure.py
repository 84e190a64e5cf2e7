"""Where the tests' broker and Redis come from.

By default the local launcher starts a Tansu broker and a redis-server as processes. With
`TEST_INFRA=docker` and a reachable Docker engine, testcontainers starts Apache Kafka (KRaft)
and Redis with AOF instead, and the launcher only connects to them. KAFKA_BOOTSTRAP_SERVERS and
REDIS_URL set from outside win over both.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest

from deploy.local.stack import LocalStack

DOCKER = "docker"


def docker_engine_problem() -> str | None:
    """Why Docker cannot be used here, or None when an engine answers."""
    try:
        import docker
    except ImportError:
        return "the docker SDK is not installed"
    try:
        client = docker.from_env(timeout=3)
        client.ping()
        client.close()
    except Exception as failure:
        return f"no Docker engine answers ({type(failure).__name__})"
    return None


def wants_docker() -> bool:
    return os.environ.get("TEST_INFRA", "local").lower() == DOCKER


@contextmanager
def containers() -> Iterator[dict[str, str]]:
    """Apache Kafka and Redis in containers; yields the environment that points at them."""
    from testcontainers.kafka import KafkaContainer
    from testcontainers.redis import RedisContainer

    with ExitStack() as started:
        kafka = started.enter_context(KafkaContainer("confluentinc/cp-kafka:7.7.1").with_kraft())
        redis = RedisContainer("redis:7.4-alpine").with_command(
            "redis-server --appendonly yes --appendfsync everysec --save ''"
        )
        started.enter_context(redis)
        host, port = redis.get_container_host_ip(), redis.get_exposed_port(redis.port)
        yield {
            "KAFKA_BOOTSTRAP_SERVERS": kafka.get_bootstrap_server(),
            "REDIS_URL": f"redis://{host}:{port}/0",
            "KAFKA_IDEMPOTENCE": "true",
        }


def require_local_broker(stack: LocalStack) -> None:
    if stack.broker is None:
        pytest.skip("the broker is external (not a process this test can pause)")


def require_local_redis(stack: LocalStack) -> None:
    if stack.redis is None:
        pytest.skip("Redis is external (not a process this test can kill)")
