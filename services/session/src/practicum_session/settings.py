"""Session service settings (built in main(), never at import time)."""

from __future__ import annotations

from pydantic import Field

from practicum_common.settings import BaseServiceSettings


class SessionSettings(BaseServiceSettings):
    host: str = Field(default="127.0.0.1", alias="SESSION_HOST")
    port: int = Field(default=8000, alias="SESSION_PORT")
    simulation_host: str = Field(default="127.0.0.1", alias="SIMULATION_HOST")
    simulation_port: int = Field(default=50051, alias="SIMULATION_PORT")
    analytics_host: str = Field(default="127.0.0.1", alias="ANALYTICS_HOST")
    analytics_port: int = Field(default=8002, alias="ANALYTICS_PORT")
    analytics_token: str = Field(default="practicum-dev-only", alias="ANALYTICS_API_TOKEN")

    # A trainee message longer than this is rejected with 422 (documented in the API).
    max_message_chars: int = Field(default=2000, alias="SESSION_MAX_MESSAGE_CHARS", ge=1)
    # Deadline for a whole simulated reply, first token to last.
    reply_timeout_s: float = Field(default=60.0, alias="SESSION_REPLY_TIMEOUT_S", gt=0)
    # How long a streamed turn waits for its per-turn feedback before closing the stream.
    feedback_wait_s: float = Field(default=10.0, alias="SESSION_FEEDBACK_WAIT_S", ge=0)
    # Retry-After sent with 503 when the inference tier or the simulation service is down.
    retry_after_s: int = Field(default=5, alias="SESSION_RETRY_AFTER_S", ge=1)
    # Run the outbox relay and the grade-event consumer inside the API process. Turn off
    # to run them as separate deployments (`python -m practicum_session relay|consume`).
    embedded_workers: bool = Field(default=True, alias="SESSION_EMBEDDED_WORKERS")
    # Side HTTP ports (/metrics, /healthz, /readyz) of those two when they run alone, bound
    # on SESSION_HOST. With the embedded workers the API's own /metrics carries theirs.
    relay_http_port: int = Field(default=9104, alias="SESSION_RELAY_HTTP_PORT")
    # How long one webhook delivery may take before it counts as failed (and is retried).
    webhook_timeout_s: float = Field(default=5.0, alias="SESSION_WEBHOOK_TIMEOUT_S", gt=0)
    consumer_http_port: int = Field(default=9105, alias="SESSION_CONSUMER_HTTP_PORT")

    @property
    def simulation_target(self) -> str:
        return f"{self.simulation_host}:{self.simulation_port}"

    @property
    def analytics_url(self) -> str:
        return f"http://{self.analytics_host}:{self.analytics_port}"
