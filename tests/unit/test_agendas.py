"""Printed agendas: who reads which language, a sheet per reader, and the PDF's pages."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
import zxingcpp

from services.web import pdf
from services.web.agendas import Line, People, SheetKind, reader_language, sheets
from shared.checkin import ALPHABET, check_in_code
from shared.contracts.identity import Language

EXPO = {"id": "exp-1", "name": "Sunda Kecil Expo", "venue": "Kupang", "time_zone": "Asia/Makassar"}
NINE_WITA = dt.datetime(2019, 11, 14, 1, 0, tzinfo=dt.UTC)


def _line(number: int, delegate: str = "dlg-1", exhibitor: str = "exh-1") -> Line:
    start = NINE_WITA + dt.timedelta(minutes=25 * number)
    return Line(
        request_id=f"req-{number}", code=check_in_code("exp-1", f"req-{number}"), start=start,
        end=start + dt.timedelta(minutes=20), table=1 + number % 2, delegate_id=delegate,
        delegate="Nguyễn Văn An", organisation="Embassy of Viet Nam", country="VN",
        exhibitor_id=exhibitor, seller="Koperasi Kopi Bajawa", booth="K01", languages=("en",),
        interpreter=False, confirmed=True,
    )  # fmt: skip


def test_a_sheet_is_in_the_readers_chosen_language_else_indonesian_if_they_speak_it() -> None:
    assert reader_language("en", ["id"]) is Language.en  # their account says so
    assert reader_language(None, ["id", "en"]) is Language.id
    assert reader_language(None, ["ja"]) is Language.en  # neither: English


def test_a_check_in_code_is_short_unambiguous_and_the_same_every_time() -> None:
    code = check_in_code("exp-1", "req-1")
    assert code == check_in_code("exp-1", "req-1") != check_in_code("exp-2", "req-1")
    first, second = code.split("-")
    assert len(first) == len(second) == 4 and set(first + second) <= set(ALPHABET)
    assert not set("ILOU") & set(code)


def test_each_reader_gets_a_sheet_of_their_own_meetings_in_time_order() -> None:
    lines = [_line(2), _line(0), _line(1, delegate="dlg-2", exhibitor="exh-2")]
    people = People({}, {}, {}, {"dlg-1": Language.en, "exh-1": Language.id})
    by_delegate = sheets(
        SheetKind.delegate, sorted(lines, key=lambda x: x.start), people, Language.id
    )
    assert [s.key for s in by_delegate] == ["dlg-1", "dlg-2"]  # by name, then id
    mine = next(s for s in by_delegate if s.key == "dlg-1")
    assert [line.request_id for line in mine.lines] == ["req-0", "req-2"]
    assert mine.language is Language.en
    tables = sheets(SheetKind.table, lines, people, Language.id)
    assert [s.key for s in tables] == ["1", "2"] and tables[0].language is Language.id
    only = sheets(SheetKind.exhibitor, lines, people, Language.en, only="exh-2")
    assert [s.key for s in only] == ["exh-2"]


def test_the_pdf_gives_each_sheet_its_pages_with_a_readable_code_per_meeting() -> None:
    lines = [_line(number) for number in range(12)]  # more than one page holds
    people = People({}, {}, {}, {"dlg-1": Language.id})
    printed = pdf.whole_expo(
        EXPO, sheets(SheetKind.delegate, lines, people, Language.id), "http://t/", Language.en
    )
    reader = pypdf.PdfReader(io.BytesIO(printed))
    texts = [page.extract_text() for page in reader.pages]
    assert len(texts) == 2 and "Nguyễn Văn An (lanjutan)" in texts[1]
    assert "09.00" in texts[0] and "Kamis, 14 November 2019" in texts[0]  # Kupang, UTC+8
    decoded = {
        found.text
        for page in reader.pages
        for image in page.images
        for found in zxingcpp.read_barcodes(image.image)
    }
    assert decoded == {f"http://t/checkin/{line.code}" for line in lines}
    assert all(line.code in "".join(texts) for line in lines)
