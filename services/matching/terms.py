"""The bilingual term list (English and Indonesian, with HS codes as the spine) and the text
normalisation that lets an English interest find a product described only in Indonesian, and
the reverse: "coffee", "kopi" and HS heading 0901 are one concept.

The list is data (`data/terms.csv`), one concept a row:

- `hs_prefixes`: HS chapters, headings or subheadings that *identify* the concept, so a product
  filed there is that concept whatever its text says (0901 is coffee);
- `hs_typical`: codes its products are often filed under but which hold other goods too
  (moringa leaf under 121190 with every other medicinal plant); documentation and test data
  only, never a match;
- `en_terms`, `id_terms`: synonyms, `|`-separated, phrases allowed;
- `varieties`: kinds a buyer may insist on, `;`-separated, each `name=word|word` (coffee:
  `arabica=arabica|arabika;robusta=robusta`), so an interest in arabica is not answered by
  robusta as if it were the same thing;
- a concept named `!…` is not a concept: its phrases name something else ("warna cokelat" is
  the colour brown) and only stop a shorter phrase inside them from matching.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

TERMS_FILE = Path(__file__).resolve().parent / "data" / "terms.csv"
NOT_A_CONCEPT = "!"
ENGLISH, INDONESIAN, BOTH = "en", "id", "en+id"

_WORD = re.compile(r"[a-z0-9]+")
_APOSTROPHES = str.maketrans("", "", "'\u2019\u02bc`\u00b4")  # ' and its look-alikes
STOPWORDS = frozenset({
    "a", "an", "and", "the", "of", "for", "from", "in", "on", "with", "to", "or", "by", "our",
    "we", "i", "my", "their", "your", "is", "are", "be", "per", "dan", "di", "ke", "dari", "yang",
    "untuk", "dengan", "atau", "pada", "ini", "itu", "kami", "saya", "khas", "asal", "produk",
    "product", "dll", "etc", "high", "quality", "premium", "best", "good", "new", "local", "lokal",
    "asli", "kualitas", "berkualitas", "terbaik", "unggulan",
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Concept:
    name: str
    sector: str
    hs_prefixes: tuple[str, ...]
    hs_typical: tuple[str, ...]
    english: tuple[str, ...]
    indonesian: tuple[str, ...]
    note: str = ""
    varieties: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (name, words naming it)


@dataclass(frozen=True, slots=True)
class ConceptHit:
    concept: str
    term: str  # as written in the list
    language: str  # "en", "id", or "en+id" for a word both languages use ("tuna", "batik")


@dataclass(frozen=True, slots=True)
class Scan:
    hits: tuple[ConceptHit, ...]
    leftover: tuple[str, ...]  # tokens that no phrase took, in order


def fold(text: str) -> str:
    """Lower case without accents or apostrophes, so "Se'i" and "sei" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_APOSTROPHES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def stem(word: str) -> str:
    """English plurals and the Indonesian possessive "-nya", nothing more: a real stemmer
    for either language would merge words the term list keeps apart."""
    if len(word) >= 7 and word.endswith("nya"):
        return word[:-3]  # kopinya -> kopi; short words (hanya, punya) are left alone
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    # Indonesian words end in -as, -is, -us without being plurals (alas, manis, halus).
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "as")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Words of `text`, folded and stemmed, stop words kept (phrases need them)."""
    return [stem(word) for word in _WORD.findall(fold(text))]


def normalise(text: str) -> str:
    return " ".join(tokens(text))


def content_words(text: str) -> set[str]:
    """The words of `text` worth comparing: no stop words, no single letters."""
    return without_stopwords(tokens(text))


def without_stopwords(words: Iterable[str]) -> set[str]:
    return {word for word in words if len(word) > 1 and word not in STOPWORDS}


def spellings(text: str) -> dict[str, str]:
    """Each token of `text` as compared -> as written (folded), to quote the delegate's words."""
    return {stem(word): word for word in _WORD.findall(fold(text))}


class TermList:
    def __init__(self, concepts: Iterable[Concept], blockers: Iterable[Concept] = ()) -> None:
        self.concepts = {concept.name: concept for concept in concepts}
        self.blockers = {blocker.name: blocker for blocker in blockers}
        # phrase -> concept -> (the term as first listed, the languages listing it)
        by_phrase: dict[tuple[str, ...], dict[str, tuple[str, set[str]]]] = {}
        for concept in [*self.concepts.values(), *self.blockers.values()]:
            for language, terms in ((ENGLISH, concept.english), (INDONESIAN, concept.indonesian)):
                for term in terms:
                    phrase = tuple(tokens(term))
                    if phrase:
                        found = by_phrase.setdefault(phrase, {})
                        found.setdefault(concept.name, (term, set()))[1].add(language)
        # A blocker's phrase yields no hit, but still takes its words.
        self._phrases: dict[tuple[str, ...], tuple[ConceptHit, ...]] = {
            phrase: tuple(
                ConceptHit(name, term, BOTH if len(languages) > 1 else min(languages))
                for name, (term, languages) in found.items()
                if not name.startswith(NOT_A_CONCEPT)
            )
            for phrase, found in by_phrase.items()
        }
        # Phrase lengths by first word, longest first: most words start no phrase at all.
        lengths: dict[str, set[int]] = {}
        for phrase in self._phrases:
            lengths.setdefault(phrase[0], set()).add(len(phrase))
        self._lengths = {word: sorted(found, reverse=True) for word, found in lengths.items()}
        self._by_prefix: dict[str, set[str]] = {}
        for concept in self.concepts.values():
            for prefix in concept.hs_prefixes:
                self._by_prefix.setdefault(prefix, set()).add(concept.name)
        self._variety_of: dict[str, dict[str, str]] = {
            concept.name: {
                stem(word): variety
                for variety, words in concept.varieties
                for term in words
                for word in tokens(term)
            }
            for concept in self.concepts.values()
            if concept.varieties
        }

    def has_varieties(self, concept: str) -> bool:
        return concept in self._variety_of

    def varieties_in(self, concept: str, words: Iterable[str]) -> frozenset[str]:
        """The varieties of `concept` that `words` (as `tokens` gives them) name."""
        variety_of = self._variety_of.get(concept)
        if not variety_of:
            return frozenset()
        return frozenset(variety_of[word] for word in words if word in variety_of)

    def scan(self, text: str) -> Scan:
        """Concepts named in `text` in order of appearance, the longest phrase winning at each
        place ("minyak kayu putih" is cajuput oil, not anything "kayu"), and the words left."""
        return self.scan_tokens(tokens(text))

    def scan_tokens(self, words: list[str]) -> Scan:
        hits: dict[ConceptHit, None] = {}
        leftover: list[str] = []
        position = 0
        while position < len(words):
            taken = 1
            for length in self._lengths.get(words[position], ()):
                found = self._phrases.get(tuple(words[position : position + length]))
                if found is not None:
                    taken = length
                    if found:
                        hits.update(dict.fromkeys(found))
                    else:  # a blocker: its words name no concept but stay for the text
                        leftover.extend(words[position : position + length])
                    break
            else:
                leftover.append(words[position])
            position += taken
        return Scan(tuple(hits), tuple(leftover))

    def find(self, text: str) -> list[ConceptHit]:
        return list(self.scan(text).hits)

    def for_hs(self, code: str) -> frozenset[str]:
        """Concepts that an HS code (chapter to tariff line) identifies."""
        return frozenset(
            concept
            for length in range(2, len(code) + 1)
            for concept in self._by_prefix.get(code[:length], ())
        )


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (cell or "").split("|") if part.strip())


def _varieties(cell: str | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    named = (part.partition("=") for part in (cell or "").split(";") if part.strip())
    return tuple((name.strip(), _split(words)) for name, _, words in named)


def load(path: Path = TERMS_FILE) -> TermList:
    with path.open(encoding="utf-8", newline="") as rows:
        entries = [
            Concept(
                name=row["concept"].strip(),
                sector=row["sector"].strip(),
                hs_prefixes=_split(row["hs_prefixes"]),
                hs_typical=_split(row["hs_typical"]),
                english=_split(row["en_terms"]),
                indonesian=_split(row["id_terms"]),
                note=(row.get("note") or "").strip(),
                varieties=_varieties(row.get("varieties")),
            )
            for row in csv.DictReader(rows)
        ]
    return TermList(
        (e for e in entries if not e.name.startswith(NOT_A_CONCEPT)),
        (e for e in entries if e.name.startswith(NOT_A_CONCEPT)),
    )


@lru_cache(maxsize=1)
def term_list() -> TermList:
    return load()


def concepts_in(text: str) -> list[ConceptHit]:
    """The concepts `text` names, in either language, in order of appearance."""
    return term_list().find(text)


def concepts_for_hs(code: str) -> frozenset[str]:
    """The concepts an HS code identifies ("090111" -> coffee)."""
    return term_list().for_hs(code)
