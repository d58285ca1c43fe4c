#!/usr/bin/env bash
# Regenerates the Python code for every .proto under protos/ into
# services/common/src/practicum_protos (messages, type stubs and gRPC stubs).
# Usage: protos/generate.sh [OUT_DIR]   (default: services/common/src)
# `make proto-check` runs this into a temporary directory and diffs it against the
# committed code, so generated code cannot silently drift from its schema.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$repo/services/common/src}"
python="${PYTHON:-$repo/.venv/bin/python}"
mkdir -p "$out"
rm -rf "$out/practicum_protos"
cd "$repo/protos"
mapfile -t protos < <(find practicum_protos -name '*.proto' | LC_ALL=C sort)
"$python" -m grpc_tools.protoc -I . \
  --python_out="$out" --pyi_out="$out" --grpc_python_out="$out" "${protos[@]}"
# Message-only protos get empty gRPC modules; they carry nothing, so drop them.
for f in $(find "$out/practicum_protos" -name '*_pb2_grpc.py'); do
  grep -q "class .*Stub" "$f" || rm -f "$f"
done
# Regular packages (not namespace packages) so mypy and setuptools see every module.
find "$out/practicum_protos" -type d -exec sh -c 'touch "$1/__init__.py"' _ {} \;
touch "$out/practicum_protos/py.typed"
