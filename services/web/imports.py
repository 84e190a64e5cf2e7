"""Importing delegates or exhibitors from a spreadsheet: reading CSV and XLSX as people make
them (their own column names, in either language, diacritics and any script kept), suggesting
which column is which field, and turning each row into what an API registers. Pure: no I/O.

The APIs decide what is valid (`POST /expos/{id}/delegates/batch` of the events service for
delegates, `POST /sellers/batch` of the catalog for exhibitors' sellers, first as dry runs for
the preview); this module only translates a person's spreadsheet into their words: "Jepang"
and "Japan" into JP, "Inggris, Jepang" into en and ja, "atase perdagangan" into trade_attache,
"NTT" into ID-NT, "tenun ikat, kopi" into woven_textiles and coffee.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import langcodes
import pycountry
from babel import Locale
from openpyxl import load_workbook

from services.web.vocabulary import SECTORS

MAX_ROWS = 1000  # the batch endpoint's limit
MAX_BYTES = 5 * 1024 * 1024

# Each field, and what people call its column (compared without case, accents or punctuation).
FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name", "nama", "nama lengkap", "full name", "participant", "peserta"),
    "email": ("email", "e-mail", "surel", "alamat email", "alamat e-mail", "e-mail address", "mail"),
    "organisation": (
        "organisation", "organization", "organisasi", "instansi", "lembaga", "company",
        "perusahaan", "institution",
    ),
    "country": ("country", "negara", "asal", "asal negara", "nationality", "kewarganegaraan"),
    "role": ("role", "peran", "jabatan", "position", "type", "jenis"),
    "languages": ("languages", "language", "bahasa", "bahasa yang dikuasai", "speaks"),
    "interests": ("interests", "interest", "minat", "mencari", "looking for", "kebutuhan"),
}  # fmt: skip
REQUIRED = ("name", "organisation", "country")
ROLES = {
    "diplomat": "diplomat", "ambassador": "diplomat", "duta besar": "diplomat",
    "konsul": "diplomat", "consul": "diplomat",
    "trade attache": "trade_attache", "trade attaché": "trade_attache",
    "atase perdagangan": "trade_attache", "atase": "trade_attache",
    "importer": "importer", "importir": "importer",
    "buyer": "buyer", "pembeli": "buyer",
}  # fmt: skip


class UnreadableFile(ValueError):
    """Not a CSV or XLSX file this module can read; `reason` says why, for the page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]


def read_table(filename: str, content: bytes) -> Table:
    if len(content) > MAX_BYTES:
        raise UnreadableFile("too-large")
    if filename.casefold().endswith(".xlsx"):
        grid = _xlsx(content)
    elif filename.casefold().endswith((".csv", ".txt")):
        grid = _csv(content)
    else:
        raise UnreadableFile("not-csv-or-xlsx")
    filled = [row for row in grid if any(cell.strip() for cell in row)]
    if not filled:
        raise UnreadableFile("empty")
    headers, *rows = filled
    if len(rows) > MAX_ROWS:
        raise UnreadableFile("too-many-rows")
    width = len(headers)
    return Table([h.strip() for h in headers], [(row + [""] * width)[:width] for row in rows])


def _csv(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252")  # Excel's "CSV" on a Windows laptop
    # The header line decides the delimiter: Excel writes ';' where the decimal comma is the
    # custom (Indonesia), ',' elsewhere; cells below may hold either.
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    return [[cell.strip() for cell in row] for row in rows]


def _xlsx(content: bytes) -> list[list[str]]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as unreadable:  # openpyxl raises many kinds for a damaged file
        raise UnreadableFile("not-csv-or-xlsx") from unreadable
    sheet = book.worksheets[0]
    grid = [
        ["" if cell is None else str(cell).strip() for cell in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    book.close()
    return grid


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return re.sub(
        r"[^a-z0-9]+",
        " ",
        "".join(c for c in decomposed if not unicodedata.combining(c)).casefold(),
    ).strip()


def suggest(headers: list[str], kind: Kind | None = None) -> dict[str, int | None]:
    """For each field, the column whose name people use for it (None: no such column)."""
    plain = [_plain(header) for header in headers]
    chosen: dict[str, int | None] = {}
    for name, words in (kind or DELEGATES).fields.items():
        known = {_plain(word) for word in words}
        chosen[name] = next(
            (i for i, header in enumerate(plain) if header in known and i not in chosen.values()),
            None,
        )
    return chosen


@dataclass
class Row:
    """One spreadsheet row as the API will get it, and the person's e-mail for an account."""

    number: int  # as the spreadsheet shows it: the header is row 1
    values: dict[str, str]
    body: dict[str, Any] = field(default_factory=dict)
    email: str = ""


def rows_of(table: Table, mapping: dict[str, int | None], kind: Kind | None = None) -> list[Row]:
    body = (kind or DELEGATES).body
    rows = []
    for index, cells in enumerate(table.rows):
        values = {
            name: cells[column] if column is not None and column < len(cells) else ""
            for name, column in mapping.items()
        }
        rows.append(Row(index + 2, values, body(values), values.get("email", "").strip()))
    return rows


def _delegate(values: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": values.get("name", ""),
        "organisation": values.get("organisation", ""),
        "country": country_code(values.get("country", "")),
        "role": ROLES.get(_plain(values.get("role", "")).replace(" ", " "), "buyer")
        if values.get("role")
        else "buyer",
        "languages": languages(values.get("languages", "")) or ["en"],
        "interests": [
            i.strip() for i in re.split(r"[;\n]", values.get("interests", "")) if i.strip()
        ],
    }
    return body


def country_code(typed: str) -> str:
    """ISO 3166-1 alpha-2 for a code or a country's name in English or Indonesian; what was
    typed when nothing matches, so the API names it."""
    text = typed.strip()
    if len(text) == 2 and text.isalpha():
        return text.upper()
    wanted = _plain(text)
    for language in ("en", "id"):
        for code, name in Locale.parse(language).territories.items():
            if len(code) == 2 and code.isalpha() and _plain(name) == wanted:
                return str(code)
    return text


def languages(typed: str) -> list[str]:
    """BCP 47 tags for codes or names ("Inggris, Jepang", "English; ja")."""
    found: list[str] = []
    for part in re.split(r"[,;/\n]+", typed):
        name = part.strip()
        if not name:
            continue
        tag = name.lower() if langcodes.tag_is_valid(name) and len(name) <= 3 else None
        if tag is None:
            for language in ("en", "id"):
                try:
                    tag = str(langcodes.find(name, language=language).language)
                    break
                except LookupError:
                    continue
        found.append(tag or name)
    return list(dict.fromkeys(found))


# -- exhibitors ---------------------------------------------------------------------------------
SELLER_FIELDS: dict[str, tuple[str, ...]] = {
    "name": (
        "name", "nama", "nama usaha", "nama umkm", "umkm", "ikm", "usaha", "nama koperasi",
        "koperasi", "kelompok", "business", "business name", "company", "exhibitor", "seller",
        "peserta pameran",
    ),
    "email": ("email", "e-mail", "surel", "alamat email", "alamat e-mail", "e-mail address", "mail"),
    "province": ("province", "provinsi", "prov"),
    "regency": (
        "regency", "kabupaten", "kabupaten kota", "kabupaten atau kota", "kota", "kab kota",
        "city", "regency or city", "district",
    ),
    "sectors": (
        "sectors", "sector", "sektor", "komoditas", "commodity", "commodities", "bidang usaha",
        "produk", "products", "product",
    ),
    "languages": ("languages", "language", "bahasa"),
    "booth": ("booth", "stand", "stan", "nomor stan", "no stan", "booth number"),
    "phone": ("phone", "telepon", "telp", "hp", "no hp", "nomor hp", "whatsapp", "wa"),
    "brand": ("brand", "merek", "merk"),
}  # fmt: skip
SELLER_REQUIRED = ("name", "province", "regency", "sectors")
# What sellers write for a sector, besides its name in English or Indonesian.
SECTOR_WORDS = {
    "kopi": "coffee", "kakao": "cocoa", "cokelat": "cocoa", "coklat": "cocoa",
    "mete": "cashew", "jambu mete": "cashew", "kacang mete": "cashew", "rumput laut": "seaweed",
    "garam": "salt", "ikan": "fisheries", "perikanan": "fisheries", "tenun": "woven_textiles",
    "tenun ikat": "woven_textiles", "kain tenun": "woven_textiles", "ikat": "woven_textiles",
    "songket": "woven_textiles", "kelor": "moringa", "minyak atsiri": "essential_oils",
    "minyak kayu putih": "essential_oils", "kayu putih": "essential_oils", "batik": "batik",
    "alas kaki": "footwear", "sepatu": "footwear", "sandal": "footwear",
    "makanan olahan": "processed_food", "pangan olahan": "processed_food",
    "kerajinan": "crafts", "anyaman": "crafts", "pakaian": "garments", "konveksi": "garments",
    "rempah": "spices", "rempah rempah": "spices", "kelapa": "coconut", "madu": "honey",
    "vanili": "vanilla", "jasa ti": "it_services", "mesin": "machinery", "farmasi": "pharmaceuticals",
    "jamu": "pharmaceuticals",
}  # fmt: skip
PROVINCE_WORDS = {
    "ntt": "ID-NT",
    "ntb": "ID-NB",
    "diy": "ID-YO",
    "dki": "ID-JK",
    "jakarta": "ID-JK",
}


def province_code(typed: str) -> str:
    """ISO 3166-2 for an Indonesian province's code, name or usual abbreviation (NTT); what
    was typed when nothing matches, so the API names it."""
    text = typed.strip()
    if pycountry.subdivisions.get(code=text.upper()) is not None:
        return text.upper()
    wanted = _plain(text)
    if wanted in PROVINCE_WORDS:
        return PROVINCE_WORDS[wanted]
    for province in pycountry.subdivisions.get(country_code="ID") or []:
        if _plain(province.name) == wanted and len(province.code) == 5:
            return str(province.code)
    return text


def sector_codes(typed: str) -> list[str]:
    """Sector codes for names in either language ("Tenun ikat; kopi"), as typed when unknown."""
    by_word = {**{_plain(name): code for code, name in SECTORS.items()}, **SECTOR_WORDS}
    by_word |= {_plain(code): code for code in SECTORS}
    found = [
        by_word.get(_plain(part), part.strip())
        for part in re.split(r"[,;/\n]+", re.sub(r"\([^)]*\)", "", typed))
        if part.strip()
    ]
    return list(dict.fromkeys(found))


def _seller(values: dict[str, str]) -> dict[str, Any]:
    contact = {
        name: values[key].strip()
        for name, key in (("email", "email"), ("phone", "phone"))
        if values.get(key, "").strip()
    }
    body: dict[str, Any] = {
        "name": values.get("name", ""),
        "province": province_code(values.get("province", "")),
        "regency": values.get("regency", ""),
        "sectors": sector_codes(values.get("sectors", "")),
        "languages": languages(values.get("languages", "")) or ["id"],
        # What a producer at a regional fair offers when nothing else is said; they change it
        # on their own page.
        "sales_terms": ["outright_purchase"],
        "contact": contact,
    }
    if values.get("brand", "").strip():
        body["brand"] = values["brand"].strip()
    return body


@dataclass(frozen=True)
class Kind:
    """What is imported: the fields people name columns for, those every row needs, and how
    a row becomes the API's body."""

    name: str  # delegates | exhibitors
    fields: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    body: Callable[[dict[str, str]], dict[str, Any]]


DELEGATES = Kind("delegates", FIELDS, REQUIRED, _delegate)
EXHIBITORS = Kind("exhibitors", SELLER_FIELDS, SELLER_REQUIRED, _seller)
KINDS = {kind.name: kind for kind in (DELEGATES, EXHIBITORS)}
