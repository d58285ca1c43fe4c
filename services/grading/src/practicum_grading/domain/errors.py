"""Errors the grading domain raises.

They extend the shared hierarchy in ``practicum_common.errors`` so that the Celery task
and any HTTP/gRPC entrypoint map them once, in one place, and never see protocol types
from here.
"""

from __future__ import annotations

from practicum_common.errors import DependencyUnavailable, InvalidInput


class InvalidTranscript(InvalidInput):
    """A transcript or scenario handed to the grader breaks a domain rule.

    Raised before any scoring so that a malformed session is rejected loudly instead of
    producing a report with silently wrong numbers.
    """


class JudgeOutputInvalid(InvalidInput):
    """The LLM judge returned something that does not satisfy the judge contract.

    ``field`` is a JSON-path-like name (``empathy``, ``rewritten_responses[1].turn_id``,
    ``$`` for the whole document) so that logs and metrics say what the model got wrong.
    Retryable: sampling again often produces valid output.
    """


class JudgeUnavailable(DependencyUnavailable):
    """The inference tier could not answer (timeout, connection error, 5xx, overload).

    The HTTP adapter raises this instead of its own exception types so that the retry
    policy can decide without the domain knowing about the HTTP client.
    """
