"""What a delegate asks for: a `MatchQuery`, validated and read by `parse` into the concepts,
varieties and words the search looks up."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from services.matching.ranking.index import ProductProfile, primary_language
from services.matching.terms import ConceptHit, spellings, term_list, tokens, without_stopwords
from shared.contracts.catalog import CertificationKind, Sector
from shared.hs import hs_nomenclature

MAX_K = 50
_SECTORS = frozenset(s.value for s in Sector)
_CERTIFICATIONS = frozenset(c.value for c in CertificationKind)


class InvalidQuery(ValueError):
    """A query that cannot be answered; `field` names the part at fault ("hs_codes[1]")."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


def _strings(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class MatchQuery:
    """What a delegate looks for. `interests` is free text (one string or several);
    `hs_codes` are HS prefixes of 2 to 8 digits; `expected_volume` is per month, in the
    product's unit; `only_sellers` limits the answer to an expo's exhibitors."""

    interests: Sequence[str] = ()
    sectors: Collection[str] = frozenset()
    hs_codes: Sequence[str] = ()
    required_certifications: Collection[str] = frozenset()
    preferred_provinces: Collection[str] = frozenset()
    expected_volume: float | None = None
    delegate_country: str | None = None
    delegate_languages: Sequence[str] = ()
    k: int = 10
    only_sellers: frozenset[str] | None = None

    def __post_init__(self) -> None:
        # Accept a single string or any collection, and keep the query hashable.
        set_ = object.__setattr__
        set_(self, "interests", _strings(self.interests))
        set_(self, "hs_codes", tuple(code.strip() for code in _strings(self.hs_codes)))
        set_(self, "delegate_languages", _strings(self.delegate_languages))
        for name in ("sectors", "required_certifications", "preferred_provinces"):
            set_(self, name, frozenset(_strings(getattr(self, name))))
        if self.only_sellers is not None:
            set_(self, "only_sellers", frozenset(self.only_sellers))

    def asked(self) -> dict[str, object]:
        """What the delegate asked, as a match request's body states it."""
        return {
            "interests": list(self.interests),
            "sectors": sorted(self.sectors),
            "hs_codes": list(self.hs_codes),
            "required_certifications": sorted(self.required_certifications),
            "preferred_provinces": sorted(self.preferred_provinces),
            "expected_volume": self.expected_volume,
            "k": self.k,
        }

    def validate(self) -> None:
        if not (any(i.strip() for i in self.interests) or self.sectors or self.hs_codes):
            raise InvalidQuery("interests", "say what you look for: interests, sectors or HS codes")
        if not 1 <= self.k <= MAX_K:
            raise InvalidQuery("k", f"must be between 1 and {MAX_K}")
        for position, code in enumerate(self.hs_codes):
            if not (code.isdigit() and 2 <= len(code) <= 8):
                raise InvalidQuery(f"hs_codes[{position}]", f"'{code}' must be 2 to 8 digits")
            if code[:6] not in _known_hs_prefixes():
                raise InvalidQuery(f"hs_codes[{position}]", f"no HS 2022 code starts with {code}")
        if unknown := sorted(set(self.sectors) - _SECTORS):
            raise InvalidQuery("sectors", f"unknown sector {', '.join(unknown)}")
        if unknown := sorted(set(self.required_certifications) - _CERTIFICATIONS):
            raise InvalidQuery("required_certifications", f"unknown {', '.join(unknown)}")
        if self.expected_volume is not None and not self.expected_volume >= 0:
            raise InvalidQuery("expected_volume", "must not be negative")
        country = self.delegate_country
        if country is not None and not (len(country) == 2 and country.isalpha()):
            raise InvalidQuery("delegate_country", "must be an ISO 3166-1 alpha-2 code")


@lru_cache(maxsize=1)
def _known_hs_prefixes() -> frozenset[str]:
    """Every chapter, heading and subheading prefix of HS 2022 (2 to 6 digits)."""
    return frozenset(
        code[:length] for code in hs_nomenclature().subheadings for length in range(2, 7)
    )


@dataclass(frozen=True, slots=True)
class Interest:
    """One interest as the ranking reads it: the concepts it names and its other words."""

    text: str
    hits: tuple[ConceptHit, ...]
    words: frozenset[str]
    spelled: Mapping[str, str]  # word as compared -> as the delegate wrote it
    varieties: Mapping[str, frozenset[str]]  # concept -> the varieties this interest names

    def accepts(self, concept: str, product: ProductProfile) -> bool:
        """Whether a product of `concept` is the kind this interest asks for: it names no
        variety, or the interest names none, or they share one."""
        return same_kind(self.varieties.get(concept), product.varieties.get(concept))


def same_kind(asked: frozenset[str] | None, offered: frozenset[str] | None) -> bool:
    """No variety asked, none offered, or one in common."""
    return not asked or not offered or not asked.isdisjoint(offered)


@dataclass(frozen=True)
class ParsedQuery:
    query: MatchQuery
    interests: tuple[Interest, ...]
    concepts: Mapping[str, tuple[tuple[str, ConceptHit], ...]]  # concept -> (interest, hit)
    words: frozenset[str]
    hs_codes: tuple[str, ...]
    sectors: frozenset[str]
    languages: frozenset[str]
    # concept -> varieties, for the concepts every interest naming them names a variety of
    varieties: Mapping[str, frozenset[str]]

    @property
    def concept_names(self) -> frozenset[str]:
        return frozenset(self.concepts)

    def names_a_concept_of(self, product: ProductProfile) -> bool:
        """Whether `product` is of a concept asked for, of a variety asked for or unspecified."""
        return any(
            same_kind(self.varieties.get(concept), product.varieties.get(concept))
            for concept in product.concepts
            if concept in self.concepts
        )


def parse(query: MatchQuery) -> ParsedQuery:
    """Validate `query` (raising `InvalidQuery`) and read its interests."""
    query.validate()
    terms = term_list()
    interests: list[Interest] = []
    concepts: dict[str, list[tuple[str, ConceptHit]]] = {}
    for text in query.interests:
        if not text.strip():
            continue
        scan = terms.scan(text)
        # Words that named a concept are matched as that concept, not again one by one
        # ("rumput laut" is seaweed; its "laut" alone would find sea salt).
        words = frozenset(without_stopwords(scan.leftover))
        named = tokens(text)
        varieties = {
            hit.concept: found
            for hit in scan.hits
            if (found := terms.varieties_in(hit.concept, named))
        }
        interests.append(Interest(text, scan.hits, words, spellings(text), varieties))
        for hit in scan.hits:
            named_by = concepts.setdefault(hit.concept, [])
            if all(text != earlier for earlier, _ in named_by):
                named_by.append((text, hit))
    restricted = {
        concept: frozenset().union(*(i.varieties.get(concept, ()) for i in interests))
        for concept in concepts
        if all(
            concept in i.varieties for i in interests if any(h.concept == concept for h in i.hits)
        )
    }
    return ParsedQuery(
        query=query,
        interests=tuple(interests),
        varieties=restricted,
        concepts={concept: tuple(named_by) for concept, named_by in concepts.items()},
        words=frozenset(w for interest in interests for w in interest.words),
        hs_codes=tuple(query.hs_codes),
        sectors=frozenset(query.sectors),
        languages=frozenset(primary_language(tag) for tag in query.delegate_languages),
    )
