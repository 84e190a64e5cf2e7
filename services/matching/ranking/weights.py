"""The numbers the ranking is tuned by: how relevant each kind of match is, the relevance tiers
that order sellers before any points do, and the points of a seller's 0-100 score."""

from __future__ import annotations

# Relevance of a product to the interests, 0-1, by how it matched: the strongest that applies.
HS_CODE = 1.0  # the same HS subheading (6 digits) as a code asked for
BILINGUAL_TERM = 0.9  # the same concept, named in either language or identified by its HS code
HS_HEADING = 0.85  # the same 4-digit HS heading
OTHER_VARIETY = 0.7  # the concept asked for, but another variety than every interest names
HS_CHAPTER = 0.6  # the same HS chapter
SECTOR = 0.55  # in a sector asked for
TEXT = 0.5  # the most a text match reaches: TEXT times the share of the interest's IDF weight
# A text match needs words carrying a third of the interest's IDF weight: one common word
# shared ("dried", "natural") is not a match.
MIN_TEXT_SHARE = 1 / 3

# Sellers rank by relevance tier first (strong, good, weak), then by score, then by seller id:
# no bonus lifts a seller above one whose products match the interests better.
STRONG, GOOD = 0.85, 0.6

# Points of the 0-100 score: its best product's relevance times RELEVANCE_POINTS, plus the
# rest below. A criterion the delegate left out counts as met.
RELEVANCE_POINTS = 50.0
CERTIFICATION_POINTS = 15.0  # the required certifications held, shared among them
READINESS_POINTS, GAP_COST = 10.0, 2.5  # export readiness, less GAP_COST a gap
EXPORT_POINTS, EXPORT_ELSEWHERE_POINTS = 8.0, 3.0  # exports to the delegate's country, elsewhere
CAPACITY_POINTS = 7.0  # monthly capacity against the expected volume, pro rata
LANGUAGE_POINTS = 5.0  # a language shared with the delegate
PROVINCE_POINTS = 5.0  # in a province the delegate prefers


def tier(relevance: float) -> int:
    """2 strong, 1 good, 0 weak."""
    return 2 if relevance >= STRONG else 1 if relevance >= GOOD else 0
