#!/usr/bin/env bash
# Prometheus and promtool, for the chart's alert-rule tests (`make helm-lint`) and the
# integration test that runs the Grafana dashboard's queries against the local stack.
# Release binaries come from GitHub, out of reach here; the Go module proxy serves the
# source (module versions v0.X.Y are Prometheus 3.X.Y), so `go install` builds them into
# $CACHE_DIR/bin, once per machine. `-tags remove_all_sd` leaves out the cloud service
# discoveries (AWS, Azure, GCE, Kubernetes, ...), which static and file targets do not
# need and which would triple the build. Prints the directory holding both binaries.
set -euo pipefail
# shellcheck source=infra/scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BIN_DIR="$CACHE_DIR/bin"
STAMP="$BIN_DIR/.prometheus-$PROMETHEUS_MODULE_VERSION"

main() {
  if [[ -x "$BIN_DIR/prometheus" && -x "$BIN_DIR/promtool" && -f "$STAMP" ]]; then
    [[ "${1:-}" == --check ]] || ok "prometheus and promtool $PROMETHEUS_MODULE_VERSION present"
    echo "$BIN_DIR"
    return 0
  fi
  [[ "${1:-}" == --check ]] && return 1
  local t0
  t0=$(now)
  # v0.316.0 is Prometheus 3.16.0: stamp that, as its release build does (`--version`).
  local minor="${PROMETHEUS_MODULE_VERSION#v0.}" version
  version="$(( ${minor%%.*} / 100 )).$(( ${minor%%.*} % 100 )).${minor#*.}"
  step "building prometheus and promtool $version ($PROMETHEUS_MODULE_VERSION) from the Go module proxy into $BIN_DIR"
  go_install_tool prometheus -tags remove_all_sd \
    -ldflags "-s -w -X github.com/prometheus/common/version.Version=$version" \
    "github.com/prometheus/prometheus/cmd/prometheus@$PROMETHEUS_MODULE_VERSION" \
    "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_MODULE_VERSION"
  rm -f "$BIN_DIR"/.prometheus-v*
  touch "$STAMP"
  ok "$("$BIN_DIR/prometheus" --version 2>&1 | head -n 1) built in $(elapsed "$t0")"
  echo "$BIN_DIR"
}

main "$@"
