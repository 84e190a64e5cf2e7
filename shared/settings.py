"""Configuration every service reads from the environment, in one place."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_JWT_SECRET = "temu-dagang-local-development-only"


class Settings(BaseSettings):
    """Environment variables shared by all services (names are the upper-cased field names)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    environment: str = Field(
        "development", description="development | test | production; production refuses defaults"
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
    jwt_secret: str = Field(DEVELOPMENT_JWT_SECRET, min_length=16)
    jwt_ttl_seconds: int = Field(8 * 3600, ge=60)
    outbox_shards: int = Field(
        8, ge=1, le=1024, description="Outbox streams per service; fixed once data exists"
    )
    log_level: str = Field("INFO")

    @model_validator(mode="after")
    def _refuse_development_secret_in_production(self) -> Settings:
        if self.environment == "production" and self.jwt_secret == DEVELOPMENT_JWT_SECRET:
            raise ValueError("JWT_SECRET must be set outside development")
        return self

    @property
    def bootstrap_servers(self) -> list[str]:
        return [server.strip() for server in self.kafka_bootstrap_servers.split(",") if server]


@lru_cache
def get_settings() -> Settings:
    return Settings()
