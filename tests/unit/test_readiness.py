"""Export readiness rules (design: food and cosmetics need halal and BPOM, packaged goods need
English labelling, a brand needs a trademark, expired certificates count as missing)."""

import datetime as dt

from services.catalog.domain import Certification, Product, assess_readiness
from shared.contracts.catalog import CertificationStatus, GapReason, LocalizedText, Sector

TODAY = dt.date(2019, 11, 14)


def product(hs_code: str = "090111", **overrides: object) -> Product:
    fields: dict[str, object] = {
        "id": "slr-1.p2",
        "seller_id": "slr-1",
        "name": LocalizedText(id="Kopi Arabika Bajawa"),
        "hs_code": hs_code,
        "sector": Sector.coffee,
        "unit": "kg",
        "monthly_capacity": 500,
        "minimum_order": 10,
        "packaged": False,
        "branded": False,
    }
    fields.update(overrides)
    return Product.model_validate(fields)


def certificate(kind: str, **overrides: object) -> Certification:
    fields: dict[str, object] = {
        "id": f"slr-1.c{kind}",
        "seller_id": "slr-1",
        "kind": kind,
        "number": "X-1",
        "issuer": "issuer",
        "valid_from": dt.date(2019, 1, 1),
        "valid_until": dt.date(2021, 1, 1),
    }
    fields.update(overrides)
    return Certification.model_validate(fields)


def gap_kinds(item: Product, certificates: list[Certification], destination: str | None = None):
    return {
        gap.kind.value: gap.reason
        for gap in assess_readiness(item, certificates, TODAY, destination).gaps
    }


def test_unpackaged_green_coffee_needs_nothing_and_is_ready():
    readiness = assess_readiness(product("090111"), [], TODAY)
    assert readiness.ready and readiness.gaps == ()


def test_processed_food_needs_halal_and_bpom():
    chocolate = product("180632", sector=Sector.cocoa)
    assert gap_kinds(chocolate, []) == {"halal": GapReason.missing, "bpom": GapReason.missing}


def test_packaged_roasted_coffee_also_needs_english_labelling():
    roasted = product("090121", packaged=True)
    assert set(gap_kinds(roasted, [])) == {"halal", "bpom", "english_label"}


def test_cajuput_oil_as_essential_oil_needs_halal_and_bpom():
    cajuput = product("330129", sector=Sector.essential_oils)
    assert set(gap_kinds(cajuput, [])) == {"halal", "bpom"}


def test_branded_woven_ikat_needs_only_a_trademark():
    ikat = product("580810", sector=Sector.woven_textiles, branded=True)
    assert gap_kinds(ikat, []) == {"trademark": GapReason.missing}


def test_valid_certificates_close_the_gaps():
    chocolate = product("180632", sector=Sector.cocoa)
    assert assess_readiness(chocolate, [certificate("halal"), certificate("bpom")], TODAY).ready


def test_expired_halal_certificate_blocks_export_readiness():
    chocolate = product("180632", sector=Sector.cocoa)
    expired = certificate("halal", valid_until=dt.date(2019, 6, 30))
    gaps = assess_readiness(chocolate, [expired, certificate("bpom")], TODAY).gaps
    assert [(g.kind.value, g.reason) for g in gaps] == [("halal", GapReason.expired)]
    assert "2019-06-30" in gaps[0].detail


def test_revoked_certificate_counts_as_missing_with_its_reason():
    chocolate = product("180632", sector=Sector.cocoa)
    revoked = certificate("bpom", status=CertificationStatus.revoked)
    assert gap_kinds(chocolate, [certificate("halal"), revoked]) == {"bpom": GapReason.revoked}


def test_certificate_not_yet_in_force_does_not_count():
    chocolate = product("180632", sector=Sector.cocoa)
    future = certificate("halal", valid_from=dt.date(2020, 1, 1))
    assert "halal" in gap_kinds(chocolate, [future, certificate("bpom")])


def test_certificate_for_another_product_does_not_cover_this_one():
    chocolate = product("180632", sector=Sector.cocoa)
    elsewhere = certificate("halal", product_ids=["slr-1.p9"])
    assert "halal" in gap_kinds(chocolate, [elsewhere, certificate("bpom")])


def test_malaysia_asks_halal_even_for_raw_food():
    assert gap_kinds(product("080131", sector=Sector.cashew), [], "MY") == {
        "halal": GapReason.missing
    }
    assert gap_kinds(product("080131", sector=Sector.cashew), [], "JP") == {}


def test_fish_to_china_needs_a_health_certificate():
    tuna = product("030487", sector=Sector.fisheries)
    assert gap_kinds(tuna, [], "CN") == {"health_certificate": GapReason.missing}


def test_raw_cocoa_beans_are_a_commodity_not_processed_food():
    beans = product("180100", sector=Sector.cocoa)
    assert assess_readiness(beans, [], TODAY).ready


def test_a_submitted_certificate_counts_for_nothing_until_verified():
    chocolate = product("180632", sector=Sector.cocoa)
    pending = certificate("halal", status=CertificationStatus.submitted)
    assert gap_kinds(chocolate, [pending, certificate("bpom")]) == {"halal": GapReason.unverified}


def test_a_rejected_certificate_is_a_gap_with_the_certifiers_reason():
    chocolate = product("180632", sector=Sector.cocoa)
    refused = certificate(
        "halal", status=CertificationStatus.rejected, rejected_reason="illegible scan"
    )
    readiness = assess_readiness(chocolate, [refused, certificate("bpom")], TODAY)
    (gap,) = readiness.gaps
    assert gap.reason is GapReason.rejected and "illegible scan" in gap.detail


def test_a_new_submission_after_an_expired_one_says_it_awaits_review():
    chocolate = product("180632", sector=Sector.cocoa)
    lapsed = certificate("halal", id="slr-1.c1", valid_until=dt.date(2019, 6, 1))
    renewal = certificate("halal", id="slr-1.c2", status=CertificationStatus.submitted)
    assert gap_kinds(chocolate, [lapsed, renewal, certificate("bpom")]) == {
        "halal": GapReason.unverified
    }
