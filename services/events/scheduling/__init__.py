"""One-on-one meeting scheduling: the global optimisation and fast online insertion.

No framework, and no I/O but one: an `Instance` in, a `Schedule` out; the MaxSAT search for
the fewest breaks runs as a process of its own beside CP-SAT (maxsat.py). The rules:

* a request is placed at most once, in a slot both participants can attend;
* a participant has at most one meeting per slot, and at most `max_meetings` in all;
* a slot holds at most `tables` meetings (pool mode; at the booth there is no shared capacity);
* confirmed (`fixed`) meetings stay where they are and use up what they occupy.

Goals, in this order: the total weight of placed requests; then more participants with at
least one meeting; then the fewest breaks; then the smallest spread of breaks, never at the
cost of any weight. `solve` picks *which* meetings happen with an exact maximum-weight
b-matching (a min-cost flow, whose value is also the proven upper bound), places them by first
fit with one-meeting moves (choosing again without what did not fit), improves the placement
with CP-SAT (weight, then the fewest breaks, raced by MaxSAT when every chosen meeting is
placed), places what is left greedily and never answers worse than the weight-first `greedy`.
Tables are interchangeable, so their numbers are given last. `OnlineSchedule` adds one request
at a time without moving anything.
"""

from services.events.scheduling.booking import Booking, OnlineSchedule
from services.events.scheduling.checks import check_feasible
from services.events.scheduling.files import instance_from_json, schedule_to_json
from services.events.scheduling.instance import (
    Fixed,
    Instance,
    InvalidInstance,
    Meeting,
    Participant,
    Reason,
    Request,
    Schedule,
    Slot,
    Unscheduled,
    check_request,
)
from services.events.scheduling.solver import combinatorial_bound, greedy, solve

__all__ = [
    "Booking",
    "Fixed",
    "Instance",
    "InvalidInstance",
    "Meeting",
    "OnlineSchedule",
    "Participant",
    "Reason",
    "Request",
    "Schedule",
    "Slot",
    "Unscheduled",
    "check_feasible",
    "check_request",
    "combinatorial_bound",
    "greedy",
    "instance_from_json",
    "schedule_to_json",
    "solve",
]
