"""Configuration every service reads from the environment, in one place."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

from limits import parse_many
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_JWT_SECRET = "temu-dagang-local-development-only"
# Where the development secret is accepted, by exact name; anywhere else (`prod`, `staging`,
# `Production`, a typo) needs a secret of its own.
DEVELOPMENT_ENVIRONMENTS = frozenset({"development", "test"})
MIN_SECRET_BYTES = 32  # HS256 wants a key at least as long as its 256-bit output
MAX_TOKEN_SECONDS = 12 * 3600  # one working day at an expo; a longer-lived token is refused


class Settings(BaseSettings):
    """Environment variables shared by all services (names are the upper-cased field names)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    environment: str = Field(
        "development",
        description="development | test accept the development JWT secret; anything else needs "
        f"a JWT_SECRET of at least {MIN_SECRET_BYTES} bytes",
    )
    service_name: str = Field("temu-dagang", description="CloudEvents source and consumer group")
    kafka_bootstrap_servers: str = Field("127.0.0.1:9092", description="host:port[,host:port]")
    kafka_idempotence: bool = Field(
        False,
        description="Idempotent producer: on for Apache Kafka, off for Tansu (unsupported there)",
    )
    kafka_topic_partitions: int = Field(3, ge=1, le=256)
    kafka_session_timeout_ms: int = Field(10_000, ge=1000)
    kafka_heartbeat_interval_ms: int = Field(3_000, ge=100)
    kafka_request_timeout_ms: int = Field(10_000, ge=1000)
    redis_url: str = Field("redis://127.0.0.1:6379/0")
    redis_max_connections: int = Field(
        64, ge=2, le=10_000, description="Per process; more concurrent commands wait their turn"
    )
    jwt_secret: str = Field(DEVELOPMENT_JWT_SECRET)
    jwt_ttl_seconds: int = Field(8 * 3600, ge=60, le=MAX_TOKEN_SECONDS)
    outbox_shards: int = Field(
        8, ge=1, le=1024, description="Outbox streams per service; fixed once data exists"
    )
    rate_limits: str = Field(
        "50/second;1500/minute",
        description="Requests each token's subject may send to one service, per rule "
        "(`limits` notation, `;`-separated; empty: no limit). Past one: 429 with Retry-After",
    )
    log_level: str = Field("INFO")
    metrics_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="Serve /metrics on this port instead of the public one (Compose, Kubernetes)",
    )

    @model_validator(mode="after")
    def _refuse_weak_secrets(self) -> Settings:
        if self.jwt_secret == DEVELOPMENT_JWT_SECRET:
            if self.environment not in DEVELOPMENT_ENVIRONMENTS:
                raise ValueError(
                    f"JWT_SECRET must be set in environment {self.environment!r} (the "
                    f"development secret serves only {', '.join(sorted(DEVELOPMENT_ENVIRONMENTS))})"
                )
        elif len(self.jwt_secret.encode()) < MIN_SECRET_BYTES or len(set(self.jwt_secret)) < 8:
            raise ValueError(
                f"JWT_SECRET must be at least {MIN_SECRET_BYTES} random bytes "
                "(e.g. `openssl rand -hex 32`)"
            )
        return self

    @field_validator("rate_limits")
    @classmethod
    def _rate_limits_parse(cls, rules: str) -> str:
        if rules.strip():
            parse_many(rules)  # a ValueError names what is wrong
        return rules

    @property
    def bootstrap_servers(self) -> list[str]:
        return [server.strip() for server in self.kafka_bootstrap_servers.split(",") if server]


@lru_cache
def get_settings() -> Settings:
    return Settings()


# Where a running local stack (`make up`, `make demo`) writes the addresses of its broker and
# Redis, so that command-line tools find it without exported variables.
LOCAL_STACK_ENVIRONMENT = (
    Path(__file__).resolve().parents[1] / ".stack" / "run" / "environment.json"
)


def local_settings() -> Settings:
    """The settings of the environment, or of the running local stack when the environment
    names no broker: what a command-line tool run by hand wants."""
    if "KAFKA_BOOTSTRAP_SERVERS" not in os.environ and LOCAL_STACK_ENVIRONMENT.exists():
        found = json.loads(LOCAL_STACK_ENVIRONMENT.read_text())
        return Settings(**{name.lower(): value for name, value in found.items()})
    return get_settings()
