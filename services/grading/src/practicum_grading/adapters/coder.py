"""Adapts the shared turn coder (practicum_coder) to the grading jobs' Coder port."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from practicum_grading.domain.jobs import CodedUtterance


class CoderAdapter:
    def __init__(self, coder: Any) -> None:
        self._coder = coder

    @classmethod
    def load(cls) -> CoderAdapter:
        # Imported here: loading the model takes a moment and only workers need it.
        from practicum_coder import load_coder

        return cls(load_coder())

    @property
    def version(self) -> str:
        return str(self._coder.version)

    def code_utterance(
        self,
        text: str,
        speaker: str,
        prev_client_text: str | None,
        earlier_trainee: Sequence[tuple[str, str | None]] = (),
    ) -> CodedUtterance:
        if speaker == "client" or not earlier_trainee:
            coded = self._coder.code(text, speaker, prev_client_text)
        else:
            # The coder's sequence step reads the turn after the last few earlier ones.
            coded = self._coder.code_after(earlier_trainee, text, prev_client_text)
        return CodedUtterance(code=coded.code, subcode=coded.subcode, confidence=float(coded.confidence))
