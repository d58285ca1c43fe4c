"""Grading service settings (built in main()/worker start-up, never at import time)."""

from __future__ import annotations

from pydantic import Field, model_validator

from practicum_common.llm import ServerKind
from practicum_common.settings import BaseServiceSettings


class GradingSettings(BaseServiceSettings):
    http_host: str = Field(default="127.0.0.1", alias="GRADING_HTTP_HOST")
    # Side port of the dispatcher (metrics, health) and of the worker.
    http_port: int = Field(default=9102, alias="GRADING_HTTP_PORT")
    worker_http_port: int = Field(default=9103, alias="GRADING_WORKER_HTTP_PORT")

    # Inference tier for the LLM judge (same OpenAI-compatible API as the simulation).
    llm_base_urls: str = Field(default="http://127.0.0.1:58080/v1", alias="LLM_BASE_URLS")
    llm_model: str = Field(default="smollm2-135m-instruct", alias="LLM_MODEL")
    llm_server_kind: ServerKind = Field(default=ServerKind.LLAMACPP, alias="LLM_SERVER_KIND")
    judge_timeout_s: float = Field(default=90.0, alias="GRADING_JUDGE_TIMEOUT_S", gt=0)
    judge_max_tokens: int = Field(default=700, alias="GRADING_JUDGE_MAX_TOKENS", ge=50)

    # Celery reliability knobs. The visibility timeout must exceed the longest task, or
    # Redis hands a still-running task to a second worker.
    turn_task_time_limit_s: int = Field(default=30, alias="GRADING_TURN_TIME_LIMIT_S", ge=1)
    report_task_time_limit_s: int = Field(default=300, alias="GRADING_REPORT_TIME_LIMIT_S", ge=1)
    visibility_timeout_s: int = Field(default=600, alias="GRADING_VISIBILITY_TIMEOUT_S", ge=1)
    # A task delivered more often than this goes to the dead-letter table instead of running.
    max_deliveries: int = Field(default=5, alias="GRADING_MAX_DELIVERIES", ge=1)
    worker_concurrency: int = Field(default=2, alias="GRADING_WORKER_CONCURRENCY", ge=1)

    # The lost-task sweep of the dispatcher (entrypoints/sweeper.py): how often it runs
    # (0 switches it off), how long a turn may wait for its grade and an ended session for
    # its report before the task is sent again, and how far back it looks. The waits stay
    # above the longest legitimate wait (retries with backoff, the visibility timeout).
    sweep_interval_s: float = Field(default=60.0, alias="GRADING_SWEEP_INTERVAL_S", ge=0)
    sweep_turn_after_s: float = Field(default=900.0, alias="GRADING_SWEEP_TURN_AFTER_S", ge=0)
    sweep_report_after_s: float = Field(default=1800.0, alias="GRADING_SWEEP_REPORT_AFTER_S", ge=0)
    sweep_window_h: float = Field(default=24.0, alias="GRADING_SWEEP_WINDOW_H", gt=0)

    @property
    def llm_base_url(self) -> str:
        # The judge is a background call; the first replica is enough (vLLM schedules
        # it behind interactive requests by priority).
        return self.llm_base_urls.split(",")[0].strip()

    @model_validator(mode="after")
    def _visibility_above_task_limits(self) -> GradingSettings:
        longest = max(self.turn_task_time_limit_s, self.report_task_time_limit_s)
        if self.visibility_timeout_s <= longest:
            raise ValueError(
                f"GRADING_VISIBILITY_TIMEOUT_S ({self.visibility_timeout_s}) must exceed the longest task "
                f"time limit ({longest}s), or Redis redelivers tasks that are still running"
            )
        return self
