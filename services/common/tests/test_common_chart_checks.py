"""charts/check_rendered.py, the checks `make helm-lint` runs on rendered manifests, can
tell a NetworkPolicy that blocks a call the services make, or lets another component in,
and a PodDisruptionBudget that protects nothing.

The manifests here are built by hand in the shape the chart renders (no helm needed), then
broken one way at a time.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
NS = "practicum"


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_rendered", ROOT / "charts" / "check_rendered.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _labels(component: str) -> dict[str, str]:
    return {"app.kubernetes.io/instance": "practicum", "app.kubernetes.io/component": component}


def _workload(component: str, ports: dict[str, int], replicas: int = 2) -> dict[str, Any]:
    container = {
        "name": component,
        "ports": [{"name": n, "containerPort": p} for n, p in ports.items()],
        "securityContext": {
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": "http"}},
        "resources": {"requests": {"cpu": "100m"}},
    }
    return {
        "kind": "StatefulSet" if component == "vllm" else "Deployment",
        "metadata": {"name": f"practicum-{component}"},
        "spec": {
            "replicas": replicas,
            "serviceName": f"practicum-{component}",
            "selector": {"matchLabels": _labels(component)},
            "template": {
                "metadata": {"labels": _labels(component)},
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [container],
                    "volumes": [{"name": "tmp", "emptyDir": {}}],
                },
            },
        },
    }


def _policy(component: str, ingress: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "kind": "NetworkPolicy",
        "metadata": {"name": f"practicum-{component}"},
        "spec": {"podSelector": {"matchLabels": _labels(component)}, "policyTypes": ["Ingress"], "ingress": ingress},
    }


def _from(*callers: str) -> list[dict[str, Any]]:
    return [{"podSelector": {"matchLabels": _labels(c)}} for c in callers]


MONITORING = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]
PORTS = {
    "session": {"http": 8000},
    "simulation": {"grpc": 50051, "http": 9101},
    "grading-dispatcher": {"http": 9102},
    "grading-worker": {"http": 9103},
    "analytics": {"http": 8002},
    "vllm": {"http": 8000},
}


def _release(**ingress: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chart's rendering with every feature on; `ingress` replaces a component's rules."""
    rules = {
        "session": [{"ports": [{"port": "http"}]}, {"ports": [{"port": "http"}], "from": MONITORING}],
        "simulation": [
            {"ports": [{"port": "grpc"}], "from": _from("session")},
            {"ports": [{"port": "http"}], "from": MONITORING},
        ],
        "grading-dispatcher": [{"ports": [{"port": "http"}], "from": MONITORING}],
        "grading-worker": [{"ports": [{"port": "http"}], "from": MONITORING}],
        "analytics": [
            {"ports": [{"port": "http"}], "from": _from("session")},
            {"ports": [{"port": "http"}]},
            {"ports": [{"port": "http"}], "from": MONITORING},
        ],
        "vllm": [
            {"ports": [{"port": "http"}], "from": _from("simulation", "grading-worker")},
            {"ports": [{"port": "http"}], "from": MONITORING},
        ],
    }
    rules.update({k.replace("_", "-"): v for k, v in ingress.items()})
    docs = [_workload(c, p) for c, p in PORTS.items()]
    docs += [
        {
            "kind": "Service",
            "metadata": {"name": f"practicum-{c}"},
            "spec": {
                "selector": _labels(c),
                "clusterIP": "None" if c == "vllm" else "10.0.0.1",
                "ports": [{"name": n, "port": p, "targetPort": n} for n, p in ports.items()],
            },
        }
        for c, ports in PORTS.items()
    ]
    docs += [_policy(c, r) for c, r in rules.items()]
    return docs


def _problems(docs: list[dict[str, Any]]) -> list[str]:
    problems, _ = _checker().check(docs, None, NS)
    return list(problems)


def test_the_chart_shape_passes() -> None:
    assert _problems(_release()) == []


def test_a_policy_that_blocks_a_call_the_services_make_is_found() -> None:
    # vLLM admitting the simulation service only: the grading workers' judge is cut off.
    docs = _release(vllm=[{"ports": [{"port": "http"}], "from": _from("simulation")}])
    assert _problems(docs) == ["NetworkPolicy blocks grading-worker -> vllm:http"]


def test_a_policy_that_lets_another_component_in_is_found() -> None:
    # The gRPC port open to anyone: every other component of the release gets in.
    problems = _problems(_release(simulation=[{"ports": [{"port": "grpc"}]}]))
    assert "NetworkPolicy lets through analytics -> simulation:grpc" in problems
    assert "NetworkPolicy lets through grading-worker -> simulation:grpc" in problems
    assert not any("blocks" in p for p in problems)


def test_a_peer_in_another_namespace_does_not_admit_the_release() -> None:
    checker = _checker()
    other_namespace = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]
    policies = [_policy("simulation", [{"ports": [{"port": "grpc"}], "from": other_namespace}])]
    assert not checker.allowed(policies, _labels("session"), _labels("simulation"), "grpc", NS)
    # ...and a pod no policy selects is open (Kubernetes' default).
    assert checker.allowed(policies, _labels("session"), _labels("analytics"), "http", NS)


def test_a_component_without_a_policy_is_found() -> None:
    docs = [d for d in _release() if not (d["kind"] == "NetworkPolicy" and d["metadata"]["name"].endswith("-worker"))]
    assert "grading-worker: no NetworkPolicy selects its pods" in _problems(docs)


def test_a_disruption_budget_on_a_single_replica_or_on_nothing_is_found() -> None:
    docs = _release()
    docs[0]["spec"]["replicas"] = 1  # session
    docs.append(
        {
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "practicum-session"},
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": _labels("session")}},
        }
    )
    docs.append(
        {
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "practicum-ghost"},
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": _labels("ghost")}},
        }
    )
    assert _problems(docs) == [
        "PodDisruptionBudget/practicum-session: its workload runs a single replica",
        "PodDisruptionBudget/practicum-ghost: selects 0 workloads, not 1",
    ]


def test_a_dashboard_config_map_must_hold_a_dashboard() -> None:
    board = (ROOT / "charts" / "practicum" / "dashboards" / "practicum-overview.json").read_text()
    docs = _release()
    docs.append({"kind": "ConfigMap", "metadata": {"name": "good"}, "data": {"overview.json": board}})
    assert _problems(docs) == []
    docs.append({"kind": "ConfigMap", "metadata": {"name": "bad"}, "data": {"x.json": json.dumps({"title": "x"})}})
    assert _problems(docs) == ["ConfigMap/bad: x.json is not a Grafana dashboard (no uid or panels)"]


DNS = {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}
TOPOLOGY = {"POSTGRES_PORT": "5432", "KAFKA_PORT": "9092", "REDIS_PORT": "6379", "OTEL_TRACES_EXPORTER": "none"}


def _to(*callees: str, port: str = "http") -> dict[str, Any]:
    return {"ports": [{"port": port}], "to": [{"podSelector": {"matchLabels": _labels(c)}} for c in callees]}


def _out(*ports: int) -> dict[str, Any]:
    return {"ports": [{"port": p, "protocol": "TCP"} for p in ports]}


def _egress_release(topology: dict[str, str] | None = None, **egress: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """_release() with the egress rules the chart renders (vllm in the release);
    `egress` replaces a component's rules."""
    rules = {
        "session": [DNS, _to("simulation", port="grpc"), _to("analytics"), _out(5432), _out(9092), _out(443)],
        "simulation": [DNS, _to("vllm")],
        "grading-dispatcher": [DNS, _out(5432), _out(9092), _out(6379)],
        "grading-worker": [DNS, _to("vllm"), _out(5432), _out(6379)],
        "analytics": [DNS, _out(5432), _out(9092)],
        "vllm": [DNS],
    }
    rules.update({k.replace("_", "-"): v for k, v in egress.items()})
    docs = _release()
    for doc in docs:
        if doc["kind"] == "NetworkPolicy":
            component = doc["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
            doc["spec"]["policyTypes"] = ["Ingress", "Egress"]
            doc["spec"]["egress"] = rules[component]
    docs.append({"kind": "ConfigMap", "metadata": {"name": "practicum-topology"}, "data": topology or TOPOLOGY})
    return docs


def test_egress_policies_in_the_chart_shape_pass() -> None:
    assert _problems(_egress_release()) == []


def test_egress_that_cuts_a_service_off_what_it_uses_is_found() -> None:
    problems = _problems(
        _egress_release(
            grading_worker=[DNS, _out(5432), _out(6379)],  # the judge cannot reach vLLM
            analytics=[_out(5432), _out(9092)],  # no DNS
            session=[DNS, _to("simulation", port="grpc"), _to("analytics"), _out(5432), _out(9092)],  # no webhooks
        )
    )
    assert problems == [
        "egress blocks analytics -> DNS (53/UDP)",
        "egress blocks grading-worker -> vllm:http",
        "egress blocks session -> webhooks (port 443)",
    ]


def test_egress_that_opens_a_store_to_a_component_that_does_not_use_it_is_found() -> None:
    # Any port to anywhere for the simulation service; Redis for analytics.
    problems = _problems(_egress_release(simulation=[{}], analytics=[DNS, _out(5432), _out(9092), _out(6379)]))
    assert "egress lets simulation reach postgres (port 5432), which it does not use" in problems
    assert "egress lets simulation reach redis (port 6379), which it does not use" in problems
    assert "egress lets analytics reach redis (port 6379), which it does not use" in problems
    assert "egress lets through simulation -> vllm:http" not in problems  # it calls vLLM


def test_egress_follows_the_topology_ports_an_outside_inference_tier_and_tracing() -> None:
    # PostgreSQL moved to 6432 in the ConfigMap: the rules for 5432 no longer let it through.
    moved = {**TOPOLOGY, "POSTGRES_PORT": "6432"}
    problems = _problems(_egress_release(moved))
    assert "egress blocks grading-dispatcher -> postgres (port 6432)" in problems
    # Without a vllm of the release, the inference tier's URL ports must be open; with
    # traces sent over OTLP, the collector's port too.
    outside = {
        **TOPOLOGY,
        "LLM_BASE_URLS": "http://vllm-0.vllm.inference:8000/v1,https://llm.example.org/v1",
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector.observability:4318",
    }
    docs = [d for d in _egress_release(outside) if "vllm" not in d["metadata"]["name"]]
    problems = _problems(docs)
    assert "egress blocks simulation -> inference (port 8000)" in problems
    assert "egress blocks simulation -> inference (port 443)" in problems
    assert "egress blocks session -> otlp (port 4318)" in problems
    assert "egress blocks grading-worker -> inference (port 8000)" in problems
