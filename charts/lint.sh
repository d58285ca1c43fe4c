#!/usr/bin/env bash
# `make helm-lint`: lint and render the Practicum chart with the default values and with
# every optional feature on (ci/all-enabled-values.yaml), then check the rendered
# manifests (secure pod defaults, references, vLLM flags) with check_rendered.py.
# Installs helm through infra/scripts/install-helm.sh on first use. No cluster needed.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHART="$REPO/charts/practicum"
ALL_ON="$CHART/ci/all-enabled-values.yaml"
# A cluster version for the capabilities the templates may consult (HPA v2, gRPC probes).
KUBE_VERSION="${KUBE_VERSION:-1.30.0}"

HELM="${HELM:-}"
if [[ -z "$HELM" ]]; then
  HELM="$("$REPO/infra/scripts/install-helm.sh" --check 2>/dev/null || true)"
  # First use: build it (prints progress, then the path on its last line).
  [[ -x "$HELM" ]] || HELM="$("$REPO/infra/scripts/install-helm.sh" | tail -n 1)"
fi
[[ -x "$HELM" ]] || { echo "helm not found (set HELM=/path/to/helm)" >&2; exit 1; }

PY="$REPO/.venv/bin/python"
[[ -x "$PY" ]] || PY="python3"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

run() {
  local label="$1"
  shift
  echo "==> $label"
  "$HELM" lint --strict --kube-version "$KUBE_VERSION" "$CHART" "$@"
  "$HELM" template practicum "$CHART" --namespace practicum --kube-version "$KUBE_VERSION" "$@" >"$out/rendered.yaml"
  echo "  rendered $(grep -c '^kind:' "$out/rendered.yaml") objects"
  "$PY" "$REPO/charts/check_rendered.py" --vllm-args "$REPO/infra/vllm/vllm-args.yaml" <"$out/rendered.yaml"
}

run "default values"
run "all optional features on ($(basename "$ALL_ON"))" -f "$ALL_ON"
echo "helm-lint: ok ($("$HELM" version --short))"
