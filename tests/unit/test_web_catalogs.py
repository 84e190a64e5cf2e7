"""Both languages' catalogs hold every string the web app shows: none is missing from the
Indonesian one, none is stale, and every translation keeps its placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[2] / "services" / "web"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true"}}


def _in_code() -> set[str]:
    found = extract_from_dir(
        str(WEB), METHODS, keywords={"_": None, "N_": None, "ngettext": (1, 2)}, options_map=OPTIONS
    )
    return {message if isinstance(message, str) else message[0] for _, _, message, _, _ in found}


def _catalog(language: str) -> Catalog:
    with (WEB / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=language)


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_string_shown_is_in_the_catalog_and_nothing_stale(language: str) -> None:
    catalog = _catalog(language)
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    code = _in_code()
    assert code - ids == set(), "run `make messages` and translate what is new"
    assert ids - code == set(), "run `make messages`: these are no longer used"


def test_every_indonesian_translation_is_there_and_keeps_its_placeholders() -> None:
    for message in _catalog("id"):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        strings = (
            [message.string] if isinstance(message.string, str) else list(message.string or [])
        )
        assert all(strings) and "fuzzy" not in message.flags, f"untranslated: {source!r}"
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(source)), source
