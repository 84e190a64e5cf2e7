"""Faults on the real processes while writes stream through all three services: a paused
broker, a killed Redis, a killed service, a killed consumer instance. Every test prints the
counts (sent, acknowledged, delivered, applied, duplicated, lost) and requires nothing lost and
nothing applied twice."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.local.stack import LocalStack
from tests.reliability.traffic import Counts, Traffic

pytestmark = pytest.mark.reliability
SERVICES = ["catalog", "events", "matching"]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    with LocalStack(tmp_path, services=SERVICES, own_infrastructure=True) as running:
        yield running


def check(*counts: Counts) -> None:
    for count in counts:
        print(count.line())
    for count in counts:
        assert count.acknowledged > 0, f"no {count.flow} write was acknowledged"
        assert count.lost == 0, count.line()
        assert count.duplicated == 0, count.line()
        assert count.delivered == count.acknowledged, count.line()


def test_broker_paused_for_20_seconds_loses_and_doubles_nothing(stack: LocalStack) -> None:
    traffic = Traffic(stack)
    traffic.setup()

    def pause() -> None:
        stack.pause_broker()
        time.sleep(20)
        stack.resume_broker()

    asyncio.run(traffic.run(seconds=26, fault=pause))
    check(*asyncio.run(traffic.settle()))


def test_redis_killed_and_restarted_from_its_aof_loses_no_acknowledged_write(
    stack: LocalStack,
) -> None:
    traffic = Traffic(stack)
    traffic.setup()

    def kill() -> None:
        stack.kill_redis()
        time.sleep(1)
        stack.restart_redis()

    asyncio.run(traffic.run(seconds=7, fault=kill))
    check(*asyncio.run(traffic.settle()))


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_killed_mid_stream_resumes_with_nothing_lost_or_doubled(
    stack: LocalStack, service: str
) -> None:
    traffic = Traffic(stack)
    traffic.setup()

    def crash() -> None:
        stack.kill_service(service)
        time.sleep(1)
        stack.restart_service(service)

    asyncio.run(traffic.run(seconds=7, fault=crash))
    check(*asyncio.run(traffic.settle()))


def test_a_second_consumer_instance_takes_over_when_the_first_is_killed(stack: LocalStack) -> None:
    stack.start_service("events", instance="events-2")
    second_matching = stack.start_service("matching", instance="matching-2")
    traffic = Traffic(stack, matching_urls=[second_matching])
    traffic.setup()

    def kill_the_first() -> None:
        stack.kill_service("events")
        stack.kill_service("matching")

    # The killed instances never come back: what is written after must be consumed by the
    # survivors, once the group rebalances their partitions to them.
    asyncio.run(traffic.run(seconds=9, fault=kill_the_first, fault_after=3))
    stack.service_urls["events"] = stack.service_urls["events-2"]
    check(*asyncio.run(traffic.settle()))
