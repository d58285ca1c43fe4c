"""Analytics service settings (built in main(), never at import time)."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator

from practicum_common.settings import BaseServiceSettings


class AnalyticsSettings(BaseServiceSettings):
    host: str = Field(default="127.0.0.1", alias="ANALYTICS_HOST")
    port: int = Field(default=8002, alias="ANALYTICS_PORT")
    # Bearer token for the analytics API (the session service and analysts' tools).
    api_token: SecretStr = Field(default=SecretStr("practicum-dev-only"), alias="ANALYTICS_API_TOKEN")
    # Key of the HMAC that turns trainee ids into stable pseudonyms in exports.
    pseudonym_key: SecretStr = Field(default=SecretStr("practicum-dev-only"), alias="ANALYTICS_PSEUDONYM_KEY")
    # Run the Kafka consumer inside the API process (off: `python -m practicum_analytics consume`).
    embedded_consumer: bool = Field(default=True, alias="ANALYTICS_EMBEDDED_CONSUMER")
    # Side HTTP port (/metrics, /healthz, /readyz) of the consumer when it runs alone,
    # bound on ANALYTICS_HOST.
    consumer_http_port: int = Field(default=9106, alias="ANALYTICS_CONSUMER_HTTP_PORT")

    @model_validator(mode="after")
    def _real_secrets_in_production(self) -> AnalyticsSettings:
        if self.environment == "production":
            for name, secret in (
                ("ANALYTICS_API_TOKEN", self.api_token),
                ("ANALYTICS_PSEUDONYM_KEY", self.pseudonym_key),
            ):
                if secret.get_secret_value() in {"", "practicum-dev-only"}:
                    raise ValueError(f"{name} uses a development-only value; set a real secret in production")
        return self
