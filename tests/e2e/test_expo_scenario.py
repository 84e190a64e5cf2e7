"""The Sunda Kecil Expo end to end, on the real stack (broker, Redis and the four services as
processes), as `make demo` runs it, asserting on what its users see: every delegate has an
agenda, nobody is double-booked or booked outside their availability, every meeting traces back
to an accepted match, every event on every topic is a valid CloudEvent of a known type, and the
organiser signs in to the web app and finds the expo."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from deploy.local.demo import (
    ORGANISER_EMAIL,
    ORGANISER_PASSWORD,
    create_organiser_account,
    run_scenario,
)
from deploy.local.stack import LocalStack
from shared.contracts import EVENT_TYPES, topics
from shared.envelope import parse_record
from shared.settings import Settings
from tests.helpers import read_all

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    folder = Path(tmp_path_factory.mktemp("expo"))
    services = ["catalog", "events", "matching", "web"]
    with LocalStack(folder / "stack", services=services, own_infrastructure=True) as running:
        yield running


@pytest.fixture(scope="module")
def scenario(
    stack: LocalStack, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], Settings]:
    out = Path(tmp_path_factory.mktemp("out"))
    create_organiser_account(stack.environment())
    report = run_scenario(stack.service_urls, stack.settings(), out)
    assert (out / "demo-report.json").exists()
    return report, stack.settings()


def _when(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    assert moment.utcoffset() is not None, f"{text} has no UTC offset"
    return moment


def test_the_report_has_the_documented_shape(scenario) -> None:
    report, _ = scenario
    assert report["expo"]["time_zone"] == "Asia/Makassar" and report["expo"]["name"]
    kinds = Counter(p["kind"] for p in report["participants"])
    assert kinds["delegate"] == 22 and kinds["seller"] >= 40
    assert len({p["country"] for p in report["participants"] if p["kind"] == "delegate"}) == 18
    for proposal in report["proposals"]:
        assert {"delegate", "seller", "score", "reasons", "accepted"} <= proposal.keys()
        assert proposal["reasons"] and all(isinstance(r, str) for r in proposal["reasons"])
    for meeting in report["meetings"]:
        assert _when(meeting["end"]) > _when(meeting["start"])
        assert meeting["table"] is None or meeting["table"] >= 1


def test_every_delegate_gets_an_agenda(scenario) -> None:
    report, _ = scenario
    with_meetings = {m["delegate"] for m in report["meetings"]}
    delegates = {p["id"] for p in report["participants"] if p["kind"] == "delegate"}
    assert delegates == with_meetings


def test_nobody_is_double_booked_or_booked_outside_their_availability(scenario) -> None:
    report, _ = scenario
    available = {(p["kind"], p["id"]): p["available"] for p in report["participants"]}
    seen: set[tuple[str, str]] = set()
    tables: set[tuple[str, int]] = set()
    for meeting in report["meetings"]:
        start, end = _when(meeting["start"]), _when(meeting["end"])
        for kind, person in (("delegate", meeting["delegate"]), ("seller", meeting["seller"])):
            assert (person, meeting["start"]) not in seen, f"{person} double-booked"
            seen.add((person, meeting["start"]))
            ranges = available[(kind, person)]
            if ranges is not None:
                assert any(_when(r["start"]) <= start and end <= _when(r["end"]) for r in ranges), (
                    f"{person} booked outside their availability at {meeting['start']}"
                )
        if meeting["table"] is not None:
            assert (meeting["start"], meeting["table"]) not in tables
            tables.add((meeting["start"], meeting["table"]))


def test_every_meeting_traces_back_to_an_accepted_match(scenario) -> None:
    report, _ = scenario
    accepted = {(p["delegate"], p["seller"]) for p in report["proposals"] if p["accepted"]}
    for meeting in report["meetings"]:
        assert (meeting["delegate"], meeting["seller"]) in accepted
    assert report["schedule"]["fulfilment_ratio"] >= 0.99


def test_the_organiser_signs_in_to_the_web_app_and_finds_the_expo(scenario, stack) -> None:
    report, _ = scenario
    with httpx.Client(base_url=stack.service_urls["web"], follow_redirects=True) as browser:
        form = browser.get("/signin")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token, form.text
        credentials = {"csrf": token.group(1), "email": ORGANISER_EMAIL}
        expos = browser.post("/signin", data={**credentials, "password": ORGANISER_PASSWORD})
        assert expos.status_code == 200 and str(expos.url).endswith("/expos"), expos.text
        assert f'href="/expos/{report["expo"]["id"]}"' in expos.text
        assert "Pameran Anda" in expos.text  # her account reads Indonesian


def test_every_event_on_every_topic_is_a_valid_cloudevent_of_a_known_type(scenario) -> None:
    _, settings = scenario
    for topic in topics.ALL:
        records = asyncio.run(read_all(settings, topic))
        assert records, f"nothing on {topic}"
        for record in records:
            envelope = parse_record(record.value, record.headers)
            assert envelope.type in EVENT_TYPES and EVENT_TYPES[envelope.type].topic == topic
            event = envelope.event()  # validates the data against the contract
            assert record.key is not None and record.key.decode() == event.key
