"""Typed settings shared by every service.

Each service builds its settings object in ``main()`` (never at import time) from the
environment, falling back to the repo's ``.env`` topology table and ``.env.local`` when
run from the repository root. The field names map to the same environment names that the
native scripts, docker-compose and the Helm chart use (``POSTGRES_HOST``, ``KAFKA_PORT``...).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "test", "production"]

# Secrets that ship in .env for local development only; production must override them.
_DEV_ONLY_SECRETS = {"practicum-dev-only", "change-me", ""}


class BaseServiceSettings(BaseSettings):
    """Infrastructure addresses every service may need, read from the topology names."""

    model_config = SettingsConfigDict(
        env_file=(".env", ".env.local"),
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    environment: Environment = Field(default="development", alias="PRACTICUM_ENV")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")

    postgres_host: str = Field(default="127.0.0.1", alias="POSTGRES_HOST")
    postgres_port: int = Field(default=5432, alias="POSTGRES_PORT")
    postgres_db: str = Field(default="practicum", alias="POSTGRES_DB")
    postgres_user: str = Field(default="practicum", alias="POSTGRES_USER")
    postgres_password: SecretStr = Field(default=SecretStr(""), alias="POSTGRES_PASSWORD")
    postgres_pool_max: int = Field(default=10, alias="POSTGRES_POOL_MAX", ge=1)

    kafka_host: str = Field(default="127.0.0.1", alias="KAFKA_HOST")
    kafka_port: int = Field(default=9092, alias="KAFKA_PORT")

    redis_host: str = Field(default="127.0.0.1", alias="REDIS_HOST")
    redis_port: int = Field(default=6379, alias="REDIS_PORT")

    # none | console | otlp | memory (tests)
    otel_traces_exporter: str = Field(default="none", alias="OTEL_TRACES_EXPORTER")
    otel_exporter_otlp_endpoint: str = Field(default="http://127.0.0.1:4318", alias="OTEL_EXPORTER_OTLP_ENDPOINT")

    @property
    def postgres_dsn(self) -> str:
        pw = self.postgres_password.get_secret_value()
        return (
            f"host={self.postgres_host} port={self.postgres_port} dbname={self.postgres_db} "
            f"user={self.postgres_user} password={pw} connect_timeout=5"
        )

    @property
    def kafka_bootstrap(self) -> str:
        return f"{self.kafka_host}:{self.kafka_port}"

    @property
    def redis_url(self) -> str:
        return f"redis://{self.redis_host}:{self.redis_port}/0"

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> BaseServiceSettings:
        if self.environment == "production" and self.postgres_password.get_secret_value() in _DEV_ONLY_SECRETS:
            raise ValueError(
                "POSTGRES_PASSWORD uses a development-only value; set a real secret when PRACTICUM_ENV=production"
            )
        return self
