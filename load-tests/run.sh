#!/usr/bin/env bash
# `make load-test`: Locust, headless and bounded, against the local session API.
#
#   load-tests/run.sh                                   # 20 trainees, 2 minutes
#   LOADTEST_USERS=2 LOADTEST_RUN_TIME=30s load-tests/run.sh
#
# Creates a fresh organisation (and API key) with the session service's CLI unless
# LOADTEST_API_KEY is set, runs locustfile.py, and prints Locust's stats and percentile
# tables followed by the TTFT / full-reply percentiles. Figures are printed, never
# asserted: the exit status is non-zero only if the run itself could not happen.
# Traffic goes to 127.0.0.1 only (the session service's SESSION_PORT from .env).
#
# Knobs (environment): LOADTEST_USERS (20), LOADTEST_SPAWN_RATE (2 per second),
# LOADTEST_RUN_TIME (2m), LOADTEST_STOP_TIMEOUT (30 s for in-flight replies at the end),
# and the locustfile's LOADTEST_TURNS, LOADTEST_THINK_MIN/MAX, LOADTEST_SCENARIO.
set -euo pipefail
# shellcheck source=infra/scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../infra/scripts/lib.sh"

PY="${PYTHON:-$REPO/.venv/bin/python}"
USERS="${LOADTEST_USERS:-20}"
SPAWN_RATE="${LOADTEST_SPAWN_RATE:-2}"
RUN_TIME="${LOADTEST_RUN_TIME:-2m}"
STOP_TIMEOUT="${LOADTEST_STOP_TIMEOUT:-30}"
HOST="http://127.0.0.1:${SESSION_PORT:-8000}"

[[ -x "$PY" ]] || die "no Python environment at $PY: run 'make setup' first"
"$PY" -c "import locust" 2>/dev/null || die "locust is not installed in $PY's environment (requirements-dev.txt)"
curl -fsS --max-time 5 -o /dev/null "$HOST/readyz" \
  || die "the session service is not ready at $HOST/readyz: start the stack first ('make up')"

if [[ -z "${LOADTEST_API_KEY:-}" ]]; then
  org_name="loadtest-$(date +%s)"
  step "creating organisation $org_name"
  org_json="$(cd "$REPO" && "$PY" -m practicum_session create-org --name "$org_name")" \
    || die "python -m practicum_session create-org failed"
  LOADTEST_API_KEY="$("$PY" -c 'import json, sys; print(json.loads(sys.stdin.read())["api_key"])' <<<"$org_json")"
fi
export LOADTEST_API_KEY

out="$RUN_DIR/load-tests/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
export LOADTEST_SUMMARY="$out/latencies.json"

step "locust: $USERS trainees (spawn $SPAWN_RATE/s) for $RUN_TIME against $HOST"
cd "$REPO"
"$PY" -m locust \
  -f load-tests/locustfile.py \
  --headless \
  --host "$HOST" \
  --users "$USERS" \
  --spawn-rate "$SPAWN_RATE" \
  --run-time "$RUN_TIME" \
  --stop-timeout "$STOP_TIMEOUT" \
  --only-summary \
  --exit-code-on-error 0 \
  --csv "$out/locust" \
  --loglevel WARNING 2>&1
ok "results in $out (locust_stats.csv, locust_stats_history.csv, latencies.json)"
