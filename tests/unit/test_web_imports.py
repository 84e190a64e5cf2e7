"""Reading spreadsheets as people make them, without I/O."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from services.web.imports import (
    UnreadableFile,
    country_code,
    languages,
    read_table,
    rows_of,
    suggest,
)

INDONESIAN_CSV = (
    "\ufeffNama Lengkap;Surel;Instansi;Negara;Jabatan;Bahasa;Minat\n"
    "José Ramos-Horta;jose@example.tl;Embaixada de Timor-Leste;Timor Leste;Duta Besar;"
    "Portugis, Indonesia;kopi arabika\n"
    "渡辺 健二;kenji@example.jp;在インドネシア日本国大使館;Jepang;atase perdagangan;Jepang;"
    '"kacang mete; rumput laut"\n'
).encode()


def test_a_csv_with_semicolons_a_bom_and_any_script_is_read_as_written() -> None:
    table = read_table("peserta.csv", INDONESIAN_CSV)
    assert table.headers[0] == "Nama Lengkap"
    assert table.rows[0][0] == "José Ramos-Horta"
    assert table.rows[1][0] == "渡辺 健二" and table.rows[1][2] == "在インドネシア日本国大使館"


def test_columns_are_suggested_from_names_in_either_language() -> None:
    table = read_table("peserta.csv", INDONESIAN_CSV)
    assert suggest(table.headers) == {
        "name": 0, "email": 1, "organisation": 2, "country": 3, "role": 4,
        "languages": 5, "interests": 6,
    }  # fmt: skip
    assert suggest(["Full name", "Company", "Nationality"])["organisation"] == 1


def test_a_row_becomes_what_the_api_registers() -> None:
    table = read_table("peserta.csv", INDONESIAN_CSV)
    first, second = rows_of(table, suggest(table.headers))
    assert first.number == 2 and first.email == "jose@example.tl"
    assert first.body["country"] == "TL" and first.body["role"] == "diplomat"
    assert first.body["languages"] == ["pt", "id"]
    assert second.body["role"] == "trade_attache" and second.body["country"] == "JP"
    assert second.body["interests"] == ["kacang mete", "rumput laut"]


def test_an_xlsx_is_read_from_its_first_sheet() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Organisation", "Country"])
    sheet.append(["Nguyễn Thị Lan", "Vinacafe", "Vietnam"])
    sheet.append([None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_table("delegates.xlsx", buffer.getvalue())
    assert table.rows == [["Nguyễn Thị Lan", "Vinacafe", "Vietnam"]]
    assert country_code("Vietnam") == "VN"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("a.pdf", b"%PDF", "not-csv-or-xlsx"),
        ("a.xlsx", b"not a workbook", "not-csv-or-xlsx"),
        ("a.csv", b"\n \n", "empty"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(name: str, content: bytes, reason: str) -> None:
    with pytest.raises(UnreadableFile) as unreadable:
        read_table(name, content)
    assert unreadable.value.reason == reason


def test_countries_and_languages_by_name_code_or_either_language() -> None:
    assert [country_code(c) for c in ("jp", "Japan", "Jepang", "Korea Selatan")] == ["JP"] * 3 + [
        "KR"
    ]
    assert country_code("Atlantis") == "Atlantis"  # left for the API to name
    assert languages("English; ja, Bahasa Indonesia") == ["en", "ja", "id"]


def test_an_exhibitors_row_becomes_what_the_catalog_registers() -> None:
    from services.web.imports import EXHIBITORS

    csv_file = (
        b"Nama Usaha;Provinsi;Kabupaten/Kota;Komoditas;Stan;Surel;No HP\n"
        b"Kelompok Tenun Ina Ndao;NTT;Kupang;Tenun ikat, kopi;A12;ina@example.id;+62 812 3456 7890\n"
        b"Koperasi Garam Bipolo;Nusa Tenggara Timur;Kupang;garam;;;\n"
        b"UMKM Madu Hutan;Atlantis;Sumbawa;madu hutan;B3;;\n"
    )
    table = read_table("umkm.csv", csv_file)
    mapping = suggest(table.headers, EXHIBITORS)
    assert mapping["name"] == 0 and mapping["regency"] == 2 and mapping["sectors"] == 3
    assert mapping["booth"] == 4 and mapping["email"] == 5 and mapping["phone"] == 6
    weavers, salt, honey = rows_of(table, mapping, EXHIBITORS)
    assert weavers.body["province"] == "ID-NT" and salt.body["province"] == "ID-NT"
    assert weavers.body["sectors"] == ["woven_textiles", "coffee"]
    assert weavers.body["contact"] == {"email": "ina@example.id", "phone": "+62 812 3456 7890"}
    assert weavers.values["booth"] == "A12" and weavers.email == "ina@example.id"
    assert salt.body["languages"] == ["id"] and salt.body["contact"] == {}
    # Unknown words reach the catalog as typed, so its answer names them.
    assert honey.body["province"] == "Atlantis" and honey.body["sectors"] == ["madu hutan"]


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("kind_name", ["delegates", "exhibitors"])
def test_every_column_of_the_downloadable_template_is_recognised(
    language: str, kind_name: str
) -> None:
    """A filled-in template needs no column chosen by hand, in either language."""
    from services.web import i18n
    from services.web.imports import KINDS
    from services.web.routes.imports import EXAMPLES, _field_labels
    from shared.contracts.identity import Language

    kind = KINDS[kind_name]
    i18n.use(Language(language))
    headers = list(_field_labels(kind).values())
    assert suggest(headers, kind) == {name: i for i, name in enumerate(kind.fields)}
    row = rows_of(
        read_table("t.csv", (";".join(headers) + "\n" + ";".join(EXAMPLES[kind_name])).encode()),
        suggest(headers, kind),
        kind,
    )[0]
    assert all(len(tag) <= 3 for tag in row.body["languages"])  # every example language known
