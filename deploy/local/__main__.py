"""Run the system locally.

python -m deploy.local up            # broker, Redis and services; prints URLs; Ctrl-C stops
python -m deploy.local demo [--once] # the same, plus the Sunda Kecil Expo scenario
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from deploy.local.demo import (
    ORGANISER_EMAIL,
    ORGANISER_PASSWORD,
    ScenarioError,
    create_organiser_account,
    run_scenario,
)
from deploy.local.stack import REPO_ROOT, LocalStack, StackError
from shared.settings import LOCAL_STACK_ENVIRONMENT

SERVICES = ["catalog", "events", "matching", "web"]


def _stop_on_sigterm() -> threading.Event:
    stopped = threading.Event()

    def handle(_signum: int, _frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, handle)
    return stopped


def print_urls(stack: LocalStack, expo_id: str | None = None) -> None:
    print("\nTemu Dagang is running:")
    print(f"  broker (Kafka protocol)  {stack.kafka_bootstrap_servers}")
    print(f"  redis                    {stack.redis_url}")
    for name, url in stack.service_urls.items():
        print(f"  {name:<24} {url}   API docs: {url}/docs   metrics: {url}/metrics")
    if expo_id is not None:
        events, matching = stack.service_urls["events"], stack.service_urls["matching"]
        print(f"\n  Sunda Kecil Expo ({expo_id}), with an organiser token for disperindag-ntt:")
        print(f"    printable schedule  {events}/expos/{expo_id}/agenda?format=html")
        print(f"    all meetings (ics)  {events}/expos/{expo_id}/agenda?format=ics")
        print(f"    one delegate (ics)  {events}/expos/{expo_id}/agenda?delegate=<id>&format=ics")
        print(f"    statistics          {events}/expos/{expo_id}/stats")
        print(f"    proposals           {matching}/match-requests?expo_id={expo_id}")
    print("  a token: .venv/bin/python -m shared.auth --role organiser --subject disperindag-ntt")
    if "web" in stack.service_urls:
        print(f"\n  The web app: {stack.service_urls['web']}/signin")
        if expo_id is not None:
            print(f"    organiser  {ORGANISER_EMAIL}   password  {ORGANISER_PASSWORD}")
            web = f"{stack.service_urls['web']}/expos/{expo_id}"
            print(f"    the expo   {web}")
            print(f"    scheduling {web}/schedule   (run, watch, read the result)")
            print(f"    the grid   {web}/sessions/d1-pm   (move, lock, place by hand)")
            print(f"    publish    {web}/publications   (what changes for participants)")
            print(f"    print      {web}/agendas   (a sheet each; every sheet as one PDF)")
            print(f"    statistics {web}/statistics   (charts; CSV and XLSX)")
            print(f"    a delegate {web}/delegates   (invite one, then act as them: their own")
            print("               page with their agenda, and asking an exhibitor for a meeting)")
    print(f"  logs: {stack.data_dir}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("command", choices=["up", "demo"])
    parser.add_argument("--once", action="store_true", help="demo: exit after the report")
    # The default is where command-line tools look for a running stack's addresses.
    parser.add_argument("--data-dir", type=Path, default=LOCAL_STACK_ENVIRONMENT.parent)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "out", help="demo report folder")
    arguments = parser.parse_args(argv)
    stopped = _stop_on_sigterm()
    try:
        with LocalStack(arguments.data_dir, services=SERVICES) as stack:
            expo_id = None
            if arguments.command == "demo":
                create_organiser_account(stack.environment())
                report = run_scenario(stack.service_urls, stack.settings(), arguments.out)
                expo_id = report["expo"]["id"]
                if arguments.once:
                    return 0
            print_urls(stack, expo_id)
            print("Ctrl-C stops everything.")
            stopped.wait()
    except KeyboardInterrupt:
        print("\nstopping…")
    except (StackError, ScenarioError) as failure:
        print(f"error: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
