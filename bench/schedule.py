"""Schedule one instance file and print the answer as JSON (format: docs/scheduling.md).

    python -m bench.schedule --instance FILE --time-limit SECONDS

An instance that is not valid ends with a one-line error on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from services.events.scheduling import InvalidInstance, instance_from_json, schedule_to_json, solve

INVALID = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--instance", required=True, type=Path, help="instance JSON file")
    parser.add_argument("--time-limit", required=True, type=float, help="seconds for the solver")
    parser.add_argument("--workers", type=int, default=2, help="solver threads")
    arguments = parser.parse_args(argv)
    if not (math.isfinite(arguments.time_limit) and arguments.time_limit > 0):
        parser.error("--time-limit must be a positive number of seconds")
    if arguments.workers < 1:
        parser.error("--workers must be at least 1")
    try:
        document = json.loads(arguments.instance.read_text())
        instance = instance_from_json(document)
    except OSError as unreadable:
        print(f"error: cannot read {arguments.instance}: {unreadable.strerror}", file=sys.stderr)
        return INVALID
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as broken:
        print(f"error: {arguments.instance} is not JSON: {broken}", file=sys.stderr)
        return INVALID
    except InvalidInstance as invalid:
        print(f"error: invalid instance at {invalid.field}: {invalid.message}", file=sys.stderr)
        return INVALID
    schedule = solve(instance, arguments.time_limit, arguments.workers)
    json.dump(schedule_to_json(schedule), sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
