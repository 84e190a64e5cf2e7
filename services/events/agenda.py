"""Agendas as a person uses them: JSON, iCalendar (RFC 5545, with the expo's VTIMEZONE and
stable UIDs so an updated feed replaces events instead of duplicating them) and a printable page
(venue Wi-Fi is poor; organisers print schedules)."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

from shared.contracts.expo import DelegateData, ExpoData, MeetingData


@dataclass(frozen=True)
class AgendaItem:
    request_id: str
    start: dt.datetime
    end: dt.datetime
    location: str
    table: int | None
    delegate_id: str
    delegate: str
    delegate_country: str
    exhibitor_id: str
    seller: str
    confirmed: bool
    # The delegate's organisation and languages, which the exhibitor's own agenda shows beside
    # the delegate (an exhibitor may not read the delegate's record itself).
    delegate_organisation: str = ""
    delegate_languages: tuple[str, ...] = ()


def agenda_items(
    meetings: list[MeetingData],
    delegates: dict[str, DelegateData],
    sellers: dict[str, str],
) -> list[AgendaItem]:
    """`delegates` and `sellers` (exhibitor id -> seller name): those the meetings involve."""
    items = [
        AgendaItem(
            request_id=m.request_id,
            start=m.start,
            end=m.end,
            location=m.location,
            table=m.table,
            delegate_id=m.delegate_id,
            delegate=who.name if (who := delegates.get(m.delegate_id)) else m.delegate_id,
            delegate_country=who.country if who else "",
            delegate_organisation=who.organisation if who else "",
            delegate_languages=tuple(who.languages) if who else (),
            exhibitor_id=m.exhibitor_id,
            seller=sellers.get(m.exhibitor_id, m.seller_id),
            confirmed=m.confirmed,
        )
        for m in meetings
    ]
    return sorted(items, key=lambda item: (item.start, item.location, item.request_id))


def to_icalendar(expo: ExpoData, title: str, items: list[AgendaItem]) -> bytes:
    zone = ZoneInfo(expo.time_zone)
    calendar = Calendar()
    calendar.add("prodid", "-//Temu Dagang//Expo agenda//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{expo.name}: {title}")
    calendar.add("x-wr-timezone", expo.time_zone)
    calendar.add_component(_vtimezone(expo.time_zone, expo.start_date, expo.end_date))
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for item in items:
        event = Event()
        # One UID per meeting request: a moved meeting keeps its UID, so calendars update it.
        event.add("uid", f"{item.request_id}@{expo.id}.temu-dagang")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.start.astimezone(zone))
        event.add("dtend", item.end.astimezone(zone))
        event.add("summary", f"{item.delegate} ({item.delegate_country}) × {item.seller}")
        event.add("location", f"{item.location}, {expo.venue}")
        event.add("status", "CONFIRMED" if item.confirmed else "TENTATIVE")
        event.add(
            "description",
            f"One-on-one meeting at {expo.name}. Delegate: {item.delegate} "
            f"({item.delegate_country}). Seller: {item.seller}. Where: {item.location}.",
        )
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical


@lru_cache(maxsize=256)
def _vtimezone(time_zone: str, first: dt.date, last: dt.date) -> Timezone:
    """The zone's VTIMEZONE over the expo's days. Building it walks the zone's transitions
    (~9 ms, nearly all of a feed's time), and calendar applications poll feeds: built once
    per expo, shared read-only by every feed."""
    return Timezone.from_tzinfo(
        ZoneInfo(time_zone),
        first_date=dt.datetime.combine(first, dt.time(0)),
        last_date=dt.datetime.combine(last, dt.time(23, 59)),
    )


def to_html(expo: ExpoData, title: str, items: list[AgendaItem]) -> str:
    zone = ZoneInfo(expo.time_zone)
    rows: list[str] = []
    day: dt.date | None = None
    for item in items:
        local_start, local_end = item.start.astimezone(zone), item.end.astimezone(zone)
        if local_start.date() != day:
            day = local_start.date()
            rows.append(f'<tr class="day"><th colspan="4">{day:%A %d %B %Y}</th></tr>')
        rows.append(
            "<tr>"
            f"<td>{local_start:%H:%M}–{local_end:%H:%M}</td>"
            f"<td>{html.escape(item.location)}</td>"
            f"<td>{html.escape(item.delegate)} ({html.escape(item.delegate_country)})</td>"
            f"<td>{html.escape(item.seller)}</td>"
            "</tr>"
        )
    body = "\n".join(rows) or '<tr><td colspan="4">No meetings yet.</td></tr>'
    offset = dt.datetime.combine(expo.start_date, dt.time(12), zone).strftime("%z")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(expo.name)} — {html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #999; padding: .3em .6em; text-align: left; }}
tr.day th {{ background: #eee; }}
@media print {{ body {{ margin: 0; }} }}
</style></head>
<body>
<h1>{html.escape(expo.name)}</h1>
<p>{html.escape(title)} · {html.escape(expo.venue)} · times in {html.escape(expo.time_zone)} (UTC{offset[:3]}:{offset[3:]})</p>
<table>
<tr><th>Time</th><th>Where</th><th>Delegate</th><th>Seller</th></tr>
{body}
</table>
</body></html>
"""
