"""Configuration every service reads from the environment, in one place."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

from limits import parse_many
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.keys import ENVIRONMENT_PREFIX, Issuer, decode, development_pair

# Where the development key pairs are accepted, by exact name; anywhere else (`prod`,
# `staging`, `Production`, a typo) needs keys of its own.
DEVELOPMENT_ENVIRONMENTS = frozenset({"development", "test"})
MAX_TOKEN_SECONDS = 12 * 3600  # one working day at an expo; a longer-lived token is refused


class Settings(BaseSettings):
    """Environment variables shared by all services (names are the upper-cased field names)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    environment: str = Field(
        "development",
        description="development | test accept the development key pairs; anything else needs "
        "each issuer's VERIFY_KEY (and the issuer its SIGNING_KEY) set",
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
    # Token issuers' Ed25519 keys (shared.keys): unset, the development pair, in development.
    operator_verify_key: str | None = None
    operator_signing_key: str | None = Field(None, description="Only where operators mint")
    web_verify_key: str | None = None
    web_signing_key: str | None = Field(None, description="Only in the web app")
    jwt_ttl_seconds: int = Field(8 * 3600, ge=60, le=MAX_TOKEN_SECONDS)
    outbox_shards: int = Field(
        8, ge=1, le=1024, description="Outbox streams per service; fixed once data exists"
    )
    rate_limits: str = Field(
        "50/second;1500/minute",
        description="Requests each token's subject may send to one service, per rule "
        "(`limits` notation, `;`-separated; empty: no limit). Past one: 429 with Retry-After",
    )
    # The web app's view of the public APIs it calls as the person signed in.
    catalog_url: str = Field("http://127.0.0.1:8001", description="Web app only")
    events_url: str = Field("http://127.0.0.1:8002", description="Web app only")
    matching_url: str = Field("http://127.0.0.1:8003", description="Web app only")
    web_session_seconds: int = Field(
        8 * 3600, ge=300, le=MAX_TOKEN_SECONDS, description="Web app only: idle session lifetime"
    )
    web_time_zone: str = Field(
        "Asia/Makassar", description="Web app only: the trade office's zone, for times of no expo"
    )
    sign_in_limits: str = Field(
        "10/minute;50/hour", description="Web app only: sign-in attempts per e-mail address"
    )
    log_level: str = Field("INFO")
    metrics_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="Serve /metrics on this port instead of the public one (Compose, Kubernetes)",
    )

    @model_validator(mode="after")
    def _refuse_development_keys_elsewhere(self) -> Settings:
        development = self.environment in DEVELOPMENT_ENVIRONMENTS
        for issuer, prefix in ENVIRONMENT_PREFIX.items():
            for half in ("verify", "signing"):
                name = f"{prefix}_{half.upper()}_KEY"
                value: str | None = getattr(self, name.lower())
                if value is None:
                    if half == "verify" and not development:
                        raise ValueError(
                            f"{name} must be set in environment {self.environment!r} (the "
                            "development keys serve only "
                            f"{', '.join(sorted(DEVELOPMENT_ENVIRONMENTS))})"
                        )
                    continue
                decode(value, name)  # a ValueError names the variable
                if not development and value == getattr(development_pair(issuer), half):
                    raise ValueError(f"{name} is the development key; set one of your own")
        return self

    def key_of(self, issuer: Issuer, half: str) -> str | None:
        """An issuer's `verify` or `signing` key as configured, or the development one where
        that serves; None where neither does."""
        configured: str | None = getattr(self, f"{ENVIRONMENT_PREFIX[issuer].lower()}_{half}_key")
        if configured is not None:
            return configured
        if self.environment in DEVELOPMENT_ENVIRONMENTS:
            return str(getattr(development_pair(issuer), half))
        return None

    @field_validator("rate_limits", "sign_in_limits")
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
