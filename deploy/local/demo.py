"""The Sunda Kecil Expo scenario, loaded only through the public HTTP APIs, and its report.

Sellers register (the provincial trade office onboards them), list their products with their
own seller tokens, and their certificates are recorded; the report then shows export readiness.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import yaml

from shared.auth import Role, bearer
from shared.settings import Settings

SCENARIO_DIR = Path(__file__).resolve().parent / "scenario"
CERTIFIER = "verifikasi-disperindag-ntt"  # the trade office's certificate desk
ORGANISER = "disperindag-ntt"  # the provincial trade office that runs the expo
# The organiser's web sign-in, for the local demo only (development keys, loopback ports).
ORGANISER_EMAIL = "maria.dacosta@disperindag.ntt.example"
ORGANISER_PASSWORD = "sunda-kecil-2019"
CERTIFICATE_STATES = [
    ("valid", "verified and in force"),
    ("submitted", "awaiting review"),
    ("rejected", "rejected"),
    ("revoked", "revoked"),
    ("expired", "expired"),
]
PROVINCES = {"ID-NT": "Nusa Tenggara Timur", "ID-NB": "Nusa Tenggara Barat", "ID-BA": "Bali"}


class ScenarioError(RuntimeError):
    """The API refused part of the scenario: the message says which request and why."""


@dataclass
class LoadedSeller:
    id: str
    name: str
    province: str
    products: list[dict[str, Any]] = field(default_factory=list)
    certificates: list[dict[str, Any]] = field(default_factory=list)


def scenario_sellers() -> list[dict[str, Any]]:
    sellers: list[dict[str, Any]] = yaml.safe_load((SCENARIO_DIR / "sellers.yaml").read_text())
    return sellers


class PatientTransport(httpx.HTTPTransport):
    """Waits out a 429 as its Retry-After asks and sends the request again: the services
    refuse a request over a rate limit before doing any of it, so sending it again is safe.
    The scenario loads faster than a person types and meets the limits the services keep."""

    ATTEMPTS = 20

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for _ in range(self.ATTEMPTS - 1):
            response = super().handle_request(request)
            if response.status_code != 429:
                return response
            response.read()
            response.close()
            time.sleep(float(response.headers.get("Retry-After", "1")))
        return super().handle_request(request)


def _client(base_url: str, timeout: float) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=timeout, transport=PatientTransport())


def _check(response: httpx.Response, what: str) -> dict[str, Any]:
    if response.status_code >= 400:
        raise ScenarioError(f"{what}: {response.status_code} {response.text}")
    body: dict[str, Any] = response.json()
    return body


def _certificate_body(spec: dict[str, Any], product_ids: list[str]) -> dict[str, Any]:
    return {
        "kind": spec["kind"],
        "number": spec["number"],
        "issuer": spec["issuer"],
        "valid_from": str(spec["from"]),
        "valid_until": str(spec["until"]) if spec.get("until") else None,
        "product_ids": [product_ids[index - 1] for index in spec.get("products", [])],
    }


def load_catalog(catalog_url: str, settings: Settings) -> list[LoadedSeller]:
    organiser = bearer(settings, Role.organiser, ORGANISER)
    certifier = bearer(settings, Role.certifier, CERTIFIER)
    loaded = []
    with _client(catalog_url, 30) as client:
        for spec in scenario_sellers():
            body = {k: v for k, v in spec.items() if k not in ("products", "certifications")}
            seller = _check(client.post("/sellers", json=body, headers=organiser), spec["name"])
            own = bearer(settings, Role.seller, spec["owner"])
            product_ids = []
            for product in spec.get("products", []):
                listed = _check(
                    client.post(f"/sellers/{seller['id']}/products", json=product, headers=own),
                    f"{spec['name']}: product {product['name']}",
                )
                product_ids.append(listed["id"])
            for certificate in spec.get("certifications", []):
                _certify(client, certificate, seller["id"], product_ids, own, certifier)
            products = [
                _check(client.get(f"/products/{pid}", headers=own), pid) for pid in product_ids
            ]
            held = client.get(f"/sellers/{seller['id']}/certifications", headers=own)
            if held.status_code != 200:
                raise ScenarioError(f"{spec['name']}: certificates: {held.text}")
            certificates: list[dict[str, Any]] = held.json()
            loaded.append(
                LoadedSeller(
                    seller["id"], seller["name"], seller["province"], products, certificates
                )
            )
    return loaded


def _certify(
    client: httpx.Client,
    spec: dict[str, Any],
    seller_id: str,
    product_ids: list[str],
    seller: dict[str, str],
    certifier: dict[str, str],
) -> None:
    """The seller submits the certificate; the trade office's certifier verifies it (then
    perhaps revokes it), rejects it, or has not looked at it yet."""
    what = f"{seller_id}: certificate {spec['kind']}"
    submitted = _check(
        client.post(
            f"/sellers/{seller_id}/certifications",
            json=_certificate_body(spec, product_ids),
            headers=seller,
        ),
        what,
    )
    review = f"/certifications/{submitted['id']}"
    if spec.get("pending"):
        return
    if spec.get("rejected"):
        body = {"reason": spec["rejected"]}
        _check(client.post(f"{review}/reject", json=body, headers=certifier), f"{what} reject")
        return
    _check(client.post(f"{review}/verify", headers=certifier), f"{what} verify")
    if spec.get("revoked"):
        body = {"reason": spec["revoked"]}
        _check(client.post(f"{review}/revoke", json=body, headers=certifier), f"{what} revoke")


def readiness_report(sellers: list[LoadedSeller], today: dt.date) -> str:
    lines = [f"Export readiness of the Sunda Kecil Expo catalogue, assessed on {today}", ""]
    by_province: dict[str, list[LoadedSeller]] = defaultdict(list)
    for seller in sellers:
        by_province[seller.province].append(seller)
    lines.append(f"{'province':<22}{'sellers':>8}{'products':>10}{'ready':>8}")
    for code, members in sorted(by_province.items()):
        products = [p for s in members for p in s.products]
        ready = sum(p["readiness"]["ready"] for p in products)
        lines.append(
            f"{PROVINCES.get(code, code):<22}{len(members):>8}{len(products):>10}{ready:>8}"
        )
    reviewed = Counter(c["status"] for seller in sellers for c in seller.certificates)
    lines += ["", "Certificates (sellers submit them, the trade office's certifier reviews them):"]
    lines.append(
        "  " + ", ".join(f"{reviewed[status]} {label}" for status, label in CERTIFICATE_STATES)
    )
    for seller in sellers:
        for c in seller.certificates:
            if c["status"] in ("submitted", "rejected"):
                said = f": {c['rejected_reason']}" if c["rejected_reason"] else ""
                lines.append(f"  {seller.name} — {c['kind']} {c['status']}{said}")
    gaps = Counter(
        (gap["kind"], gap["reason"])
        for seller in sellers
        for product in seller.products
        for gap in product["readiness"]["gaps"]
    )
    lines += ["", "What stands between products and export (gap: products):"]
    lines += [f"  {kind} {reason}: {count}" for (kind, reason), count in gaps.most_common()]
    lines += ["", "Products not yet ready:"]
    for seller in sellers:
        for product in seller.products:
            if product["readiness"]["ready"]:
                continue
            name = product["name"].get("en") or product["name"].get("id")
            missing = ", ".join(
                f"{gap['kind']} ({gap['reason']})" for gap in product["readiness"]["gaps"]
            )
            lines.append(f"  {seller.name} — {name}: {missing}")
    return "\n".join(lines)


# -- the expo --------------------------------------------------------------------------------
@dataclass
class LoadedExpo:
    expo: dict[str, Any]
    exhibitors: dict[str, dict[str, Any]]  # by seller id
    delegates: list[dict[str, Any]]
    schedule: dict[str, Any] = field(default_factory=dict)
    proposals: dict[str, Any] = field(default_factory=dict)
    statistics: dict[str, Any] = field(default_factory=dict)
    agendas: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by delegate id


def scenario_expo() -> dict[str, Any]:
    # YAML reads dates as dates; the API takes them as ISO 8601 text.
    scenario: dict[str, Any] = json.loads(
        json.dumps(yaml.safe_load((SCENARIO_DIR / "expo.yaml").read_text()), default=str)
    )
    return scenario


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")[:40]


def _register_exhibitor(
    client: httpx.Client, expo_id: str, body: dict[str, Any], organiser: dict[str, str]
) -> dict[str, Any]:
    """The events service learns sellers from the catalog topic: a seller registered a moment
    ago may not have arrived yet, so an unknown seller is retried for a while."""
    deadline = time.monotonic() + 60
    while True:
        response = client.post(f"/expos/{expo_id}/exhibitors", json=body, headers=organiser)
        if response.status_code != 422 or time.monotonic() > deadline:
            return _check(response, f"exhibitor {body['seller_id']}")
        time.sleep(0.2)


def load_expo(events_url: str, settings: Settings, sellers: list[LoadedSeller]) -> LoadedExpo:
    scenario = scenario_expo()
    organiser = bearer(settings, Role.organiser, ORGANISER)
    with _client(events_url, 120) as client:
        expo = _check(client.post("/expos", json=scenario["expo"], headers=organiser), "expo")
        _check(
            client.post(f"/expos/{expo['id']}/status", json={"status": "open"}, headers=organiser),
            "open the expo",
        )
        availability = scenario.get("exhibitor_availability", {})
        exhibitors = {}
        for number, seller in enumerate(sellers, start=1):
            body: dict[str, Any] = {"seller_id": seller.id, "booth": f"{'ABC'[number % 3]}{number}"}
            if seller.name in availability:
                body["availability"] = availability[seller.name]
            exhibitors[seller.id] = _register_exhibitor(client, expo["id"], body, organiser)
        delegates = []
        for spec in scenario["delegates"]:
            body = {**spec, "subject": _slug(spec["name"])}
            delegates.append(
                _check(
                    client.post(f"/expos/{expo['id']}/delegates", json=body, headers=organiser),
                    f"delegate {spec['name']}",
                )
            )
    return LoadedExpo(expo, exhibitors, delegates)


def propose_and_accept(
    matching_url: str,
    events_url: str,
    settings: Settings,
    loaded: LoadedExpo,
    sellers: list[LoadedSeller],
    k: int = 5,
    accept: int = 3,
) -> None:
    """The organiser asks matching for every delegate's top sellers (spread fairly over the
    exhibitors); each delegate accepts their first `accept`, which the events service turns
    into meeting requests."""
    organiser = bearer(settings, Role.organiser, ORGANISER)
    expo_id = loaded.expo["id"]
    products = sum(
        product["status"] == "active"
        for seller in sellers
        if seller.id in loaded.exhibitors
        for product in seller.products
    )
    expected = (len(loaded.exhibitors), len(loaded.delegates), products)
    deadline = time.monotonic() + 60
    with _client(matching_url, 60) as client:
        # Matching learns the expo, its delegates and exhibitors from the events service's
        # events and the products from the catalog's: propose once it knows them all.
        while True:
            known = client.get(f"/expos/{expo_id}/exposure", headers=organiser)
            body = known.json() if known.status_code == 200 else {}
            if (body.get("exhibitors"), body.get("delegates"), body.get("products")) == expected:
                break
            if time.monotonic() > deadline:
                raise ScenarioError(f"matching did not learn the whole expo in 60 s: {body}")
            time.sleep(0.2)
        answer = client.post(f"/expos/{expo_id}/proposals", json={"k": k}, headers=organiser)
        loaded.proposals = _check(answer, "proposals")
        accepted = 0
        for request in loaded.proposals["requests"]:
            delegate = next(d for d in loaded.delegates if d["id"] == request["delegate_id"])
            token = bearer(settings, Role.delegate, delegate["subject"])
            for proposal in request["proposals"][:accept]:
                _check(
                    client.post(f"/proposals/{proposal['id']}/accept", json={}, headers=token),
                    f"{delegate['name']} accepts {proposal['seller_name']}",
                )
                proposal["status"] = "accepted"
                accepted += 1
    with _client(events_url, 60) as client:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            listed = _check(
                client.get(f"/expos/{expo_id}/requests", params={"limit": 200}, headers=organiser),
                "meeting requests",
            )
            if listed["total"] >= accepted:
                return
            time.sleep(0.2)
    raise ScenarioError(f"only {listed['total']} of {accepted} accepted matches became requests")


def matching_report(loaded: LoadedExpo) -> str:
    proposals = loaded.proposals
    lines = [
        f"Matching: top sellers for each of {len(proposals['requests'])} delegates, spread over "
        f"{proposals['exhibitors']} exhibitors (coverage {proposals['coverage']:.0%}, "
        f"Gini {proposals['gini']:.2f}); each delegate accepts their first three."
    ]
    names = {d["id"]: d for d in loaded.delegates}
    for request in proposals["requests"]:
        delegate = names[request["delegate_id"]]
        interests = "; ".join(delegate["interests"])
        lines += ["", f"{delegate['name']} ({delegate['country']}) looks for: {interests}"]
        if not request["proposals"]:
            lines.append("  no exhibitor matches these interests")
        for proposal in request["proposals"]:
            mark = "✔" if proposal["status"] == "accepted" else " "
            lines.append(
                f" {mark}{proposal['rank']}. {proposal['seller_name']} — score {proposal['score']:.0f}"
            )
            for reason in proposal["reasons"][:4]:
                lines.append(f"      · {reason['text']}")
    return "\n".join(lines)


def schedule_and_publish(
    events_url: str, settings: Settings, loaded: LoadedExpo, time_limit: float = 5
) -> None:
    organiser = bearer(settings, Role.organiser, ORGANISER)
    expo_id = loaded.expo["id"]
    with _client(events_url, time_limit + 60) as client:
        loaded.schedule = _check(
            client.post(
                f"/expos/{expo_id}/schedule",
                json={"time_limit_seconds": time_limit},
                headers=organiser,
            ),
            "schedule",
        )
        _check(
            client.post(
                f"/expos/{expo_id}/status", json={"status": "published"}, headers=organiser
            ),
            "publish",
        )
        for delegate in loaded.delegates:
            token = bearer(settings, Role.delegate, delegate["subject"])
            agenda = _check(
                client.get(
                    f"/expos/{expo_id}/agenda", params={"delegate": delegate["id"]}, headers=token
                ),
                f"agenda of {delegate['name']}",
            )
            loaded.agendas[delegate["id"]] = agenda["meetings"]


def breaks_line(schedule: dict[str, Any]) -> str:
    """The idle breaks in the participants' days, with what is proven about them."""
    breaks, bound = schedule.get("breaks"), schedule.get("breaks_bound")
    if breaks is None:
        return "Idle breaks between meetings: not reported by this scheduler."
    proven = (
        "the fewest possible"
        if bound == breaks
        else f"at least {bound} are unavoidable with these meetings"
    )
    return (
        f"Idle breaks between meetings: {breaks} in all ({proven}), from "
        f"{schedule['min_breaks']} to {schedule['max_breaks']} per participant."
    )


def agenda_report(loaded: LoadedExpo) -> str:
    zone = ZoneInfo(loaded.expo["time_zone"])
    schedule = loaded.schedule
    lines = [
        f"{loaded.expo['name']} — {loaded.expo['venue']}, times in {loaded.expo['time_zone']}",
        f"Scheduled {schedule['scheduled']} of {schedule['requests']} requested meetings; "
        f"weight {schedule['scheduled_weight']} of a proven maximum {schedule['upper_bound']} "
        f"({schedule['ratio_to_bound']:.1%}), {schedule['solver_status']}, "
        f"{schedule['seconds']} s.",
        breaks_line(schedule),
    ]
    not_placed = Counter(item["reason"] for item in schedule["unplaced"])
    if not_placed:
        lines.append(
            "Not placed: "
            + ", ".join(f"{count} ({reason})" for reason, count in not_placed.items())
        )
    for delegate in loaded.delegates:
        meetings = loaded.agendas.get(delegate["id"], [])
        lines += [
            "",
            f"{delegate['name']} ({delegate['country']}, {delegate['organisation']}): {len(meetings)} meetings",
        ]
        for meeting in meetings:
            start = dt.datetime.fromisoformat(meeting["start"]).astimezone(zone)
            end = dt.datetime.fromisoformat(meeting["end"]).astimezone(zone)
            lines.append(
                f"  {start:%a %d %b %H:%M}–{end:%H:%M}  {meeting['location']:<9} {meeting['seller']}"
            )
    return "\n".join(lines)


# -- outcomes, the whole scenario and its report ---------------------------------------------
OUTCOMES = [
    {"held": True, "rating": 5, "follow_up": "sample_order", "deal_value": 2500, "currency": "USD"},
    {"held": True, "rating": 4, "follow_up": "negotiation"},
    {"held": True, "rating": 5, "follow_up": "contract", "deal_value": 18000, "currency": "AUD"},
    {"held": False},
]


def record_outcomes(
    events_url: str, settings: Settings, loaded: LoadedExpo
) -> list[dict[str, Any]]:
    """The organiser records how the first few meetings went."""
    organiser = bearer(settings, Role.organiser, ORGANISER)
    expo_id = loaded.expo["id"]
    firsts = [meetings[0] for meetings in loaded.agendas.values() if meetings][: len(OUTCOMES)]
    recorded = []
    with _client(events_url, 30) as client:
        for meeting, outcome in zip(firsts, OUTCOMES, strict=False):
            recorded.append(
                _check(
                    client.post(
                        f"/expos/{expo_id}/requests/{meeting['request_id']}/outcome",
                        json=outcome,
                        headers=organiser,
                    ),
                    f"outcome of {meeting['request_id']}",
                )
            )
        loaded.statistics = _check(
            client.get(f"/expos/{expo_id}/stats", headers=organiser), "statistics"
        )
    return recorded


def _ranges(
    slot_ids: list[str] | None, slots: dict[str, dict[str, Any]]
) -> list[dict[str, str]] | None:
    """Available slots as time ranges, neighbouring slots of a session merged."""
    if slot_ids is None:
        return None
    ranges: list[dict[str, str]] = []
    last_session = None
    for slot_id in sorted(slot_ids, key=lambda s: slots[s]["start"]):
        slot = slots[slot_id]
        if ranges and slot["session_id"] == last_session:
            ranges[-1]["end"] = slot["end"]
        else:
            ranges.append({"start": slot["start"], "end": slot["end"]})
        last_session = slot["session_id"]
    return ranges


def unmatched_interests(loaded: LoadedExpo) -> dict[str, list[str]]:
    """Interests of each delegate that no proposal answers."""
    missing: dict[str, list[str]] = {}
    for request in loaded.proposals.get("requests", []):
        delegate = next(d for d in loaded.delegates if d["id"] == request["delegate_id"])
        texts = " ".join(r["text"] for p in request["proposals"] for r in p["reasons"])
        gaps = [i for i in delegate["interests"] if f"'{i}'" not in texts]
        if gaps:
            missing[delegate["name"]] = gaps
    return missing


def demo_report(loaded: LoadedExpo, sellers: list[LoadedSeller]) -> dict[str, Any]:
    """The machine-readable report (out/demo-report.json); times in ISO 8601 with offset."""
    # One function: it is the report's shape, section by section, as docs and tests read it.
    slots = {slot["id"]: slot for slot in loaded.expo["slots"]}
    names = {s.id: s.name for s in sellers}
    by_exhibitor = {x["id"]: x for x in loaded.exhibitors.values()}
    participants: list[dict[str, Any]] = [
        {
            "id": d["id"],
            "kind": "delegate",
            "name": d["name"],
            "country": d["country"],
            "organisation": d["organisation"],
            "available": _ranges(d["available_slots"], slots),
        }
        for d in loaded.delegates
    ]
    participants += [
        {
            "id": x["seller_id"],
            "kind": "seller",
            "name": names.get(x["seller_id"], x["seller_name"]),
            "country": "ID",
            "exhibitor_id": x["id"],
            "booth": x["booth"],
            "available": _ranges(x["available_slots"], slots),
        }
        for x in loaded.exhibitors.values()
    ]
    proposals = [
        {
            "delegate": request["delegate_id"],
            "seller": proposal["seller_id"],
            "rank": proposal["rank"],
            "score": proposal["score"],
            "reasons": [reason["text"] for reason in proposal["reasons"]],
            "accepted": proposal["status"] == "accepted",
        }
        for request in loaded.proposals.get("requests", [])
        for proposal in request["proposals"]
    ]
    meetings = [
        {
            "delegate": meeting["delegate_id"],
            "seller": by_exhibitor[meeting["exhibitor_id"]]["seller_id"],
            "start": meeting["start"],
            "end": meeting["end"],
            "table": meeting["table"],
            "location": meeting["location"],
            "request_id": meeting["request_id"],
        }
        for meetings_of_delegate in loaded.agendas.values()
        for meeting in meetings_of_delegate
    ]
    schedule = loaded.schedule
    return {
        "expo": {
            "id": loaded.expo["id"],
            "name": loaded.expo["name"],
            "time_zone": loaded.expo["time_zone"],
            "venue": loaded.expo["venue"],
            "start_date": loaded.expo["start_date"],
            "end_date": loaded.expo["end_date"],
        },
        "participants": participants,
        "proposals": proposals,
        "meetings": sorted(meetings, key=lambda m: (m["start"], m["delegate"])),
        "schedule": {
            "requests": schedule["requests"],
            "scheduled": schedule["scheduled"],
            "weight": schedule["scheduled_weight"],
            "upper_bound": schedule["upper_bound"],
            "fulfilment_ratio": schedule["ratio_to_bound"],
            "solver_status": schedule["solver_status"],
            "breaks": schedule.get("breaks"),
            "breaks_bound": schedule.get("breaks_bound"),
            "min_breaks": schedule.get("min_breaks"),
            "max_breaks": schedule.get("max_breaks"),
            "unplaced": schedule["unplaced"],
        },
        "fairness": {
            "coverage": loaded.proposals.get("coverage"),
            "gini": loaded.proposals.get("gini"),
        },
        "unmatched_interests": unmatched_interests(loaded),
        "readiness_gaps": dict(
            Counter(
                f"{gap['kind']} {gap['reason']}"
                for seller in sellers
                for product in seller.products
                for gap in product["readiness"]["gaps"]
            ).most_common()
        ),
        "statistics": loaded.statistics,
    }


def summary(report: dict[str, Any]) -> str:
    schedule = report["schedule"]
    delegates = [p for p in report["participants"] if p["kind"] == "delegate"]
    per_delegate = Counter(m["delegate"] for m in report["meetings"])
    lines = [
        "Summary",
        f"  {len(delegates)} delegates, {len(report['participants']) - len(delegates)} exhibitors, "
        f"{len(report['proposals'])} proposals ({sum(p['accepted'] for p in report['proposals'])} accepted)",
        f"  {schedule['scheduled']} of {schedule['requests']} requested meetings scheduled; "
        f"fulfilment {schedule['fulfilment_ratio']:.1%} of the proven maximum weight "
        f"({schedule['weight']} of {schedule['upper_bound']}, {schedule['solver_status']})",
        f"  {breaks_line(schedule)}",
        f"  meetings per delegate: min {min(per_delegate.values(), default=0)}, "
        f"max {max(per_delegate.values(), default=0)}, "
        f"none for {sum(1 for d in delegates if d['id'] not in per_delegate)}",
    ]
    if report["unmatched_interests"]:
        lines.append("  interests no exhibitor answered:")
        lines += [
            f"    {name}: {', '.join(items)}"
            for name, items in report["unmatched_interests"].items()
        ]
    gaps = ", ".join(
        f"{gap} ({count})" for gap, count in list(report["readiness_gaps"].items())[:5]
    )
    lines.append(f"  most common readiness gaps: {gaps}")
    stats = report.get("statistics") or {}
    if stats:
        deals = ", ".join(f"{value:,.0f} {currency}" for currency, value in stats["deals"].items())
        lines.append(f"  outcomes recorded: {stats['held']} held; deals {deals or 'none yet'}")
    return "\n".join(lines)


def create_organiser_account(environment: dict[str, str]) -> None:
    """The trade office's organiser, as an operator creates one: with the accounts command,
    whose account id is the subject the expo is organised under."""
    command = [
        sys.executable, "-m", "services.web.accounts", "create-organiser",
        "--id", ORGANISER, "--email", ORGANISER_EMAIL, "--name", "Maria da Costa",
        "--language", "id", "--password-stdin",
    ]  # fmt: skip
    done = subprocess.run(
        command,
        input=ORGANISER_PASSWORD + "\n",
        capture_output=True,
        text=True,
        env={**os.environ, **environment},
        check=False,
    )
    if done.returncode != 0 and "already has an account" not in done.stderr:
        raise ScenarioError(f"creating the organiser's account failed: {done.stderr.strip()}")


def run_scenario(stack_urls: dict[str, str], settings: Settings, out_dir: Path) -> dict[str, Any]:
    """The whole Sunda Kecil Expo through the public APIs; prints the readable report and
    writes out/demo-report.json."""
    sellers = load_catalog(stack_urls["catalog"], settings)
    print(readiness_report(sellers, dt.datetime.now(dt.UTC).date()))
    events_url = stack_urls["events"]
    expo = load_expo(events_url, settings, sellers)
    propose_and_accept(stack_urls["matching"], events_url, settings, expo, sellers)
    print()
    print(matching_report(expo))
    schedule_and_publish(events_url, settings, expo)
    print()
    print(agenda_report(expo))
    record_outcomes(events_url, settings, expo)
    report = demo_report(expo, sellers)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "demo-report.json"
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    print()
    print(summary(report))
    print(f"\nThe report as JSON: {path}")
    return report
