#!/usr/bin/env bash
# Fetch the Apache Kafka broker (KRaft) from Maven Central into
# $CACHE_DIR/kafka-$KAFKA_VERSION/libs and compile the stack's admin helper next to it.
# Idempotent: a second run only checks a stamp file (well under a second).
set -euo pipefail
# shellcheck source=infra/scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

POM="$INFRA_DIR/kafka/pom.xml"
ADMIN_SRC="$INFRA_DIR/kafka/KafkaAdmin.java"

java_major() {
  java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ { print $2 }'
}

ensure_java_maven() {
  local need=()
  if ! have java || (($(java_major) < 17)); then need+=(openjdk-17-jdk-headless); fi
  have javac || need+=(openjdk-17-jdk-headless)
  have mvn || need+=(maven)
  ((${#need[@]} == 0)) && return 0
  [[ $EUID -eq 0 ]] || die "need ${need[*]} (Java 17+ and Maven); install them or run as root"
  step "apt-get install ${need[*]}"
  DEBIAN_FRONTEND=noninteractive run_with_progress "installing ${need[*]}" \
    "$CACHE_DIR/logs/apt-java.log" apt-get install -y --no-install-recommends "${need[@]}"
}

# The libs directory is complete when its stamp names the same pom and versions.
stamp_value() {
  { cat "$POM"; echo "$KAFKA_VERSION $LOG4J_VERSION"; } | sha256sum | cut -c1-16
}

fetch_libs() {
  local stamp want tmp
  stamp="$KAFKA_HOME/.libs-stamp"
  want="$(stamp_value)"
  if [[ -f "$stamp" && "$(<"$stamp")" == "$want" && -d "$KAFKA_LIBS" ]]; then
    ok "kafka $KAFKA_VERSION jars present ($KAFKA_LIBS, $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars)"
    return 0
  fi
  step "fetching kafka_2.13:$KAFKA_VERSION + log4j $LOG4J_VERSION from Maven Central"
  mkdir -p "$KAFKA_HOME"
  tmp="$(mktemp -d "$KAFKA_HOME/libs.tmp.XXXXXX")"
  run_with_progress "downloading kafka jars" "$CACHE_DIR/logs/kafka-maven.log" \
    mvn -B -q -f "$POM" dependency:copy-dependencies \
      -Dkafka.version="$KAFKA_VERSION" -Dlog4j.version="$LOG4J_VERSION" \
      -DincludeScope=runtime -DoutputDirectory="$tmp" \
    || { rm -rf "$tmp"; die "maven could not fetch kafka $KAFKA_VERSION (see $CACHE_DIR/logs/kafka-maven.log)"; }
  compgen -G "$tmp/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null || die "kafka_2.13-$KAFKA_VERSION.jar missing after fetch"
  chmod 755 "$tmp"   # mktemp -d makes it private
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  printf '%s\n' "$want" >"$stamp"
  ok "kafka jars in $KAFKA_LIBS ($(du -sh "$KAFKA_LIBS" | cut -f1))"
}

compile_admin() {
  local hash dir
  hash="$(sha256sum "$ADMIN_SRC" | cut -c1-12)"
  dir="$KAFKA_HOME/admin-$hash"
  if [[ -f "$dir/KafkaAdmin.class" ]]; then
    ok "admin helper compiled ($dir)"
  else
    step "compiling KafkaAdmin helper"
    rm -rf "$KAFKA_HOME"/admin-*
    mkdir -p "$dir.tmp"
    javac -nowarn -cp "$KAFKA_LIBS/*" -d "$dir.tmp" "$ADMIN_SRC"
    mv "$dir.tmp" "$dir"
    ok "admin helper in $dir"
  fi
  ln -sfn "$dir" "$KAFKA_HOME/admin"
}

# --check: exit 0 silently when everything is in place (used by stack.sh), 1 otherwise.
is_installed() {
  local hash
  hash="$(sha256sum "$ADMIN_SRC" | cut -c1-12)"
  [[ -f "$KAFKA_HOME/.libs-stamp" && "$(<"$KAFKA_HOME/.libs-stamp")" == "$(stamp_value)" ]] \
    && [[ -f "$KAFKA_HOME/admin-$hash/KafkaAdmin.class" && "$(readlink "$KAFKA_HOME/admin")" == "$KAFKA_HOME/admin-$hash" ]]
}

main() {
  if [[ "${1:-}" == --check ]]; then
    is_installed
    return
  fi
  local t0
  t0=$(now)
  mkdir -p "$CACHE_DIR/logs"
  ensure_java_maven
  # One installer at a time per machine (two clones may share the cache).
  exec 9>"$CACHE_DIR/kafka-install.lock"
  flock 9
  fetch_libs
  compile_admin
  ok "kafka $KAFKA_VERSION ready in $(elapsed "$t0"): java -cp '$KAFKA_LIBS/*' kafka.Kafka <server.properties>"
}

main "$@"
