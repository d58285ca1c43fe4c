"""Checks on `helm template` output that `helm lint` does not make.

    helm template practicum charts/practicum | python charts/check_rendered.py [--vllm-args FILE]

- every workload runs with the secure pod defaults (non-root, read-only root filesystem
  with /tmp mounted, no capabilities, RuntimeDefault seccomp, no service-account token)
  and has liveness and readiness probes on ports it declares;
- Services, HPAs, StatefulSets and envFrom point at objects that exist;
- with --vllm-args: every option in that file (infra/vllm/vllm-args.yaml, used by
  docker-compose) is also passed to the chart's vLLM server;
- PodDisruptionBudgets select one replicated workload;
- NetworkPolicies let every call the services make through (session -> simulation gRPC,
  simulation and grading workers -> vLLM, session -> analytics) and keep the other
  components of the release off the internal ports; with egress policies, every
  component reaches DNS, what it calls and the PostgreSQL / Kafka / Redis / inference /
  webhook / OTLP ports it uses (ports read from the rendered ConfigMap), and no component
  reaches the PostgreSQL, Kafka or Redis port it does not use;
- dashboard ConfigMaps hold Grafana dashboard JSON.

Prints one line per problem and exits 1, or a summary and exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

WORKLOAD_KINDS = {"Deployment", "StatefulSet"}
COMPONENT = "app.kubernetes.io/component"
# Who opens connections to whom inside a release (caller, callee, callee's port name): the
# session service's SIMULATION_HOST and ANALYTICS_HOST, and LLM_BASE_URLS of the simulation
# service and the grading workers' judge. Nothing else in the release calls these ports.
CALLS = {
    ("session", "simulation", "grpc"),
    ("simulation", "vllm", "http"),
    ("grading-worker", "vllm", "http"),
    ("session", "analytics", "http"),
}
INTERNAL_PORTS = {("simulation", "grpc"), ("vllm", "http")}
# What each component connects to outside the release (its settings and readiness checks;
# "inference" only when the release has no vllm of its own). With egress policies these
# must be let through, and the PostgreSQL, Kafka and Redis ports refused to the others.
USES = {
    "session": {"postgres", "kafka", "webhooks"},
    "simulation": {"inference"},
    "grading-dispatcher": {"postgres", "kafka", "redis"},
    "grading-worker": {"postgres", "redis", "inference"},
    "analytics": {"postgres", "kafka"},
}
# The ConfigMap entry that holds each destination's port (webhooks: HTTPS).
TOPOLOGY_PORTS = {"postgres": "POSTGRES_PORT", "kafka": "KAFKA_PORT", "redis": "REDIS_PORT"}
WEBHOOK_PORT = 443


def _pod_problems(name: str, pod: dict[str, Any]) -> list[str]:
    problems = []
    spec = pod["spec"]
    if spec.get("automountServiceAccountToken") is not False:
        problems.append(f"{name}: automountServiceAccountToken is not false")
    psc = spec.get("securityContext") or {}
    if psc.get("runAsNonRoot") is not True:
        problems.append(f"{name}: pod securityContext.runAsNonRoot is not true")
    if (psc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        problems.append(f"{name}: seccompProfile is not RuntimeDefault")
    volumes = {v["name"] for v in spec.get("volumes") or []}
    for container in spec["containers"]:
        where = f"{name}/{container['name']}"
        sc = container.get("securityContext") or {}
        if sc.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: readOnlyRootFilesystem is not true")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: allowPrivilegeEscalation is not false")
        if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
            problems.append(f"{where}: capabilities do not drop ALL")
        mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts") or []}
        if mounts.get("/tmp") not in volumes:  # noqa: S108 (checking the mount, not using it)
            problems.append(f"{where}: no writable /tmp volume")
        port_names = {p["name"] for p in container.get("ports") or []}
        for probe_kind in ("livenessProbe", "readinessProbe"):
            probe = container.get(probe_kind)
            if not probe:
                problems.append(f"{where}: no {probe_kind}")
                continue
            port = (probe.get("httpGet") or {}).get("port")
            if isinstance(port, str) and port not in port_names:
                problems.append(f"{where}: {probe_kind} uses undeclared port {port!r}")
        if not (container.get("resources") or {}).get("requests"):
            problems.append(f"{where}: no resource requests")
    return problems


def _pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = workload["spec"]["template"]["metadata"]["labels"]
    return labels


def _vllm_arg_problems(workloads: dict[tuple[str, str], dict[str, Any]], args_file: Path) -> list[str]:
    servers = [w for (kind, name), w in workloads.items() if kind == "StatefulSet" and name.endswith("-vllm")]
    if not servers:
        return []
    options = yaml.safe_load(args_file.read_text())
    args = servers[0]["spec"]["template"]["spec"]["containers"][0].get("args") or []
    flags = {a.split("=", 1)[0] for a in args if a.startswith("--")}
    problems = []
    for key in options:
        if key == "model":  # positional in the chart
            if options[key] not in args:
                problems.append(f"vllm: model {options[key]!r} from {args_file} is not the chart's model")
        elif f"--{key}" not in flags:
            problems.append(f"vllm: --{key} is set in {args_file} but not in the chart's components.vllm.args")
    return problems


def check(
    docs: list[dict[str, Any]], vllm_args: Path | None, namespace: str = "practicum"
) -> tuple[list[str], Counter[str]]:
    kinds: Counter[str] = Counter(d["kind"] for d in docs)
    by_kind: dict[str, dict[str, dict[str, Any]]] = {}
    for d in docs:
        by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    workloads = {(d["kind"], d["metadata"]["name"]): d for d in docs if d["kind"] in WORKLOAD_KINDS}
    services = by_kind.get("Service", {})
    config_maps = by_kind.get("ConfigMap", {})

    problems: list[str] = []
    for (kind, name), w in workloads.items():
        pod = w["spec"]["template"]
        problems += _pod_problems(f"{kind}/{name}", pod)
        if not w["spec"]["selector"]["matchLabels"].items() <= _pod_labels(w).items():
            problems.append(f"{kind}/{name}: selector does not match its pod labels")
        for container in pod["spec"]["containers"]:
            for source in container.get("envFrom") or []:
                ref = (source.get("configMapRef") or {}).get("name")
                if ref and ref not in config_maps:
                    problems.append(f"{kind}/{name}: envFrom names missing ConfigMap {ref}")
        if kind == "StatefulSet":
            svc = services.get(w["spec"].get("serviceName", ""))
            if svc is None or svc["spec"].get("clusterIP") != "None":
                problems.append(f"StatefulSet/{name}: serviceName is not a headless Service of this release")

    for name, svc in services.items():
        selector = svc["spec"]["selector"]
        targets = [w for w in workloads.values() if selector.items() <= _pod_labels(w).items()]
        if not targets:
            problems.append(f"Service/{name}: selects no workload")
            continue
        containers = targets[0]["spec"]["template"]["spec"]["containers"]
        declared = {p["name"] for c in containers for p in c.get("ports") or []}
        for port in svc["spec"]["ports"]:
            if isinstance(port["targetPort"], str) and port["targetPort"] not in declared:
                problems.append(f"Service/{name}: targetPort {port['targetPort']!r} is not a container port")

    for name, hpa in by_kind.get("HorizontalPodAutoscaler", {}).items():
        ref = hpa["spec"]["scaleTargetRef"]
        if (ref["kind"], ref["name"]) not in workloads:
            problems.append(f"HorizontalPodAutoscaler/{name}: target {ref['kind']}/{ref['name']} does not exist")
        if hpa["spec"]["minReplicas"] > hpa["spec"]["maxReplicas"]:
            problems.append(f"HorizontalPodAutoscaler/{name}: minReplicas > maxReplicas")
        target = workloads.get((ref["kind"], ref["name"]))
        if target and "replicas" in target["spec"]:
            problems.append(f"{ref['kind']}/{ref['name']}: sets replicas although an HPA owns them")

    hpa_targets = {
        (h["spec"]["scaleTargetRef"]["kind"], h["spec"]["scaleTargetRef"]["name"])
        for h in by_kind.get("HorizontalPodAutoscaler", {}).values()
    }
    for name, pdb in by_kind.get("PodDisruptionBudget", {}).items():
        selector = pdb["spec"]["selector"]["matchLabels"]
        selected = [key for key, w in workloads.items() if selector.items() <= _pod_labels(w).items()]
        if len(selected) != 1:
            problems.append(f"PodDisruptionBudget/{name}: selects {len(selected)} workloads, not 1")
        elif selected[0] not in hpa_targets and workloads[selected[0]]["spec"].get("replicas", 1) < 2:
            problems.append(f"PodDisruptionBudget/{name}: its workload runs a single replica")

    policies = list(by_kind.get("NetworkPolicy", {}).values())
    if policies:
        problems += _network_policy_problems(policies, workloads, namespace)
    if any("Egress" in p["spec"].get("policyTypes", []) for p in policies):
        topology: dict[str, str] = {}
        for cm in config_maps.values():
            topology.update(cm.get("data") or {})
        problems += _egress_problems(policies, workloads, namespace, topology)

    for name, cm in config_maps.items():
        for key, value in (cm.get("data") or {}).items():
            if key.endswith(".json"):
                try:
                    board = json.loads(value)
                except json.JSONDecodeError as exc:
                    problems.append(f"ConfigMap/{name}: {key} is not JSON ({exc})")
                    continue
                if not board.get("panels") or not board.get("uid"):
                    problems.append(f"ConfigMap/{name}: {key} is not a Grafana dashboard (no uid or panels)")

    if vllm_args is not None:
        problems += _vllm_arg_problems(workloads, vllm_args)
    return problems, kinds


def _peer_admits(peer: dict[str, Any], source: dict[str, str], namespace: str) -> bool:
    """Whether one NetworkPolicyPeer admits a pod of the release (matchLabels only: the
    chart renders no matchExpressions, and a peer with them is treated as not matching)."""
    if "ipBlock" in peer or any(
        "matchExpressions" in (peer.get(k) or {}) for k in ("podSelector", "namespaceSelector")
    ):
        return False
    if "namespaceSelector" in peer:
        ns_labels = {"kubernetes.io/metadata.name": namespace}
        if not (peer["namespaceSelector"].get("matchLabels") or {}).items() <= ns_labels.items():
            return False
    return ((peer.get("podSelector") or {}).get("matchLabels") or {}).items() <= source.items()


def _selects(policy: dict[str, Any], labels: dict[str, str], direction: str | None = None) -> bool:
    """Whether the policy applies to pods labelled `labels` (in `direction`, "Ingress" or
    "Egress", when given; policyTypes defaults to Ingress only, as the chart never omits it
    for egress)."""
    if direction is not None and direction not in policy["spec"].get("policyTypes", ["Ingress"]):
        return False
    return (policy["spec"]["podSelector"].get("matchLabels") or {}).items() <= labels.items()


def allowed(
    policies: list[dict[str, Any]], source: dict[str, str], target: dict[str, str], port: str, namespace: str
) -> bool:
    """Whether the NetworkPolicies let a pod labelled `source` connect to the named port of
    a pod labelled `target`, both in `namespace` (Kubernetes semantics: a pod no policy
    selects is open; otherwise any rule of any selecting policy may admit)."""
    selecting = [p for p in policies if _selects(p, target, "Ingress")]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get("ingress") or []:
            ports = rule.get("ports")
            if ports and not any(p.get("port") in (None, port) for p in ports):
                continue
            peers = rule.get("from")
            if not peers or any(_peer_admits(peer, source, namespace) for peer in peers):
                return True
    return False


def _port_matches(ports: list[dict[str, Any]] | None, port: str | int, protocol: str) -> bool:
    if not ports:
        return True
    for p in ports:
        if p.get("protocol", "TCP") != protocol:
            continue
        if p.get("port") in (None, port):
            return True
        if isinstance(port, int) and isinstance(p.get("port"), int) and p["port"] <= port <= p.get("endPort", 0):
            return True
    return False


def egress_allowed(
    policies: list[dict[str, Any]],
    source: dict[str, str],
    port: str | int,
    namespace: str,
    target: dict[str, str] | None = None,
    protocol: str = "TCP",
) -> bool:
    """Whether the egress policies let a pod labelled `source` connect to `port`: of a pod
    labelled `target` in the same namespace, or (target None) of a destination outside
    the release, which any rule with a matching port and any peers (or none) is taken to
    admit: where PostgreSQL lives is the operator's knowledge, the port is ours."""
    selecting = [p for p in policies if _selects(p, source, "Egress")]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get("egress") or []:
            if not _port_matches(rule.get("ports"), port, protocol):
                continue
            peers = rule.get("to")
            if not peers or target is None or any(_peer_admits(peer, target, namespace) for peer in peers):
                return True
    return False


def _url_port(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme == "https" else 80)


def _egress_problems(
    policies: list[dict[str, Any]],
    workloads: dict[tuple[str, str], dict[str, Any]],
    namespace: str,
    topology: dict[str, str],
) -> list[str]:
    pods = _pods(workloads)
    problems = []
    for name, labels in sorted(pods.items()):
        if not any(_selects(p, labels, "Egress") for p in policies):
            problems.append(f"{name}: no egress policy selects its pods")
        elif not egress_allowed(policies, labels, 53, namespace, protocol="UDP"):
            problems.append(f"egress blocks {name} -> DNS (53/UDP)")
    problems += _call_graph_problems(
        pods, lambda src, dst, port: egress_allowed(policies, src, port, namespace, dst), "egress"
    )

    ports: dict[str, set[int]] = {dest: {int(topology[key])} for dest, key in TOPOLOGY_PORTS.items() if key in topology}
    ports["webhooks"] = {WEBHOOK_PORT}
    if "vllm" not in pods:
        ports["inference"] = {_url_port(u) for u in topology.get("LLM_BASE_URLS", "").split(",") if u}
    tracing = topology.get("OTEL_TRACES_EXPORTER") == "otlp"
    if tracing:
        ports["otlp"] = {_url_port(topology.get("OTEL_EXPORTER_OTLP_ENDPOINT", ""))}
    for name, labels in sorted(pods.items()):
        wanted = set(USES.get(name, ())) & ports.keys()
        if tracing and name in USES:
            wanted.add("otlp")
        for dest in sorted(wanted):
            for number in sorted(ports[dest]):
                if not egress_allowed(policies, labels, number, namespace):
                    problems.append(f"egress blocks {name} -> {dest} (port {number})")
        for dest in sorted(set(TOPOLOGY_PORTS) - set(USES.get(name, ())) & ports.keys()):
            for number in sorted(ports[dest]):
                if egress_allowed(policies, labels, number, namespace):
                    problems.append(f"egress lets {name} reach {dest} (port {number}), which it does not use")
    return problems


def _network_policy_problems(
    policies: list[dict[str, Any]], workloads: dict[tuple[str, str], dict[str, Any]], namespace: str
) -> list[str]:
    pods = _pods(workloads)
    problems = []
    for name, labels in pods.items():
        if not any(_selects(p, labels) for p in policies):
            problems.append(f"{name}: no NetworkPolicy selects its pods")
    problems += _call_graph_problems(
        pods, lambda src, dst, port: allowed(policies, src, dst, port, namespace), "NetworkPolicy"
    )
    return problems


def _pods(workloads: dict[tuple[str, str], dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Pod labels by component name."""
    return {_pod_labels(w).get(COMPONENT, ""): _pod_labels(w) for w in workloads.values()}


def _call_graph_problems(
    pods: dict[str, dict[str, str]], reaches: Callable[[dict[str, str], dict[str, str], str], bool], what: str
) -> list[str]:
    """Every call in CALLS must get through; the internal ports admit their callers only (a
    public API's port is open by design). `reaches(source, target, port)` is the ingress or
    the egress side's verdict."""
    problems = []
    for caller, callee, port in sorted(CALLS):
        if caller in pods and callee in pods and not reaches(pods[caller], pods[callee], port):
            problems.append(f"{what} blocks {caller} -> {callee}:{port}")
    for callee, port in sorted(INTERNAL_PORTS):
        for caller in sorted(pods):
            if callee not in pods or caller == callee or (caller, callee, port) in CALLS:
                continue
            if reaches(pods[caller], pods[callee], port):
                problems.append(f"{what} lets through {caller} -> {callee}:{port}")
    return problems


def write_rule_files(docs: list[dict[str, Any]], out: Path) -> None:
    groups = [g for d in docs if d["kind"] == "PrometheusRule" for g in d["spec"]["groups"]]
    out.mkdir(parents=True, exist_ok=True)
    (out / "rules-full.yaml").write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    bare = [
        {**g, "rules": [{k: v for k, v in rule.items() if k != "annotations"} for rule in g["rules"]]} for g in groups
    ]
    (out / "rules.yaml").write_text(yaml.safe_dump({"groups": bare}, sort_keys=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vllm-args", type=Path, default=None)
    parser.add_argument("--namespace", default="practicum", help="the release's namespace (helm template --namespace)")
    parser.add_argument(
        "--write-rules",
        type=Path,
        default=None,
        metavar="DIR",
        help="write the PrometheusRule's groups as Prometheus rule files for promtool: rules-full.yaml, "
        "and rules.yaml without annotations (for `promtool test rules`, which compares them verbatim)",
    )
    args = parser.parse_args()
    docs = [d for d in yaml.safe_load_all(sys.stdin) if d]
    if args.write_rules is not None:
        write_rule_files(docs, args.write_rules)
    problems, kinds = check(docs, args.vllm_args, args.namespace)
    for problem in problems:
        print(f"  problem: {problem}")
    if problems:
        return 1
    print("  checked: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
