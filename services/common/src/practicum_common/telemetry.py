"""Tracing set-up and W3C trace-context propagation across REST, gRPC, Kafka and Celery.

One trace follows a trainee turn from the REST request through the gRPC call to the
simulation service, into the outbox row, out through the Kafka record headers and into the
Celery task that grades it. Every hop uses the same two helpers: ``inject_headers`` to
write the current context into a carrier and ``extract_context`` to continue it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

log = logging.getLogger(__name__)

_memory_exporter: InMemorySpanExporter | None = None


def setup_tracing(service_name: str, exporter: str, otlp_endpoint: str = "") -> TracerProvider:
    """Install a tracer provider for this process.

    ``exporter`` is ``none`` (spans are created and propagated but not exported),
    ``console``, ``otlp`` (OTLP/HTTP to ``otlp_endpoint``) or ``memory`` (tests read the
    spans back with :func:`memory_spans`).
    """
    global _memory_exporter
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    span_exporter: SpanExporter | None
    if exporter == "console":
        span_exporter = ConsoleSpanExporter()
    elif exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        span_exporter = OTLPSpanExporter(endpoint=otlp_endpoint.rstrip("/") + "/v1/traces")
    elif exporter == "memory":
        _memory_exporter = _memory_exporter or InMemorySpanExporter()
        span_exporter = _memory_exporter
    elif exporter == "none":
        span_exporter = None
    else:
        raise ValueError(f"OTEL_TRACES_EXPORTER must be none, console, otlp or memory, not {exporter!r}")
    if span_exporter is not None:
        # The memory exporter is read synchronously by tests, so it must not batch.
        processor = SimpleSpanProcessor(span_exporter) if exporter == "memory" else BatchSpanProcessor(span_exporter)
        provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    return provider


def memory_spans() -> list[object]:
    """Spans captured by the ``memory`` exporter (empty when another exporter is used)."""
    return list(_memory_exporter.get_finished_spans()) if _memory_exporter else []


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


def inject_headers() -> dict[str, str]:
    """The current trace context as text headers (``traceparent``, ``tracestate``)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def extract_context(
    headers: Mapping[str, str | bytes] | Iterable[tuple[str, str | bytes]] | None,
) -> otel_context.Context:
    """A context continuing the trace found in ``headers``.

    Accepts a mapping (HTTP, Celery, gRPC metadata as dict) or Kafka's list of
    ``(key, bytes)`` pairs.
    """
    carrier: dict[str, str] = {}
    if headers is None:
        return propagate.extract(carrier)
    items = headers.items() if isinstance(headers, Mapping) else headers
    for key, value in items:
        carrier[key.lower()] = value.decode() if isinstance(value, bytes) else str(value)
    return propagate.extract(carrier)


def current_trace_id() -> str:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else ""
