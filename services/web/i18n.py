"""Both languages: the gettext catalogs (Babel `.po` files under `locale/`, compiled in memory
when the process starts, so no binary is committed or built), which language a request gets,
and dates, times and numbers formatted for it.

    make messages    # extract new strings into locale/*/LC_MESSAGES/messages.po
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, get_timezone_name
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent

from shared.contracts.identity import Language

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT = Language.id  # the producers read Indonesian; a delegate's browser asks for English
_current: ContextVar[Language] = ContextVar("language", default=DEFAULT)


@cache
def translations(language: Language) -> gettext.NullTranslations:
    po = LOCALE_DIR / language.value / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as source:
        catalog = read_po(source, locale=language.value)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def use(language: Language) -> None:
    """The language of what this request renders."""
    _current.set(language)


def current() -> Language:
    return _current.get()


@contextmanager
def speaking(language: Language) -> Iterator[None]:
    """Strings, dates and names in `language` for what is rendered inside (a printed sheet
    in its reader's language, within the organiser's page)."""
    before = current()
    use(language)
    try:
        yield
    finally:
        use(before)


def _(message: str, **values: object) -> str:
    """The message in the request's language, with `%(name)s` placeholders filled."""
    text = translations(current()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, count: int, **values: object) -> str:
    text = translations(current()).ngettext(singular, plural, count)
    return text % {"num": count, **values}


def negotiate(accept_language: str | None) -> Language:
    """The first of the browser's languages we have, else Indonesian."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        for language in Language:
            if tag == language.value or tag.startswith(f"{language.value}-"):
                return language
    return DEFAULT


def locale() -> Locale:
    return _locale(current())


@cache  # a list page asks for it once per row
def _locale(language: Language) -> Locale:
    return Locale.parse(language.value)


def load_catalogs() -> None:
    """Our messages and Babel's data for every language, read as the app starts rather than
    by its first pages."""
    for language in Language:
        translations(language)
        _locale(language).territories  # noqa: B018 (the locale's data loads on first use)


# The APIs send ISO 8601 text; pages format what they show, so both kinds are taken.
def date(value: dt.date | str, format: str = "full") -> str:
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(day, format=format, locale=locale())


def time(value: dt.datetime | dt.time | str, zone: str | None = None) -> str:
    """A moment in `zone`, or (without one) a wall-clock time such as a session's start."""
    if zone is None:
        clock = dt.time.fromisoformat(value) if isinstance(value, str) else value
        return format_time(clock, format="short", locale=locale())
    moment = _moment(value) if not isinstance(value, dt.time) else value
    return format_time(moment, format="short", tzinfo=ZoneInfo(zone), locale=locale())


def datetime(value: dt.datetime | str, zone: str) -> str:
    """`14 Nov 2019 09.20` in Indonesian, `Nov 14, 2019, 9:20 AM` in English: no seconds."""
    moment = _moment(value).astimezone(ZoneInfo(zone))
    return f"{date(moment.date(), 'medium')} {time(moment.timetz(), None)}"


def _moment(value: dt.datetime | str) -> dt.datetime:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def zone_name(zone: str, on: dt.date | str | None = None) -> str:
    """The zone as people call it, and its IANA name: `Waktu Indonesia Tengah (WITA,
    Asia/Makassar)`; `on` picks standard or summer time where a zone has both."""
    day = dt.date.fromisoformat(on) if isinstance(on, str) else on or dt.date.today()
    moment = dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(zone))
    long = get_timezone_name(moment, width="long", zone_variant="standard", locale=locale())
    short = get_timezone_name(moment, width="short", zone_variant="standard", locale=locale())
    return f"{long} ({short}, {zone})" if short.isalpha() else f"{long} ({zone})"


def number(value: float) -> str:
    return format_decimal(value, locale=locale())


def money(amount: float, currency: str) -> str:
    """`Rp12.500.000,00` or `IDR 12,500,000.00`, as the reader writes a sum of it."""
    return format_currency(amount, currency, locale=locale())


def percent(share: float) -> str:
    """0.987 as `98,7%` or `98.7%`: one decimal, so a near miss is not rounded to the best."""
    return format_percent(share, format="#,##0.0%", locale=locale())
