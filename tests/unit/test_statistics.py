"""The statistics page's charts: the API's counts, in the reader's words, busiest first."""

from __future__ import annotations

from services.web import i18n
from services.web.statistics import figures
from shared.contracts.identity import Language

STATS = {
    "delegates": 3, "exhibitors": 2, "requests": 6, "scheduled": 4, "held": 1,
    "by_status": {"scheduled": 3, "held": 1, "requested": 2},
    "by_country": {"AU": {"requested": 1}, "JP": {"scheduled": 2, "held": 1, "requested": 1}},
    "by_sector": {"coffee": {"scheduled": 3, "held": 1, "requested": 2}},
    "deals": {"IDR": 12_500_000.0}, "follow_ups": {"sample_order": 1},
}  # fmt: skip
PRODUCTS = [
    {"seller_id": "s1", "readiness": {"ready": False, "gaps": [
        {"kind": "bpom", "reason": "missing"}, {"kind": "halal", "reason": "expired"}]}},
    {"seller_id": "s2", "readiness": {"ready": False, "gaps": [{"kind": "bpom", "reason": "missing"}]}},
    {"seller_id": "s3", "readiness": {"ready": True, "gaps": []}},
]  # fmt: skip


def test_each_chart_carries_the_apis_counts_in_the_readers_words() -> None:
    i18n.use(Language.id)
    charts = {chart.key: chart for chart in figures(STATS, PRODUCTS).charts}
    status = charts["status"]
    assert status.labels == ["Menunggu", "Terjadwal", "Terlaksana"]
    assert status.series[0].values == [2.0, 3.0, 1.0]
    country = charts["country"]
    assert country.labels == ["Jepang", "Australia"]  # the busiest first
    assert [s.values for s in country.series] == [[4.0, 1.0], [3.0, 0.0], [1.0, 0.0]]
    readiness = charts["readiness"]
    assert "BPOM" in readiness.labels[0] and "Halal" in readiness.labels[1]  # most missing first
    assert readiness.series[0].values == [2.0, 1.0]
    assert charts["follow-ups"].spec()["datasets"][0]["data"] == [1.0]
    i18n.use(Language.en)
    assert figures(STATS, PRODUCTS).charts[0].labels == ["Waiting", "Scheduled", "Held"]
