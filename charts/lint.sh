#!/usr/bin/env bash
# `make helm-lint`: lint and render the Practicum chart with the default values and with
# every optional feature on (ci/all-enabled-values.yaml), then check the rendered
# manifests (secure pod defaults, references, vLLM flags) with check_rendered.py, and
# decode every manifest strictly into the Kubernetes API types with charts/validate (a
# small Go program: unknown/duplicate fields, wrong types, unknown kinds, invalid names,
# labels, selectors and ports are errors, as with kubectl's strict field validation).
# Then the alert rules go through promtool: `check rules` (Prometheus's own parser) and
# the unit tests in charts/alert-tests.yaml. helm and promtool are built from the Go module
# proxy on first use (infra/scripts/install-helm.sh, install-prometheus.sh). No cluster needed.
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
  [[ -x "$HELM" ]] || HELM="$("$REPO/infra/scripts/install-helm.sh" | tee /dev/stderr | tail -n 1)"
fi
[[ -x "$HELM" ]] || { echo "helm not found (set HELM=/path/to/helm)" >&2; exit 1; }

PY="$REPO/.venv/bin/python"
[[ -x "$PY" ]] || PY="python3"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# Built once per run into $out; Go's build cache makes later builds take seconds.
# -mod=readonly: build exactly what go.mod/go.sum pin, never edit them.
command -v go >/dev/null || { echo "go not found: needed to build charts/validate" >&2; exit 1; }
echo "==> building the manifest validator (charts/validate; the first build downloads k8s.io/api and compiles it, ~2 min on 2 cores)"
(cd "$REPO/charts/validate" && GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=readonly" go build -buildvcs=false -o "$out/validate" .)

# promtool, for the alert rules (built from the Go module proxy on first use, ~4 min).
PROMTOOL="${PROMTOOL:-}"
if [[ -z "$PROMTOOL" ]]; then
  prom_dir="$("$REPO/infra/scripts/install-prometheus.sh" --check 2>/dev/null || true)"
  [[ -n "$prom_dir" ]] || prom_dir="$("$REPO/infra/scripts/install-prometheus.sh" | tee /dev/stderr | tail -n 1)"
  PROMTOOL="$prom_dir/promtool"
fi
[[ -x "$PROMTOOL" ]] || { echo "promtool not found (set PROMTOOL=/path/to/promtool)" >&2; exit 1; }

run() {
  local label="$1"
  shift
  echo "==> $label"
  "$HELM" lint --strict --kube-version "$KUBE_VERSION" "$CHART" "$@"
  "$HELM" template practicum "$CHART" --namespace practicum --kube-version "$KUBE_VERSION" "$@" >"$out/rendered.yaml"
  echo "  rendered $(grep -c '^kind:' "$out/rendered.yaml") objects"
  # Structure first (check_rendered.py assumes well-formed manifests), then policy.
  # One line per object is for running it by hand; here, errors and the count.
  "$out/validate" <"$out/rendered.yaml" | sed -e '/^ok /d' -e 's/^/  /'
  rm -rf "$out/rules"
  "$PY" "$REPO/charts/check_rendered.py" --vllm-args "$REPO/infra/vllm/vllm-args.yaml" \
    --write-rules "$out/rules" <"$out/rendered.yaml"
  if grep -q '^- name:' "$out/rules/rules-full.yaml"; then
    # Prometheus's own parser and rule engine: every rule loads (expressions, durations,
    # annotation templates), and the alert unit tests in charts/alert-tests.yaml pass.
    "$PROMTOOL" check rules "$out/rules/rules-full.yaml" | sed 's/^/  /'
    cp "$REPO/charts/alert-tests.yaml" "$out/rules/"
    "$PROMTOOL" test rules "$out/rules/alert-tests.yaml" | sed 's/^/  /'
  fi
}

run "default values"
run "all optional features on ($(basename "$ALL_ON"))" -f "$ALL_ON"
run "egress restricted, inference tier outside the release (egress-external-inference-values.yaml)" \
  -f "$CHART/ci/egress-external-inference-values.yaml"
echo "helm-lint: ok ($("$HELM" version --short))"
