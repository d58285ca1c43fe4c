#!/usr/bin/env bash
# Starts and stops the four Practicum services as local processes (loopback only),
# each with a pid file in .run/pids and a log in .run/logs. Infrastructure (PostgreSQL,
# Redis, Kafka, the LLM server) is stack.sh's job; start it first.
#
#   infra/scripts/services.sh up [service...]     # default: all, in dependency order
#   infra/scripts/services.sh down [service...]
#   infra/scripts/services.sh restart [service...]
#   infra/scripts/services.sh status              # the default command
#   infra/scripts/services.sh logs [service...]   # follow the logs (default: all)
#
# Services: simulation session analytics grading-dispatcher grading-worker
# Exit codes: 0 ok; 1 failure; 2 usage error (unknown command or service);
# 3 from status: a service is not running or not ready (the table is printed in full).
set -euo pipefail
# shellcheck source=infra/scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PY="${PYTHON:-$REPO/.venv/bin/python}"
ALL=(simulation session analytics grading-dispatcher grading-worker)

: "${SESSION_PORT:=8000}" "${SIMULATION_PORT:=50051}" "${SIMULATION_HTTP_PORT:=9101}"
: "${ANALYTICS_PORT:=8002}" "${GRADING_HTTP_PORT:=9102}" "${GRADING_WORKER_HTTP_PORT:=9103}"

# command, readiness URL for each service
svc_cmd() {
  case "$1" in
    simulation) echo "$PY -m practicum_simulation serve" ;;
    session) echo "$PY -m practicum_session serve" ;;
    analytics) echo "$PY -m practicum_analytics serve" ;;
    grading-dispatcher) echo "$PY -m practicum_grading dispatch" ;;
    grading-worker) echo "$PY -m practicum_grading worker" ;;
    *) die_usage "unknown service $1; one of: ${ALL[*]}" ;;
  esac
}

svc_ready_url() {
  case "$1" in
    simulation) echo "http://127.0.0.1:$SIMULATION_HTTP_PORT/readyz" ;;
    session) echo "http://127.0.0.1:$SESSION_PORT/readyz" ;;
    analytics) echo "http://127.0.0.1:$ANALYTICS_PORT/readyz" ;;
    grading-dispatcher) echo "http://127.0.0.1:$GRADING_HTTP_PORT/readyz" ;;
    grading-worker) echo "http://127.0.0.1:$GRADING_WORKER_HTTP_PORT/readyz" ;;
  esac
}

usage() { script_usage "${BASH_SOURCE[0]}" "${1:-0}"; }

# check_services NAME...: a usage error (exit 2) on a name that is not a service.
check_services() {
  local s
  for s in "$@"; do
    [[ " ${ALL[*]} " == *" $s "* ]] || die_usage "unknown service $s; one of: ${ALL[*]}"
  done
}

http_ok() { curl -fs -o /dev/null --max-time 2 "$1"; }

up_one() {
  local name="$1" pid url start
  start="$(now)"
  [[ -x "$PY" ]] || die "no Python environment at $PY: run 'make setup' first"
  # shellcheck disable=SC2046  # the command is split into words on purpose
  (cd "$REPO" && start_daemon "$name" "practicum_${name%%-*}" $(svc_cmd "$name"))
  # Read the pid file directly: right after the fork the child may not have exec'd the
  # service yet, so daemon_pid's command-line check would wrongly call it dead.
  pid="$(head -n 1 "$(pidfile_of "$name")")"
  url="$(svc_ready_url "$name")"
  local deadline=$((SECONDS + ${SERVICE_START_TIMEOUT:-90}))
  until http_ok "$url"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log_tail 30 "$(logfile_of "$name")"
      die "$name exited during start-up (log: $(logfile_of "$name"))"
    fi
    if ((SECONDS >= deadline)); then
      log_tail 30 "$(logfile_of "$name")"
      die "$name not ready at $url"
    fi
    sleep 0.3
  done
  ok "$name ready (pid $pid, $(elapsed "$start"))"
}

cmd="${1:-status}"
shift || true
case "$cmd" in
  -h | --help | help) usage 0 ;;
  up | down | restart | status | logs) ;;
  *)
    printf 'unknown command: %s\n\n' "$cmd" >&2
    usage 2
    ;;
esac
check_services "$@"
targets=("$@")
((${#targets[@]})) || targets=("${ALL[@]}")

case "$cmd" in
  up)
    for s in "${targets[@]}"; do
      step "starting $s"
      up_one "$s"
    done
    ;;
  down)
    for ((i = ${#targets[@]} - 1; i >= 0; i--)); do
      stop_daemon "${targets[$i]}" 20
    done
    ;;
  restart)
    for s in "${targets[@]}"; do
      stop_daemon "$s" 20
      up_one "$s"
    done
    ;;
  status)
    # Exit 3 (like stack.sh status) when a service is not running or not ready, after
    # the whole table: callers such as `make status` print everything, then fail.
    rc=0
    printf '%-20s %-8s %-6s %s\n' SERVICE PID READY URL
    for s in "${ALL[@]}"; do
      pid="$(daemon_pid "$s" || echo -)"
      url="$(svc_ready_url "$s")"
      ready=no
      http_ok "$url" && ready=yes
      if [[ "$pid" == - || "$ready" == no ]]; then rc=3; fi
      printf '%-20s %-8s %-6s %s\n' "$s" "$pid" "$ready" "$url"
    done
    exit "$rc"
    ;;
  logs)
    files=()
    for s in "${targets[@]}"; do
      f="$(logfile_of "$s")"
      if [[ -f "$f" ]]; then
        files+=("$f")
      elif (($# > 0)); then
        die "no log yet for $s (not started?)"
      fi
    done
    ((${#files[@]} > 0)) || die "no logs yet in $LOG_DIR (not started?)"
    if (($# == 1)); then
      tail -n 200 -f "${files[@]}"
    else
      tail -n 50 -f "${files[@]}"
    fi
    ;;
esac
