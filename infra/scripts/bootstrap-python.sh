#!/usr/bin/env bash
# Creates the project's Python environment (.venv) with the four services, the shared
# libraries and the dev tools, pinned by constraints.txt. Re-runs are no-ops unless a
# pyproject.toml, requirements-dev.txt or constraints.txt changed.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VENV="$REPO/.venv"
PY_BIN="${PYTHON_BIN:-python3}"
stamp="$VENV/.practicum-deps"
want="$(cat "$REPO"/constraints.txt "$REPO"/requirements-dev.txt "$REPO"/services/*/pyproject.toml | sha256sum | cut -c1-16)"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  ok "python environment up to date ($VENV)"
  exit 0
fi

start="$(now)"
"$PY_BIN" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' \
  || die "Python 3.11 is required ($PY_BIN is $("$PY_BIN" --version 2>&1))"
if [[ ! -x "$VENV/bin/python" ]]; then
  step "creating $VENV"
  "$PY_BIN" -m venv "$VENV"
fi
step "installing Python dependencies into .venv (first run takes a minute or two)"
run_with_progress "installing Python packages" "$LOG_DIR/pip-install.log" \
  "$VENV/bin/pip" install --disable-pip-version-check -c "$REPO/constraints.txt" \
  -e "$REPO/services/common[coder,train]" \
  -e "$REPO/services/session" \
  -e "$REPO/services/simulation" \
  -e "$REPO/services/grading" \
  -e "$REPO/services/analytics" \
  -r "$REPO/requirements-dev.txt"
printf '%s\n' "$want" >"$stamp"
ok "python environment ready ($(elapsed "$start"))"
