"""Streaming client of an OpenAI-compatible chat-completions server.

The same code talks to the local llama.cpp server and to a vLLM deployment: the base
URL, model name and ``LLM_SERVER_KIND`` are configuration. The kind decides the two
places where the servers' dialects differ:

* structured output: vLLM takes OpenAI's ``{"type": "json_schema", ...}``; the
  llama-cpp-python server rejects that form (HTTP 500) and takes
  ``{"type": "json_object", "schema": ...}``;
* vLLM-only fields (``cache_salt`` for per-tenant prefix-cache isolation, ``priority``
  for its priority scheduler) are sent only to vLLM.

Replies stream through as they arrive; nothing buffers a whole reply.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx


class ServerKind(StrEnum):
    LLAMACPP = "llamacpp"
    VLLM = "vllm"


class InferenceError(Exception):
    """The replica failed before or during a reply (connect error, 5xx, broken stream)."""

    def __init__(self, message: str, *, before_first_token: bool, connection_broke: bool = False) -> None:
        super().__init__(message)
        # Only failures before the first token can be retried on another replica
        # without the trainee seeing a reply restart.
        self.before_first_token = before_first_token
        # The TCP connection itself failed (reset, closed by the server while reused from
        # the keep-alive pool): the replica may be fine, so one retry on it is worth it.
        self.connection_broke = connection_broke


# Transport-level failures of a single connection, as opposed to timeouts or HTTP errors.
_CONNECTION_ERRORS = (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class ChatRequest:
    messages: list[dict[str, str]]
    max_tokens: int = 120
    temperature: float = 0.7
    top_p: float = 0.9
    # vLLM: isolates the prefix cache per organisation.
    cache_salt: str | None = None
    # vLLM priority scheduling: lower runs first (interactive 0, background judge 10).
    priority: int = 0
    # JSON schema for structured output (judge calls).
    json_schema: dict[str, Any] | None = None
    stop: tuple[str, ...] = ()
    # Sampling seed; a regenerated reply needs a different one, or a server with a fixed
    # default seed returns the same rejected text again.
    seed: int | None = None


@dataclass
class StreamStats:
    time_to_first_token_ms: float = 0.0
    completion_tokens: int = 0


class OpenAICompatibleClient:
    """One pooled async HTTP client per replica base URL.

    The simulation service streams client replies through it; the grading workers use
    :func:`complete_sync` for judge calls.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        server_kind: ServerKind = ServerKind.LLAMACPP,
        timeout_s: float = 60.0,
        connect_timeout_s: float = 2.0,
        max_connections: int = 200,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        # ``transport`` lets unit tests answer in-process (httpx.MockTransport); in
        # production it is None and httpx opens pooled connections.
        self.base_url = base_url.rstrip("/")
        self.model = model
        self._kind = server_kind
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            transport=transport,
        )

    async def close(self) -> None:
        await self._client.aclose()

    def _body(self, request: ChatRequest, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": request.messages,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "top_p": request.top_p,
            "stream": stream,
        }
        if request.stop:
            body["stop"] = list(request.stop)
        if request.seed is not None:
            body["seed"] = request.seed
        if request.json_schema is not None:
            if self._kind is ServerKind.VLLM:
                body["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": "output", "schema": request.json_schema, "strict": True},
                }
            else:
                body["response_format"] = {"type": "json_object", "schema": request.json_schema}
        if self._kind is ServerKind.VLLM:
            if request.cache_salt:
                body["cache_salt"] = request.cache_salt
            body["priority"] = request.priority
        return body

    async def stream_chat(self, request: ChatRequest, stats: StreamStats | None = None) -> AsyncGenerator[str, None]:
        """Yields content deltas as the server produces them."""
        started = time.perf_counter()
        first = True
        try:
            async with self._client.stream("POST", "/chat/completions", json=self._body(request, True)) as response:
                if response.status_code != 200:
                    detail = (await response.aread())[:300].decode(errors="replace")
                    raise InferenceError(
                        f"{self.base_url} answered {response.status_code}: {detail}", before_first_token=True
                    )
                async for line in response.aiter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    chunk = json.loads(data)
                    choices = chunk.get("choices") or []
                    if not choices:
                        continue
                    delta = (choices[0].get("delta") or {}).get("content")
                    if delta:
                        if first and stats is not None:
                            stats.time_to_first_token_ms = (time.perf_counter() - started) * 1000
                        first = False
                        if stats is not None:
                            stats.completion_tokens += 1
                        yield delta
        except httpx.HTTPError as exc:
            raise InferenceError(
                f"{self.base_url}: {type(exc).__name__}: {exc}",
                before_first_token=first,
                connection_broke=isinstance(exc, _CONNECTION_ERRORS),
            ) from exc
        except json.JSONDecodeError as exc:
            raise InferenceError(f"{self.base_url}: malformed stream chunk", before_first_token=first) from exc

    async def complete(self, request: ChatRequest) -> str:
        """A whole (non-streamed) completion, for background calls such as the judge."""
        try:
            response = await self._client.post("/chat/completions", json=self._body(request, False))
        except httpx.HTTPError as exc:
            raise InferenceError(f"{self.base_url}: {type(exc).__name__}: {exc}", before_first_token=True) from exc
        if response.status_code != 200:
            raise InferenceError(
                f"{self.base_url} answered {response.status_code}: {response.text[:300]}", before_first_token=True
            )
        content: str = response.json()["choices"][0]["message"]["content"] or ""
        return content

    async def probe(self, timeout_s: float = 2.0) -> str:
        """``ok``, ``down`` (refused, error status) or ``slow`` (no answer in time).

        A small server that is busy generating may answer its model list late; that is
        not the same as being down, so callers can treat the two differently.
        """
        try:
            response = await self._client.get("/models", timeout=timeout_s)
        except httpx.TimeoutException:
            return "slow"
        except httpx.HTTPError:
            return "down"
        return "ok" if response.status_code == 200 else "down"


def complete_sync(
    base_url: str,
    model: str,
    request: ChatRequest,
    *,
    server_kind: ServerKind = ServerKind.LLAMACPP,
    timeout_s: float = 60.0,
) -> str:
    """A whole completion from a synchronous context (Celery tasks)."""
    import asyncio

    async def run() -> str:
        client = OpenAICompatibleClient(
            base_url, model, server_kind=server_kind, timeout_s=timeout_s, max_connections=2
        )
        try:
            return await client.complete(request)
        finally:
            await client.close()

    return asyncio.run(run())
