"""An expo's figures as the organiser reads them: each chart's labels and series in the reader's
language (Chart.js draws them; the table beside each holds the same numbers for print and for
readers without script), and the rows of the export."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from services.web import i18n, vocabulary
from services.web.messages import N_

STATUSES = {
    "requested": N_("Waiting"),
    "scheduled": N_("Scheduled"),
    "held": N_("Held"),
    "no_show": N_("No-show"),
    "cancelled": N_("Cancelled"),
}
PLACED = ("scheduled", "held", "no_show")  # a meeting was (or is) in the schedule
FOLLOW_UPS = {
    "none": N_("None"),
    "sample_order": N_("Sample order"),
    "negotiation": N_("Negotiation"),
    "contract": N_("Contract"),
}
# Colours that stay apart for colour-blind readers and on a greyscale printout (Okabe–Ito).
COLOURS = ["#0072B2", "#009E73", "#E69F00", "#D55E00", "#56B4E9", "#CC79A7", "#000000"]


@dataclass(frozen=True)
class Series:
    label: str
    values: list[float]


@dataclass(frozen=True)
class Chart:
    key: str  # the canvas's id: chart-<key>
    title: str
    labels: list[str]
    series: list[Series]
    horizontal: bool = False

    def spec(self) -> dict[str, Any]:
        """What charts.js hands to Chart.js."""
        return {
            "type": "bar",
            "horizontal": self.horizontal,
            "labels": self.labels,
            "datasets": [
                {"label": s.label, "data": s.values, "backgroundColor": COLOURS[n % len(COLOURS)]}
                for n, s in enumerate(self.series)
            ],
        }


@dataclass(frozen=True)
class Figures:
    stats: dict[str, Any]
    charts: list[Chart] = field(default_factory=list)
    deals: list[tuple[str, float]] = field(default_factory=list)  # currency, total


def status_name(code: str) -> str:
    return i18n._(STATUSES[code]) if code in STATUSES else code


def _breakdown(key: str, title: str, rows: dict[str, dict[str, int]], name: Any) -> Chart:
    """Requests, placed and held per country (or sector), the busiest first."""
    ordered = sorted(rows.items(), key=lambda item: (-sum(item[1].values()), name(item[0])))
    return Chart(
        key,
        title,
        [name(code) for code, _ in ordered],
        [
            Series(i18n._("Requests"), [float(sum(counts.values())) for _, counts in ordered]),
            Series(
                i18n._("With a meeting"),
                [float(sum(counts.get(s, 0) for s in PLACED)) for _, counts in ordered],
            ),
            Series(i18n._("Held"), [float(counts.get("held", 0)) for _, counts in ordered]),
        ],
        horizontal=True,
    )


def figures(stats: dict[str, Any], products: list[dict[str, Any]]) -> Figures:
    """`products`: the exhibitors' products, each with its export readiness."""
    statuses = [code for code in STATUSES if stats["by_status"].get(code)]
    gaps = Counter(
        gap["kind"]
        for product in products
        if not product["readiness"]["ready"]
        for gap in product["readiness"]["gaps"]
    )
    gap_kinds = sorted(gaps, key=lambda kind: (-gaps[kind], vocabulary.certificate(kind)))
    follow_ups = [code for code in FOLLOW_UPS if stats["follow_ups"].get(code)]
    charts = [
        Chart(
            "status",
            i18n._("Requests by status"),
            [status_name(code) for code in statuses],
            [Series(i18n._("Requests"), [float(stats["by_status"][c]) for c in statuses])],
        ),
        _breakdown(
            "country", i18n._("By delegates' country"), stats["by_country"], vocabulary.country
        ),
        _breakdown(
            "sector", i18n._("By exhibitors' sector"), stats["by_sector"], vocabulary.sector
        ),
        Chart(
            "readiness",
            i18n._("What keeps products from export"),
            [vocabulary.certificate(kind) for kind in gap_kinds],
            [Series(i18n._("Products"), [float(gaps[kind]) for kind in gap_kinds])],
            horizontal=True,
        ),
        Chart(
            "follow-ups",
            i18n._("What the meetings led to"),
            [i18n._(FOLLOW_UPS[code]) for code in follow_ups],
            [Series(i18n._("Meetings"), [float(stats["follow_ups"][c]) for c in follow_ups])],
        ),
    ]
    deals = sorted(stats["deals"].items(), key=lambda item: -item[1])
    return Figures(stats, charts, deals)
