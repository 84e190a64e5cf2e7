"""CloudEvents binary-mode envelope: what we write is a valid CloudEvent, and what is not one is
rejected with a reason."""

import json

import pytest

from shared.contracts.catalog import SellerDelisted
from shared.envelope import Envelope, InvalidEvent, parse_record


def test_wrapped_event_carries_required_cloudevent_headers_and_aggregate_key():
    envelope, key = Envelope.wrap(
        SellerDelisted(seller_id="slr-1", version=3), "/temu-dagang/catalog"
    )
    headers = dict(envelope.headers())
    assert key == "slr-1"
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_type"] == b"catalog.seller.delisted"
    assert headers["ce_source"] == b"/temu-dagang/catalog"
    assert headers["content-type"] == b"application/json"
    assert json.loads(envelope.value()) == {"seller_id": "slr-1", "version": 3}


def test_record_round_trips_to_the_same_event():
    envelope, _ = Envelope.wrap(SellerDelisted(seller_id="slr-1", version=3), "/src", "corr-1")
    parsed = parse_record(envelope.value(), envelope.headers())
    assert parsed.id == envelope.id and parsed.correlation_id == "corr-1"
    assert parsed.event() == SellerDelisted(seller_id="slr-1", version=3)


def test_record_written_by_another_client_with_plain_headers_is_read():
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", b"kcat-1"),
        ("ce_type", b"catalog.seller.delisted"),
        ("ce_source", b"kcat"),
        ("content-type", b"application/json"),
    ]
    event = parse_record(b'{"seller_id": "slr-9", "version": 2}', headers).event()
    assert event == SellerDelisted(seller_id="slr-9", version=2)


@pytest.mark.parametrize(
    ("value", "headers", "reason"),
    [
        (b"{}", [("ce_type", b"x")], "not-a-cloudevent"),
        (
            b"\xff\xfe",
            [("ce_specversion", b"1.0"), ("ce_id", b"1"), ("ce_type", b"t"), ("ce_source", b"s")],
            "malformed-json",
        ),
        (
            b"[1]",
            [("ce_specversion", b"1.0"), ("ce_id", b"1"), ("ce_type", b"t"), ("ce_source", b"s")],
            "malformed-json",
        ),
        (
            b"{}",
            [("ce_specversion", b"0.3"), ("ce_id", b"1"), ("ce_type", b"t"), ("ce_source", b"s")],
            "unsupported-specversion",
        ),
    ],
)
def test_records_that_are_not_cloudevents_are_rejected_with_a_reason(value, headers, reason):
    with pytest.raises(InvalidEvent) as rejected:
        parse_record(value, headers)
    assert rejected.value.reason == reason


def test_unknown_type_and_schema_violation_are_told_apart():
    base = [("ce_specversion", b"1.0"), ("ce_id", b"1"), ("ce_source", b"s")]
    with pytest.raises(InvalidEvent) as unknown:
        parse_record(b"{}", [*base, ("ce_type", b"catalog.seller.vanished")]).event()
    assert unknown.value.reason == "unknown-type"
    with pytest.raises(InvalidEvent) as violation:
        parse_record(b'{"seller_id": 5}', [*base, ("ce_type", b"catalog.seller.delisted")]).event()
    assert violation.value.reason == "schema-violation"
    assert "version" in violation.value.detail
