#!/usr/bin/env bash
# Install the Debian packages the native stack runs: PostgreSQL 15 and Redis.
# Only installs what is missing; never starts Debian's own services (the stack runs its
# own instances on its own ports and data directories, see stack.sh).
set -euo pipefail
# shellcheck source=infra/scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

missing=()
[[ -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" ]] || missing+=(postgresql)
have pg_isready && have psql || missing+=(postgresql-client)
have redis-server || missing+=(redis-server)
have redis-cli || missing+=(redis-tools)

if ((${#missing[@]} == 0)); then
  ok "system packages present (postgresql in $PG_BIN, $(redis-server --version | awk '{print $3}'))"
  exit 0
fi

[[ $EUID -eq 0 ]] || die "installing ${missing[*]} needs root (apt-get)"

# Debian's maintainer scripts start the packaged services unless policy-rc.d says no.
# Add a temporary deny-all policy if the machine has none, and remove it afterwards.
policy=/usr/sbin/policy-rc.d
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\n# temporary, added by practicum install-system.sh\nexit 101\n' >"$policy"
  chmod 0755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi

t0=$(now)
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when they are absent or older than a day.
if [[ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n1)" ]]; then
  step "apt-get update"
  run_with_progress "updating package lists" "$CACHE_DIR/logs/apt-update.log" apt-get update
fi
step "apt-get install ${missing[*]}"
run_with_progress "installing ${missing[*]}" "$CACHE_DIR/logs/apt-install.log" \
  apt-get install -y --no-install-recommends "${missing[@]}"

# If a service got started anyway (no policy-rc.d honoured), stop it: it would only
# hold memory and Debian's default ports.
if have service; then
  for svc in redis-server postgresql; do
    if service "$svc" status >/dev/null 2>&1; then
      service "$svc" stop >/dev/null 2>&1 || true
    fi
  done
fi
ok "system packages installed in $(elapsed "$t0")"
