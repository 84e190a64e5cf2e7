"""The matching service's HTTP routes, one router per resource."""

from __future__ import annotations

from fastapi import APIRouter

from services.matching.routes import exposure, match_requests, proposals

routers: list[APIRouter] = [match_requests.router, proposals.router, exposure.router]
