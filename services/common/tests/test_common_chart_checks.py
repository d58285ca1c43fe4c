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
