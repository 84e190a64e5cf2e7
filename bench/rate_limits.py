"""What the per-subject rate limit costs a request: two catalog instances on one stack, one
counting every request against the default rules and one with no limit, asked the same
requests in alternation, so the ratio holds on a noisy machine.

    python -m bench.rate_limits [--requests 2000]

Each instance gets its own subjects (`bench-<n>`), so no request is ever refused: what is
measured is the counting (one Redis script per rule), not a 429.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench.measure import machine, percentile
from deploy.local.stack import LocalStack
from shared.auth import Role, bearer
from shared.settings import Settings

# The shipped default, whose budget no subject below reaches.
COUNTED = str(Settings.model_fields["rate_limits"].default)
SUBJECTS = 40  # requests spread so that none passes 50 a second or 1,500 a minute
SELLER = {
    "name": "Koperasi Garam Kupang", "province": "ID-NT", "regency": "Kupang",
    "sectors": ["salt"], "languages": ["id"], "sales_terms": ["consignment"],
}  # fmt: skip


async def latencies(
    settings: Settings, urls: dict[str, str], requests: int
) -> dict[str, dict[str, list[float]]]:
    """Milliseconds per request, by instance and by kind (a read and a write)."""
    found: dict[str, dict[str, list[float]]] = {name: {"read": [], "write": []} for name in urls}
    async with httpx.AsyncClient(timeout=30) as client:
        owner = bearer(settings, Role.organiser, "bench-setup")
        seller = (
            await client.post(f"{urls['counted']}/sellers", headers=owner, json=SELLER)
        ).json()
        for number in range(requests):
            # Alternate which instance goes first, so neither always follows the other.
            order = list(urls.items()) if number % 2 else list(reversed(urls.items()))
            for name, url in order:
                headers = bearer(settings, Role.organiser, f"bench-{name}-{number % SUBJECTS}")
                for kind, request in (
                    ("read", client.build_request("GET", f"{url}/sellers/{seller['id']}", headers=headers)),
                    ("write", client.build_request("POST", f"{url}/sellers", headers=headers, json=SELLER)),
                ):  # fmt: skip
                    started = time.perf_counter()
                    answer = await client.send(request)
                    found[name][kind].append((time.perf_counter() - started) * 1000)
                    assert answer.status_code < 300, answer.text
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=2000)
    arguments = parser.parse_args()
    with LocalStack(Path(tempfile.mkdtemp(prefix="bench-"))) as stack:
        urls = {
            "counted": stack.start_service("catalog", instance="counted", env={"RATE_LIMITS": COUNTED}),
            "unlimited": stack.start_service("catalog", instance="unlimited", env={"RATE_LIMITS": ""}),
        }  # fmt: skip
        found = asyncio.run(latencies(stack.settings(), urls, arguments.requests))
    print(f"machine: {machine()}")
    for kind in ("read", "write"):
        counted, unlimited = found["counted"][kind], found["unlimited"][kind]
        print(
            f"{kind:<5} counted p50 {statistics.median(counted):.2f} / p99 "
            f"{percentile(counted, 0.99):.2f} ms; unlimited p50 {statistics.median(unlimited):.2f}"
            f" / p99 {percentile(unlimited, 0.99):.2f} ms; counted / unlimited (p50) "
            f"{statistics.median(counted) / statistics.median(unlimited):.2f}; "
            f"{len(counted)} each"
        )


if __name__ == "__main__":
    main()
