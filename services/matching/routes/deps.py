"""The use cases' `Services`, taken from the app state the lifespan fills, as a route parameter."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.matching.usecases import Services


def services_of(request: Request) -> Services:
    state = request.app.state
    return Services(store=state.store, model=state.model, follower=state.follower)


Deps = Annotated[Services, Depends(services_of)]
