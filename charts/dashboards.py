"""The Grafana dashboard the chart ships, written as code.

    python charts/dashboards.py            # rewrite charts/practicum/dashboards/*.json
    python charts/dashboards.py --check    # exit 1 if the committed JSON is not what this writes

Panels are declared below as (title, unit, queries) so that a reviewer reads PromQL, not
Grafana's JSON; the JSON is generated, committed (the chart packages it through
`.Files.Get`) and checked against this file by `make test`. Every query is scoped to the
dashboard's `namespace` variable, and the unit tests check that each one parses as PromQL
and that each `practicum_*` series it reads is one the services export.

The rows follow a turn through the system: what the trainee feels (latency, errors,
feedback delay), the inference tier, the event pipeline, grading, and the partners'
webhooks (safety incidents first).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OUT_DIR = Path(__file__).resolve().parent / "practicum" / "dashboards"
NS = 'namespace="$namespace"'


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str


@dataclass(frozen=True)
class Panel:
    title: str
    unit: str
    queries: tuple[Query, ...]
    description: str = ""
    # Drawn as a red dashed line: the alert threshold or SLO the panel is read against.
    threshold: float | None = None
    kind: str = "timeseries"
    width: int = 8


@dataclass(frozen=True)
class Row:
    title: str
    panels: tuple[Panel, ...] = field(default_factory=tuple)


def q(expr: str, legend: str) -> Query:
    return Query(expr.replace("$NS", NS), legend)


def p99(metric: str, by: str = "") -> str:
    grouping = f"{by}, le" if by else "le"
    return f"histogram_quantile(0.99, sum by ({grouping}) (rate({metric}_bucket{{$NS}}[5m])))"


def p50(metric: str, by: str = "") -> str:
    grouping = f"{by}, le" if by else "le"
    return f"histogram_quantile(0.5, sum by ({grouping}) (rate({metric}_bucket{{$NS}}[5m])))"


ROWS: tuple[Row, ...] = (
    Row(
        "Trainees: what a practice turn feels like",
        (
            Panel(
                "Time to first token, p99 (simulation)",
                "s",
                (q(p99("practicum_simulation_time_to_first_token_seconds", "replica"), "{{replica}}"),),
                "From the simulation service's request to the first streamed token, per inference replica. "
                "SLO p99 <= 500 ms (PracticumTimeToFirstTokenP99AboveSLO).",
                threshold=0.5,
            ),
            Panel(
                "Reply duration (simulation)",
                "s",
                (
                    q(p50("practicum_simulation_reply_duration_seconds"), "p50"),
                    q(p99("practicum_simulation_reply_duration_seconds"), "p99"),
                ),
                "A whole simulated-client reply, screening and output guard included.",
            ),
            Panel(
                "Per-turn feedback delay",
                "s",
                (
                    q(p50("practicum_turn_feedback_delay_seconds"), "p50"),
                    q(p99("practicum_turn_feedback_delay_seconds"), "p99"),
                ),
                "Reply stored -> grade stored (outbox, Kafka, dispatcher, Celery, back). Past "
                "SESSION_FEEDBACK_WAIT_S (10 s) a streamed turn closes without its feedback "
                "(PracticumTurnFeedbackSlow).",
                threshold=10,
            ),
            Panel(
                "Partner API requests by status",
                "reqps",
                (
                    # A new label: overwriting `status` would give 200 and 201 of one route the
                    # same label set, which Prometheus refuses ("vector cannot contain metrics
                    # with the same labelset"; found by tests/test_dashboard_queries.py).
                    q(
                        "sum by (status_class) (label_replace(rate(practicum_http_requests_total{$NS}[5m]),"
                        ' "status_class", "${1}xx", "status", "(.).."))',
                        "{{status_class}}",
                    ),
                ),
                "Session service requests per second, by status class.",
            ),
            Panel(
                "Partner API 5xx ratio",
                "percentunit",
                (
                    q(
                        # `or vector(0)`: no 5xx at all draws 0, not "No data".
                        '(sum(rate(practicum_http_requests_total{$NS,status=~"5.."}[5m])) or vector(0))'
                        " / sum(rate(practicum_http_requests_total{$NS}[5m]))",
                        "5xx / all",
                    ),
                ),
                "503s with Retry-After are expected while a dependency is down; PracticumHigh5xxRatio fires above 2%.",
                threshold=0.02,
            ),
            Panel(
                "Partner API latency p99 by route (without turns)",
                "s",
                (
                    q(
                        "histogram_quantile(0.99, sum by (method, route, le)"
                        ' (rate(practicum_http_request_duration_seconds_bucket{$NS,route!~".*/turns"}[5m])))',
                        "{{method}} {{route}}",
                    ),
                ),
                "Turn requests stream a whole reply and are left out; their latency is the two panels above.",
            ),
            Panel(
                "Simulated replies by outcome",
                "ops",
                (q("sum by (outcome) (rate(practicum_simulation_replies_total{$NS}[5m]))", "{{outcome}}"),),
                "ok, fallback (the guard replaced the model's text), unavailable (503 to the partner), "
                "crisis_pause (a trainee wrote as themselves in distress).",
            ),
            Panel(
                "Output guard actions",
                "ops",
                (
                    q(
                        "sum by (rule, action) (rate(practicum_simulation_guard_actions_total{$NS}[5m]))",
                        "{{rule}} / {{action}}",
                    ),
                ),
                "What the simulated client's output guard withdrew or replaced (self-harm methods, breaking role).",
            ),
        ),
    ),
    Row(
        "Inference tier",
        (
            Panel(
                "Healthy inference replicas",
                "short",
                (
                    q("sum(practicum_simulation_replica_healthy{$NS})", "healthy"),
                    q("count(practicum_simulation_replica_healthy{$NS})", "known"),
                ),
                "As the simulation service's probes see them. None healthy: PracticumNoInferenceReplicaHealthy.",
            ),
            Panel(
                "Admission decisions",
                "ops",
                (
                    q(
                        "sum by (outcome, priority) (rate(practicum_simulation_admission_total{$NS}[5m]))",
                        "{{priority}} {{outcome}}",
                    ),
                    q(
                        "sum(rate(practicum_simulation_admission_org_capped_total{$NS}[5m]))",
                        "refused: organisation's queue share",
                    ),
                ),
                "Interactive turns go before background judge calls; rejected means a 503 with Retry-After.",
            ),
            Panel(
                "Inference requests in flight",
                "short",
                (
                    q("sum(practicum_simulation_inference_in_flight{$NS})", "in flight"),
                    q("max(practicum_simulation_panic_routing{$NS})", "panic routing (1 = on)"),
                ),
            ),
            Panel(
                "Requests per replica by outcome",
                "ops",
                (
                    q(
                        "sum by (replica, outcome) (rate(practicum_simulation_replica_requests_total{$NS}[5m]))",
                        "{{replica}} {{outcome}}",
                    ),
                ),
                "Session-affinity routing keeps a session on one replica; a skew here is expected, a replica "
                "with only errors is not.",
            ),
            Panel(
                "vLLM: requests waiting and KV-cache usage",
                "short",
                (
                    q("sum by (pod) (vllm:num_requests_waiting{$NS})", "waiting {{pod}}"),
                    q("max by (pod) (vllm:kv_cache_usage_perc{$NS})", "KV cache {{pod}}"),
                ),
                "The GPU tier's own metrics (empty with the local llama.cpp server). Waiting requests drive "
                "the vLLM HPA; KV cache near 1.0 means preemption (VLLMKVCacheNearlyFull).",
            ),
            Panel(
                "vLLM: prefix-cache hit ratio",
                "percentunit",
                (
                    q(
                        "sum(rate(vllm:prefix_cache_hits_total{$NS}[15m]))"
                        " / sum(rate(vllm:prefix_cache_queries_total{$NS}[15m]))",
                        "hit ratio",
                    ),
                ),
                "Falls when routing stops keeping sessions on their replica (VLLMPrefixCacheHitRatioLow).",
            ),
        ),
    ),
    Row(
        "Events: outboxes and Kafka consumers",
        (
            Panel(
                "Outbox rows not yet published",
                "short",
                (q("max by (schema) (practicum_outbox_pending{$NS})", "{{schema}}"),),
                "Events are safe in PostgreSQL while they wait; a growing backlog means the relay cannot "
                "publish (PracticumOutboxBacklogGrowing).",
                threshold=500,
            ),
            Panel(
                "Consumer lag (records)",
                "short",
                (q("max by (group, topic) (practicum_kafka_consumer_lag_records{$NS})", "{{group}} {{topic}}"),),
                "Committed offset behind the log end, per group and topic (PracticumConsumerStalled).",
            ),
            Panel(
                "Age of the last record handled",
                "s",
                (q("max by (group, topic) (practicum_kafka_consumer_record_age_seconds{$NS})", "{{group}} {{topic}}"),),
                "How old an event was when its consumer handled it (PracticumConsumerRecordAgeHigh).",
                threshold=120,
            ),
            Panel(
                "Records consumed by outcome",
                "ops",
                (
                    q(
                        "sum by (group, outcome) (rate(practicum_kafka_records_consumed_total{$NS}[5m]))",
                        "{{group}} {{outcome}}",
                    ),
                ),
                "retry: a record is being retried in place (a dependency is down); dead_letter: sent to "
                "practicum.dlq.v1.",
            ),
            Panel(
                "Outbox publish rate and relay failures",
                "ops",
                (
                    q("sum by (schema) (rate(practicum_outbox_published_total{$NS}[5m]))", "published {{schema}}"),
                    q("sum by (schema) (rate(practicum_outbox_relay_failures_total{$NS}[5m]))", "failed {{schema}}"),
                ),
            ),
        ),
    ),
    Row(
        "Grading",
        (
            Panel(
                "Celery queue length",
                "short",
                (q("max by (queue) (practicum_grading_queue_length{$NS})", "{{queue}}"),),
                "Tasks waiting for a worker (PracticumGradingBacklog).",
                threshold=300,
            ),
            Panel(
                "Grading tasks by outcome",
                "ops",
                (
                    q(
                        "sum by (task, outcome) (rate(practicum_grading_tasks_total{$NS}[5m]))",
                        "{{task}} {{outcome}}",
                    ),
                ),
                "reported_fallback: the LLM judge's answer was rejected and the rule-based scores were used.",
            ),
            Panel(
                "Grading task duration",
                "s",
                (
                    q(p50("practicum_grading_task_duration_seconds", "task"), "p50 {{task}}"),
                    q(p99("practicum_grading_task_duration_seconds", "task"), "p99 {{task}}"),
                ),
            ),
            Panel(
                "Dead letters, resent and swept tasks",
                "short",
                (
                    q(
                        "sum by (task) (increase(practicum_grading_dead_letters_total{$NS}[1h]))",
                        "dead letters {{task}}",
                    ),
                    q("sum by (task) (increase(practicum_grading_tasks_resent_total{$NS}[1h]))", "resent {{task}}"),
                    q("sum by (outcome) (increase(practicum_grading_sweeps_total{$NS}[1h]))", "sweeps {{outcome}}"),
                ),
                "Per hour. A dead letter waits for an operator: python -m practicum_grading dead-letters list.",
            ),
        ),
    ),
    Row(
        "Partners: webhooks and safety incidents",
        (
            Panel(
                "Oldest undelivered webhook",
                "s",
                (q("max by (event_type) (practicum_webhook_oldest_pending_seconds{$NS})", "{{event_type}}"),),
                "A safety_incident.created delivery pending this long means a safety contact has not been "
                "told (PracticumSafetyWebhookPending).",
                threshold=900,
                width=12,
            ),
            Panel(
                "Webhook deliveries by outcome",
                "ops",
                (
                    q(
                        "sum by (event_type, outcome) (rate(practicum_webhook_deliveries_total{$NS}[5m]))",
                        "{{event_type}} {{outcome}}",
                    ),
                ),
                width=12,
            ),
        ),
    ),
)


def _panel_json(panel: Panel, panel_id: int, x: int, y: int) -> dict[str, Any]:
    steps: list[dict[str, Any]] = [{"color": "green", "value": None}]
    custom: dict[str, Any] = {"lineWidth": 1, "fillOpacity": 10, "showPoints": "never"}
    if panel.threshold is not None:
        steps.append({"color": "red", "value": panel.threshold})
        custom["thresholdsStyle"] = {"mode": "dashed"}
    return {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"h": 8, "w": panel.width, "x": x, "y": y},
        "fieldConfig": {
            "defaults": {
                "unit": panel.unit,
                "custom": custom,
                "thresholds": {"mode": "absolute", "steps": steps},
            },
            "overrides": [],
        },
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}},
        "targets": [
            {
                "refId": chr(ord("A") + i),
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "expr": query.expr,
                "legendFormat": query.legend,
            }
            for i, query in enumerate(panel.queries)
        ],
    }


def overview() -> dict[str, Any]:
    panels: list[dict[str, Any]] = []
    panel_id, y = 1, 0
    for row in ROWS:
        panels.append(
            {
                "id": panel_id,
                "type": "row",
                "title": row.title,
                "collapsed": False,
                "gridPos": {"h": 1, "w": 24, "x": 0, "y": y},
                "panels": [],
            }
        )
        panel_id, y, x = panel_id + 1, y + 1, 0
        for panel in row.panels:
            if x + panel.width > 24:
                x, y = 0, y + 8
            panels.append(_panel_json(panel, panel_id, x, y))
            panel_id, x = panel_id + 1, x + panel.width
        y += 8
    return {
        "uid": "practicum-overview",
        "title": "Practicum overview",
        "description": "One practice turn through the system. Generated by charts/dashboards.py; edit that file.",
        "tags": ["practicum"],
        "editable": True,
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": "now-3h", "to": "now"},
        "refresh": "30s",
        "timezone": "utc",
        "links": [],
        "annotations": {"list": []},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Prometheus",
                    "type": "datasource",
                    "query": "prometheus",
                    "current": {},
                    "hide": 0,
                },
                {
                    "name": "namespace",
                    "label": "Namespace",
                    "type": "query",
                    "datasource": {"type": "prometheus", "uid": "${datasource}"},
                    "query": {"query": "label_values(practicum_outbox_pending, namespace)", "refId": "namespace"},
                    "definition": "label_values(practicum_outbox_pending, namespace)",
                    "refresh": 2,
                    "current": {},
                    "hide": 0,
                },
            ]
        },
        "panels": panels,
    }


DASHBOARDS = {"practicum-overview.json": overview}


def render(name: str) -> str:
    return json.dumps(DASHBOARDS[name](), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only compare with the committed files")
    args = parser.parse_args(argv)
    stale = []
    for name in DASHBOARDS:
        path = OUT_DIR / name
        text = render(name)
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path))
            continue
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path} ({len(text):,} bytes)")
    if stale:
        print("out of date (run `python charts/dashboards.py`): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
