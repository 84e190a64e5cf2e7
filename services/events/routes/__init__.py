"""The events service's HTTP routes, one router per resource."""

from fastapi import APIRouter

from services.events.routes import (
    agendas,
    board,
    delegates,
    exhibitors,
    expos,
    publications,
    requests,
    schedule,
    stats,
)

routers: list[APIRouter] = [
    expos.router,
    delegates.router,
    exhibitors.router,
    requests.router,
    schedule.router,
    board.router,
    publications.router,
    agendas.router,
    stats.router,
]
