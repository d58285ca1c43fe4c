"""Simulation service settings (built in main(), never at import time)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from practicum_common.llm import ServerKind
from practicum_common.settings import BaseServiceSettings

# services/simulation/scenarios: next to the package in a checkout and in the image.
_DEFAULT_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


class SimulationSettings(BaseServiceSettings):
    host: str = Field(default="127.0.0.1", alias="SIMULATION_HOST")
    port: int = Field(default=50051, alias="SIMULATION_PORT")
    http_port: int = Field(default=9101, alias="SIMULATION_HTTP_PORT")

    scenarios_dir: Path = Field(default=_DEFAULT_SCENARIOS / "library", alias="SIMULATION_SCENARIOS_DIR")
    scenario_schema: Path = Field(
        default=_DEFAULT_SCENARIOS / "schema" / "scenario.schema.json", alias="SIMULATION_SCENARIO_SCHEMA"
    )

    # Inference tier: comma-separated OpenAI-compatible base URLs (one per replica).
    llm_base_urls: str = Field(default="http://127.0.0.1:58080/v1", alias="LLM_BASE_URLS")
    llm_model: str = Field(default="smollm2-135m-instruct", alias="LLM_MODEL")
    llm_server_kind: ServerKind = Field(default=ServerKind.LLAMACPP, alias="LLM_SERVER_KIND")
    # Keys the per-organisation vLLM cache_salt (prefix-cache isolation between tenants).
    cache_salt_secret: SecretStr = Field(
        default=SecretStr("practicum-dev-only-cache-salt"), alias="SIMULATION_CACHE_SALT_SECRET"
    )
    temperature: float = Field(default=0.7, alias="SIMULATION_TEMPERATURE", ge=0, le=2)

    # Session-affinity routing keeps a session on the replica holding its prefix cache.
    routing: Literal["affinity", "round_robin"] = Field(default="affinity", alias="SIMULATION_ROUTING")
    # Bounded load: a replica takes at most ceil(load_factor * mean load) requests.
    routing_load_factor: float = Field(default=1.25, alias="SIMULATION_ROUTING_LOAD_FACTOR", ge=1.0)
    health_interval_s: float = Field(default=5.0, alias="SIMULATION_HEALTH_INTERVAL_S", gt=0)

    # Admission control: requests running at once, and waiting; beyond that, "busy".
    max_concurrency: int = Field(default=64, alias="SIMULATION_MAX_CONCURRENCY", ge=1)
    max_queue: int = Field(default=256, alias="SIMULATION_MAX_QUEUE", ge=0)
    # Queued requests one organisation may hold (0: no limit but SIMULATION_MAX_QUEUE), so
    # one partner's surge cannot fill the queue and have every other partner turned away.
    # The queue is served round-robin across organisations either way.
    max_queue_per_org: int = Field(default=128, alias="SIMULATION_MAX_QUEUE_PER_ORG", ge=0)
    # Time to the first token before a replica counts as failed; whole-reply deadline.
    first_token_timeout_s: float = Field(default=30.0, alias="SIMULATION_FIRST_TOKEN_TIMEOUT_S", gt=0)
    reply_timeout_s: float = Field(default=60.0, alias="SIMULATION_REPLY_TIMEOUT_S", gt=0)
    # Replicas tried per reply before giving up (failover on errors before the first token).
    max_attempts: int = Field(default=3, alias="SIMULATION_MAX_ATTEMPTS", ge=1)

    @property
    def replica_urls(self) -> list[str]:
        return [u.strip() for u in self.llm_base_urls.split(",") if u.strip()]

    @model_validator(mode="after")
    def _check(self) -> SimulationSettings:
        if not self.replica_urls:
            raise ValueError("LLM_BASE_URLS must name at least one inference replica")
        if self.environment == "production" and "dev-only" in self.cache_salt_secret.get_secret_value():
            raise ValueError("SIMULATION_CACHE_SALT_SECRET uses a development-only value")
        return self
