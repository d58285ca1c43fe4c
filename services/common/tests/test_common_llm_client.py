"""The inference client speaks both servers' dialects from configuration alone.

The real llama.cpp server is exercised by the integration tests; these tests pin the
request bodies for both kinds (a vLLM server is not available on this machine) and the
stream parsing, through httpx's in-process transport.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from practicum_common.llm import ChatRequest, InferenceError, OpenAICompatibleClient, ServerKind, StreamStats

SCHEMA = {"type": "object", "properties": {"empathy": {"type": "integer"}}, "required": ["empathy"]}


def _sse(*deltas: str) -> bytes:
    chunks = [{"choices": [{"delta": {"content": d}}]} for d in deltas]
    lines = [f"data: {json.dumps(c)}\n\n" for c in chunks] + ["data: [DONE]\n\n"]
    return "".join(lines).encode()


class Recorder:
    def __init__(self, status: int = 200, body: bytes = b"") -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = status
        self.body = body

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        return httpx.Response(self.status, content=self.body, headers={"content-type": "text/event-stream"})


def _stream(kind: ServerKind, request: ChatRequest, recorder: Recorder) -> tuple[list[str], StreamStats]:
    async def run() -> tuple[list[str], StreamStats]:
        client = OpenAICompatibleClient(
            "http://replica:8000/v1", "m", server_kind=kind, transport=httpx.MockTransport(recorder)
        )
        stats = StreamStats()
        try:
            return [d async for d in client.stream_chat(request, stats)], stats
        finally:
            await client.close()

    return asyncio.run(run())


def test_llamacpp_gets_json_object_with_schema_and_no_vllm_only_fields() -> None:
    recorder = Recorder(body=_sse("{}"))
    _stream(ServerKind.LLAMACPP, ChatRequest(messages=[], json_schema=SCHEMA, cache_salt="org-1"), recorder)
    body = recorder.bodies[0]
    assert body["response_format"] == {"type": "json_object", "schema": SCHEMA}
    assert "cache_salt" not in body and "priority" not in body


def test_vllm_gets_openai_json_schema_cache_salt_and_priority() -> None:
    recorder = Recorder(body=_sse("{}"))
    request = ChatRequest(messages=[], json_schema=SCHEMA, cache_salt="org-1", priority=10, seed=7)
    _stream(ServerKind.VLLM, request, recorder)
    body = recorder.bodies[0]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"] == SCHEMA
    assert body["response_format"]["json_schema"]["strict"] is True
    assert (body["cache_salt"], body["priority"], body["seed"], body["stream"]) == ("org-1", 10, 7, True)


def test_stream_yields_each_delta_and_counts_them() -> None:
    deltas, stats = _stream(ServerKind.LLAMACPP, ChatRequest(messages=[]), Recorder(body=_sse("I ", "guess ", "so.")))
    assert deltas == ["I ", "guess ", "so."]
    assert stats.completion_tokens == 3
    assert stats.time_to_first_token_ms > 0


def test_error_status_fails_before_the_first_token_so_it_can_fail_over() -> None:
    with pytest.raises(InferenceError) as caught:
        _stream(ServerKind.LLAMACPP, ChatRequest(messages=[]), Recorder(status=503, body=b"loading model"))
    assert caught.value.before_first_token is True
    assert "503" in str(caught.value)


def test_broken_chunk_after_a_delta_is_not_retryable_elsewhere() -> None:
    body = _sse("Hello").replace(b"data: [DONE]", b"data: {not json")
    with pytest.raises(InferenceError) as caught:
        _stream(ServerKind.LLAMACPP, ChatRequest(messages=[]), Recorder(body=body))
    assert caught.value.before_first_token is False
