"""The security tests share the session's broker and Redis; attacks that need a real HTTP
server (not an in-process app) use one service started as a process on that stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deploy.local.stack import LocalStack


@pytest.fixture(scope="session")
def catalog_url(stack: LocalStack) -> Iterator[str]:
    """The catalog as a uvicorn process on the shared stack."""
    url = stack.start_service("catalog", instance="catalog-served")
    yield url
    stack.service_urls.pop("catalog-served", None)
    stack.service_processes.pop("catalog-served").stop()
