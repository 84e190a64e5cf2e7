"""The bilingual term list (English and Indonesian, with HS headings as the spine) and the text
normalisation that lets an English interest find a product described only in Indonesian, and
the reverse: "coffee" and "kopi" are the same concept, as is HS heading 0901."""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

TERMS_FILE = Path(__file__).resolve().parent / "data" / "terms.csv"
_WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    "a an and the of for from in on with to or by our we i my their your is are be "
    "dan di ke dari yang untuk dengan atau pada ini itu kami saya produk product products "
    "dll etc high quality premium best good new local lokal asli".split()
)


@dataclass(frozen=True)
class Concept:
    name: str
    sector: str
    hs_prefixes: tuple[str, ...]
    english: tuple[str, ...]
    indonesian: tuple[str, ...]


@dataclass(frozen=True)
class ConceptHit:
    concept: str
    term: str  # as written in the list
    language: str  # "en" or "id"


def fold(text: str) -> str:
    """Lower case without accents or apostrophes, so "Se'i" and "sei" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("'", "")


def _stem(word: str) -> str:
    # English plurals only: Indonesian words are not inflected this way ("kelas" stays whole
    # because a plural-stripped "kela" is no word; short words are left alone).
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "as")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Words of `text`, folded and stemmed, stop words kept (phrases need them)."""
    return [_stem(word) for word in _WORD.findall(fold(text))]


def content_words(text: str) -> set[str]:
    return {word for word in tokens(text) if word not in STOPWORDS and len(word) > 1}


class TermList:
    def __init__(self, concepts: list[Concept]) -> None:
        self.concepts = {concept.name: concept for concept in concepts}
        self._phrases: dict[tuple[str, ...], list[ConceptHit]] = {}
        for concept in concepts:
            for language, terms in (("en", concept.english), ("id", concept.indonesian)):
                for term in terms:
                    key = tuple(tokens(term))
                    hit = ConceptHit(concept.name, term, language)
                    if hit not in self._phrases.setdefault(key, []):
                        self._phrases[key].append(hit)
        self._longest = max(len(phrase) for phrase in self._phrases)
        self._by_prefix: dict[str, set[str]] = {}
        for concept in concepts:
            for prefix in concept.hs_prefixes:
                self._by_prefix.setdefault(prefix, set()).add(concept.name)

    def find(self, text: str) -> list[ConceptHit]:
        """Concepts named in `text`, longest phrase first ("minyak kayu putih" is cajuput oil,
        not "kayu" anything), in order of appearance."""
        words = tokens(text)
        hits: list[ConceptHit] = []
        position = 0
        while position < len(words):
            for length in range(min(self._longest, len(words) - position), 0, -1):
                found = self._phrases.get(tuple(words[position : position + length]))
                if found:
                    hits.extend(h for h in found if h not in hits)
                    position += length
                    break
            else:
                position += 1
        return hits

    def for_hs(self, code: str) -> set[str]:
        """Concepts whose HS chapters, headings or subheadings contain `code`."""
        return {
            concept
            for length in range(2, len(code) + 1)
            for concept in self._by_prefix.get(code[:length], ())
        }


@lru_cache
def term_list() -> TermList:
    with TERMS_FILE.open(encoding="utf-8", newline="") as rows:
        concepts = [
            Concept(
                name=row["concept"],
                sector=row["sector"],
                hs_prefixes=tuple(p for p in row["hs_prefixes"].split("|") if p),
                english=tuple(row["en_terms"].split("|")),
                indonesian=tuple(row["id_terms"].split("|")),
            )
            for row in csv.DictReader(rows)
        ]
    return TermList(concepts)
