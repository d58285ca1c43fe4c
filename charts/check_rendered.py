"""Checks on `helm template` output that `helm lint` does not make.

    helm template practicum charts/practicum | python charts/check_rendered.py [--vllm-args FILE]

- every workload runs with the secure pod defaults (non-root, read-only root filesystem
  with /tmp mounted, no capabilities, RuntimeDefault seccomp, no service-account token)
  and has liveness and readiness probes on ports it declares;
- Services, HPAs, StatefulSets and envFrom point at objects that exist;
- with --vllm-args: every option in that file (infra/vllm/vllm-args.yaml, used by
  docker-compose) is also passed to the chart's vLLM server.

Prints one line per problem and exits 1, or a summary and exits 0.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

WORKLOAD_KINDS = {"Deployment", "StatefulSet"}


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


def check(docs: list[dict[str, Any]], vllm_args: Path | None) -> tuple[list[str], Counter[str]]:
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

    if vllm_args is not None:
        problems += _vllm_arg_problems(workloads, vllm_args)
    return problems, kinds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vllm-args", type=Path, default=None)
    args = parser.parse_args()
    docs = [d for d in yaml.safe_load_all(sys.stdin) if d]
    problems, kinds = check(docs, args.vllm_args)
    for problem in problems:
        print(f"  problem: {problem}")
    if problems:
        return 1
    print("  checked: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
