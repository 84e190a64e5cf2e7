"""Field types with real code lists behind them, shared by API models and event contracts."""

from __future__ import annotations

import unicodedata
from contextlib import suppress
from functools import lru_cache
from typing import Annotated

import langcodes
import pycountry
from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from shared.hs import NomenclatureMissing, hs_nomenclature

# The code-list checks are pure and few codes recur, while every stored record read back is
# validated again (an expo's 400 delegates each name their country and languages): remember the
# answers, bounded so that junk sent to an API cannot grow the memory.
CODES_REMEMBERED = 4096


@lru_cache(maxsize=CODES_REMEMBERED)
def _country(code: str) -> str:
    code = code.upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise PydanticCustomError(
            "country_unknown", "'{code}' is not an ISO 3166-1 alpha-2 country code", {"code": code}
        )
    return code


@lru_cache(maxsize=CODES_REMEMBERED)
def _subdivision(code: str) -> str:
    code = code.upper()
    if pycountry.subdivisions.get(code=code) is None:
        raise PydanticCustomError(
            "subdivision_unknown",
            "'{code}' is not an ISO 3166-2 subdivision code (e.g. ID-NT)",
            {"code": code},
        )
    return code


@lru_cache(maxsize=CODES_REMEMBERED)
def _language(tag: str) -> str:
    if not langcodes.tag_is_valid(tag):
        raise PydanticCustomError(
            "language_unknown", "'{tag}' is not a valid BCP 47 language tag", {"tag": tag}
        )
    return langcodes.standardize_tag(tag)


def _currency(code: str) -> str:
    code = code.upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError(f"'{code}' is not an ISO 4217 currency code")
    return code


def load_code_lists() -> None:
    """Read the code lists now, as a service starts (pycountry and the HS nomenclature load on
    first use): its first request does not wait for them, and they are part of what the
    service freezes out of the collector's sight (`shared.runtime`)."""
    _country("ID")
    _subdivision("ID-NT")
    _language("id")
    _currency("IDR")
    with suppress(NomenclatureMissing):  # said on the first HS code checked, as before
        hs_nomenclature()


def _hs_code(code: str) -> str:
    problem = hs_nomenclature().problem_with(code)
    if problem:
        raise ValueError(problem)
    return code


def _hs_prefix(prefix: str) -> str:
    if not prefix.isdigit() or len(prefix) not in (2, 4, 6, 8):
        raise ValueError("must be 2, 4, 6 or 8 digits")
    if not hs_nomenclature().is_known_prefix(prefix[:6]):
        raise ValueError(f"no HS 2022 code starts with {prefix}")
    return prefix


CountryCode = Annotated[
    str,
    StringConstraints(min_length=2, max_length=2),
    AfterValidator(_country),
    Field(examples=["JP"], description="ISO 3166-1 alpha-2"),
]
SubdivisionCode = Annotated[
    str,
    StringConstraints(min_length=4, max_length=6),
    AfterValidator(_subdivision),
    Field(examples=["ID-NT"], description="ISO 3166-2"),
]
LanguageTag = Annotated[
    str,
    StringConstraints(min_length=2, max_length=35),
    AfterValidator(_language),
    Field(examples=["id"], description="BCP 47"),
]
CurrencyCode = Annotated[
    str,
    StringConstraints(min_length=3, max_length=3),
    AfterValidator(_currency),
    Field(examples=["IDR"], description="ISO 4217"),
]
HsCode = Annotated[
    str,
    StringConstraints(min_length=6, max_length=8),
    AfterValidator(_hs_code),
    Field(examples=["090111"], description="HS 2022 subheading (6) or Indonesian tariff line (8)"),
]
HsPrefix = Annotated[
    str,
    StringConstraints(min_length=2, max_length=8),
    AfterValidator(_hs_prefix),
    Field(examples=["0901"], description="HS chapter, heading or subheading"),
]
Identifier = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"),
]
# An id in a URL path: an id of ours, which never holds ':' (the separator of Redis keys).
PathId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"),
]


def _no_control_characters(text: str, allowed: str = "") -> str:
    """Text people typed: a line break in a name breaks the calendar feeds and printouts that
    show it, so control characters are refused (long text keeps its line breaks and tabs)."""
    for character in text:
        if unicodedata.category(character) == "Cc" and character not in allowed:
            raise PydanticCustomError(
                "control_characters",
                "must not contain the control character {character}",
                {"character": repr(character)},
            )
    return text


def _no_control_characters_but_lines(text: str) -> str:
    return _no_control_characters(text, "\n\r\t")


ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_control_characters),
]
LongText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=4000),
    AfterValidator(_no_control_characters_but_lines),
]
# An e-mail address as people type it: one @, a dot in the domain, no spaces; compared
# case-folded (the accounts' index), kept as typed.
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]
