#!/usr/bin/env bash
# Build llama.cpp's own C++ OpenAI-compatible server (`llama-server`, MIT) from the llama.cpp source that the
# llama-cpp-python sdist vendors, into the user cache. Nothing is installed system-wide or committed.
#
#   bash scripts/build-llama-server.sh          build (or say where the existing build is)
#   bash scripts/build-llama-server.sh --force  rebuild
#
# Needs cmake and a C++ compiler. Environment: PYTHON (its pip fetches the sdist), LLAMA_CPP_PYTHON_VERSION
# (default 0.3.36, the version scripts/install-local.sh builds), BRIEF_LLAMA_SERVER_DIR (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/brief/llama-server), JOBS (default: number of cores).
# brief finds the binary there (or via $BRIEF_LLAMA_SERVER) for `brief serve-local --server cpp`.
set -euo pipefail

python="${PYTHON:-$(command -v python || command -v python3)}"
version="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
dest="${BRIEF_LLAMA_SERVER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/brief/llama-server}"
jobs="${JOBS:-$(nproc)}"
start=$(date +%s)

if [ "${1:-}" != "--force" ] && [ -x "$dest/bin/llama-server" ]; then
  echo "build-llama-server: already built: $dest/bin/llama-server"
  exit 0
fi
command -v cmake >/dev/null || { echo "build-llama-server: cmake is not installed" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/brief-llama-server.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "build-llama-server: fetching the llama-cpp-python $version sdist (pip's cache is used when warm)"
"$python" -m pip download --no-deps --no-binary :all: --disable-pip-version-check -q -d "$work" \
  "llama-cpp-python==$version"
tar -xzf "$work"/llama_cpp_python-"$version".tar.gz -C "$work"
src="$work/llama_cpp_python-$version/vendor/llama.cpp"
[ -f "$src/LICENSE" ] && head -1 "$src/LICENSE"
echo "build-llama-server: configuring (CPU, native instructions, no curl)"
cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON -DBUILD_SHARED_LIBS=OFF \
  ${LLAMA_SERVER_CMAKE_ARGS:-} >"$work/configure.log" || { tail -30 "$work/configure.log" >&2; exit 1; }
echo "build-llama-server: compiling llama-server with $jobs job(s) (several minutes)"
cmake --build "$work/build" --target llama-server -j "$jobs" >"$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log" >&2; exit 1; }
mkdir -p "$dest/bin"
cp "$work/build/bin/llama-server" "$dest/bin/llama-server"
cp "$src/LICENSE" "$dest/LICENSE" 2>/dev/null || true
echo "llama.cpp vendored by llama-cpp-python $version" >"$dest/VERSION"
echo "build-llama-server: built $dest/bin/llama-server in $(( $(date +%s) - start )) s"
