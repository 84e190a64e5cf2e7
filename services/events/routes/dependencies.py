"""What the events routes are given: the store, and the availability a body may carry."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from pydantic import Field

from services.events.commands.participants import Availability
from services.events.runs import Runs
from services.events.store import EventsStore
from shared.http import Strict
from shared.types import Identifier


def get_store(request: Request) -> EventsStore:
    store: EventsStore = request.app.state.store
    return store


Store = Annotated[EventsStore, Depends(get_store)]


def get_runs(request: Request) -> Runs:
    runs: Runs = request.app.state.runs
    return runs


ScheduleRuns = Annotated[Runs, Depends(get_runs)]


class AvailabilityIn(Strict):
    """Given by whole sessions and/or single slots; leave both out for the whole expo."""

    sessions: list[Identifier] | None = Field(None, max_length=100)
    slots: list[Identifier] | None = Field(None, max_length=2000)

    def command(self) -> Availability:
        return Availability(self.sessions, self.slots)


def availability(given: AvailabilityIn | None) -> Availability | None:
    return None if given is None else given.command()
