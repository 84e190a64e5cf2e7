"""The catalog's HTTP routes, one router per resource, in the order the API documents them."""

from __future__ import annotations

from fastapi import APIRouter

from services.catalog.routes import certifications, products, readiness, sellers

routers: list[APIRouter] = [
    sellers.router,
    products.router,
    readiness.router,
    certifications.router,
]
