"""The LLM judge call over the OpenAI-compatible inference tier.

A background request: vLLM schedules it behind interactive client replies
(priority 10 vs 0). Transport failures become ``JudgeUnavailable`` so the domain's
bounded retry policy handles them and finally falls back to the heuristic judgement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from practicum_common.llm import ChatRequest, InferenceError, ServerKind, complete_sync
from practicum_grading.domain.errors import JudgeUnavailable

BACKGROUND_PRIORITY = 10


class LLMJudge:
    def __init__(self, base_url: str, model: str, server_kind: ServerKind, timeout_s: float, max_tokens: int) -> None:
        self._base_url = base_url
        self._model = model
        self._kind = server_kind
        self._timeout_s = timeout_s
        self._max_tokens = max_tokens

    def __call__(self, messages: Sequence[Mapping[str, str]], schema: Mapping[str, Any]) -> str:
        request = ChatRequest(
            messages=[dict(m) for m in messages],
            max_tokens=self._max_tokens,
            # Low temperature: the judge should be repeatable, not creative.
            temperature=0.1,
            priority=BACKGROUND_PRIORITY,
            json_schema=dict(schema),
        )
        try:
            return complete_sync(
                self._base_url, self._model, request, server_kind=self._kind, timeout_s=self._timeout_s
            )
        except InferenceError as exc:
            raise JudgeUnavailable(f"judge call failed: {exc}") from exc
