#!/usr/bin/env bash
# Helm for the chart in charts/practicum. Its release binaries come from GitHub, which is
# out of reach here; the Go module proxy serves its source, so `go install` builds it
# into $CACHE_DIR/bin (once per machine; a few minutes on 2 cores). Prints the path.
set -euo pipefail
# shellcheck source=infra/scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BIN_DIR="$CACHE_DIR/bin"
HELM="$BIN_DIR/helm"

installed_version() {
  [[ -x "$HELM" ]] && "$HELM" version --template '{{ .Version }}' 2>/dev/null
}

main() {
  if [[ "$(installed_version || true)" == "$HELM_VERSION" ]]; then
    [[ "${1:-}" == --check ]] || ok "helm $HELM_VERSION present"
    echo "$HELM"
    return 0
  fi
  [[ "${1:-}" == --check ]] && return 1
  local t0
  t0=$(now)
  step "building helm $HELM_VERSION from the Go module proxy into $BIN_DIR ($(go version | awk '{print $3}'))"
  # The version is stamped the way helm's own release build does; without it
  # `helm version` reports a placeholder and chart apiVersion checks can misbehave.
  go_install_tool helm -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  ok "$("$HELM" version --short) built in $(elapsed "$t0")"
  echo "$HELM"
}

main "$@"
