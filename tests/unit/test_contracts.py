"""Event contracts: fixtures round-trip, checked-in schemas and AsyncAPI are fresh, and the
compatibility check catches breaking changes."""

import copy
import json
from pathlib import Path

import pytest

from shared.contracts import EVENT_TYPES
from shared.contracts.compatibility import incompatibilities
from shared.contracts.generate import breaking_changes, event_schema, stale_files

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "events"


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_event_type_has_a_fixture_that_round_trips(event_type):
    fixture = json.loads((FIXTURES / f"{event_type}.json").read_text())
    event = EVENT_TYPES[event_type].model_validate(fixture)
    assert json.loads(event.model_dump_json()) == fixture
    assert event.key


def test_checked_in_schemas_and_asyncapi_are_fresh():
    assert stale_files() == [], "run `make contracts`"


def test_current_contracts_do_not_break_the_checked_in_schemas():
    assert breaking_changes() == {}


def _schema():
    return copy.deepcopy(event_schema(EVENT_TYPES["catalog.seller.registered"]))


def test_removed_field_is_breaking():
    new = _schema()
    del new["$defs"]["SellerData"]["properties"]["regency"]
    assert incompatibilities(_schema(), new) == ["seller.regency: removed"]


def test_retyped_field_is_breaking():
    new = _schema()
    new["$defs"]["SellerData"]["properties"]["version"] = {"type": "string"}
    assert incompatibilities(_schema(), new) == [
        "seller.version: type changed from integer to string"
    ]


def test_new_required_field_is_breaking_but_new_optional_field_is_not():
    optional = _schema()
    optional["$defs"]["SellerData"]["properties"]["motto"] = {"type": "string"}
    assert incompatibilities(_schema(), optional) == []
    required = copy.deepcopy(optional)
    required["$defs"]["SellerData"]["required"].append("motto")
    assert incompatibilities(_schema(), required) == ["seller.motto: new required field"]


def test_removed_enum_value_is_breaking():
    new = _schema()
    new["$defs"]["Sector"]["enum"].remove("salt")
    assert incompatibilities(_schema(), new) == ["seller.sectors[]: enum value 'salt' removed"]
